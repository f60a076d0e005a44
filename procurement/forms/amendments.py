"""Form of the amendment page (更正公告)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.widgets import DateTimeInput
from office.formsets import FormsetsMixin
from procurement.forms import REQUIRED
from procurement.forms.criteria import (
    CriteriaFormSet,
    check_criteria_total,
    tender_criteria_rows,
    with_price,
)
from procurement.models import Tender


class AmendmentForm(FormsetsMixin, forms.Form):
    """The amendment: its text, and the scoring criteria as a table prefilled with the tender's
    current ones (the same table as the publication step); criteria are amended when the rows
    or the price weight differ from the tender's."""

    content = forms.CharField(
        label=_("更正事项及内容"), max_length=8000, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("更正内容为采购文件的组成部分；不得改变采购标的和资格条件（87号令第二十七条）。"),
        error_messages={"required": REQUIRED, "max_length": _("内容过长。")})
    affects_bids = forms.BooleanField(
        label=_("可能影响投标文件编制"), required=False,
        help_text=_("距投标截止时间不足法定天数的，截止时间自动顺延；已递交投标的机构须重新确认或重新递交。"
                    "修改评分标准或排序规则视为影响投标文件编制。"))
    bid_deadline = forms.DateTimeField(
        label=_("新的投标截止时间（留空不变，只能推迟）"), required=False,
        widget=DateTimeInput())
    tie_rule = forms.ChoiceField(label=_("得分且报价相同时的排序规则（留空不变）"), required=False,
                                 choices=[("", "—")] + list(Tender.TieRule.choices))
    price_weight = forms.DecimalField(
        label=_("价格分权重（%）"), min_value=0, max_value=100, max_digits=5, decimal_places=2,
        help_text=_("与下表评分项合计为100分；不修改评分标准时保持不变。"),
        error_messages={"required": REQUIRED})
    formsets = {"criteria": CriteriaFormSet}
    confirm = forms.BooleanField(label=_("确认发布更正公告（发布后不可撤回，将通知所有投标机构）"),
                                 error_messages={"required": _("请勾选确认。")})

    def __init__(self, *args, tender, **kwargs):
        self.tender = tender
        self.current_criteria = tender_criteria_rows(tender)
        kwargs.setdefault("formset_initial", {"criteria": self.current_criteria})
        super().__init__(*args, **kwargs)
        self.fields["price_weight"].initial = tender.price_weight
        self.order_fields(["content", "affects_bids", "bid_deadline", "tie_rule", "price_weight",
                           "confirm"])

    def clean_formsets(self):
        if self.criteria_changed():
            check_criteria_total(self)

    def criteria_changed(self) -> bool:
        """Return whether the rows or the price weight differ from the tender's (valid form)."""
        def key(rows):
            return [(r["name"].strip(), r["kind"], Decimal(r["max_score"]).normalize(),
                     (r.get("description") or "").strip()) for r in rows]

        data = self.cleaned_data
        return (data.get("price_weight") != self.tender.price_weight
                or key(data.get("criteria") or []) != key(self.current_criteria))

    def service_kwargs(self) -> dict:
        """Return the keyword arguments of procurement.services.amendments.tender_amend."""
        data = self.cleaned_data
        kwargs = {"content": data["content"], "affects_bids": data["affects_bids"],
                  "bid_deadline": data.get("bid_deadline"),
                  "tie_rule": data.get("tie_rule") or None}
        if self.criteria_changed():
            weight = data["price_weight"]
            kwargs.update(criteria=with_price(data["criteria"], weight), price_weight=weight)
        return kwargs


class DeadlineExtensionForm(forms.Form):
    """The purchaser postpones the bid deadline (tender_extend_deadline), local time."""

    new_deadline = forms.DateTimeField(
        label=_("新的投标截止时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("北京时间；须晚于当前的投标截止时间。"),
        error_messages={"required": REQUIRED, "invalid": _("请填写有效的日期和时间。")})
    reason = forms.CharField(
        label=_("延期理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("将写入延期公告（更正公告）并通知已递交投标的机构。"),
        error_messages={"required": _("请填写延期理由。"), "max_length": _("内容过长。")})

    def __init__(self, *args, tender, **kwargs):
        super().__init__(*args, **kwargs)
        self.tender = tender

    def clean_new_deadline(self):
        value = self.cleaned_data["new_deadline"]
        if value <= self.tender.bid_deadline:
            raise forms.ValidationError(_("新的投标截止时间必须晚于原截止时间。"))
        return value
