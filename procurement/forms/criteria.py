"""The scoring criteria table (评分标准), one for the publication step and the amendment page.

Rows carry a name, a Chinese kind (技术 / 商务; price is not a row: it is added from the price
weight), a score and its description; the running total includes the form's ``price_weight``
field and must come to 100 (``check_criteria_total``). The services check it again
(procurement.services.tenders.check_criteria).
"""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from office.formsets import BLANK, row_formset
from procurement.models import TenderCriterion


class CriterionRowForm(forms.Form):
    name = forms.CharField(label=_("评分项"), max_length=100)
    # Price is not a row: it is added from the price weight (价格分).
    kind = forms.ChoiceField(label=_("类型"), choices=[
        BLANK, (TenderCriterion.Kind.TECHNICAL, TenderCriterion.Kind.TECHNICAL.label),
        (TenderCriterion.Kind.COMMERCIAL, TenderCriterion.Kind.COMMERCIAL.label)])
    max_score = forms.DecimalField(label=_("分值"), min_value=Decimal("0.01"), max_value=100,
                                   max_digits=5, decimal_places=2,
                                   widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}))
    description = forms.CharField(label=_("评分标准"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))


CriteriaFormSet = row_formset(
    CriterionRowForm, title=_("评分标准（价格分按价格分权重自动加入）"), total_fields=("max_score",),
    total_label=_("评分合计（含价格分，应为100分）"), total_plus="price_weight")

DEFAULT_CRITERIA = [
    {"name": "服务方案", "kind": "technical", "max_score": Decimal("50"),
     "description": "需求分析准确，服务内容、方法和进度安排具体可行。"},
    {"name": "团队与资质", "kind": "technical", "max_score": Decimal("20"),
     "description": "项目团队中持证社工的数量、专业背景和同类服务经验。"},
    {"name": "管理与承诺", "kind": "commercial", "max_score": Decimal("20"),
     "description": "内部管理、财务管理制度健全，服务承诺明确。"},
]


def default_criteria(price_weight: Decimal) -> list[dict]:
    """Return the default criteria rows, the first one absorbing what the price weight leaves."""
    rows = [dict(row) for row in DEFAULT_CRITERIA]
    rows[0]["max_score"] += Decimal("10") - price_weight
    return rows


def tender_criteria_rows(tender) -> list[dict]:
    """Return the tender's current criteria as table rows (the price criterion left out)."""
    return [{"name": c.name, "kind": c.kind, "max_score": c.max_score,
             "description": c.description}
            for c in tender.criteria.all() if c.kind != TenderCriterion.Kind.PRICE]


def score_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def check_criteria_total(form) -> None:
    """Number the form's criteria rows and require rows + price weight = 100 (on the table).

    For a FormsetsMixin form's ``clean_formsets`` with a ``criteria`` table and a
    ``price_weight`` field.
    """
    criteria = form.cleaned_data.get("criteria") or []
    for order, row in enumerate(criteria, 1):
        row["order"] = order
    price_weight = form.cleaned_data.get("price_weight")
    if price_weight is None:
        return
    total = sum((row["max_score"] for row in criteria), Decimal("0"))
    if total + price_weight != 100:
        form.add_error("criteria", _(
            "评分项分值合计%(total)s分，加上价格分%(price)s分共%(sum)s分，应为100分。") % {
            "total": score_text(total), "price": score_text(price_weight),
            "sum": score_text(total + price_weight)})


def with_price(criteria: list[dict], price_weight: Decimal) -> list[dict]:
    """Return the rows as the services take them: the price criterion added when weighted."""
    rows = list(criteria)
    if price_weight > 0:
        rows.append({"name": "价格", "kind": "price", "max_score": price_weight, "order": 0})
    return rows
