"""Form of the amendment page (更正公告)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.widgets import DateTimeInput
from procurement.forms import REQUIRED
from procurement.models import Tender


class AmendmentForm(forms.Form):
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
    price_weight = forms.DecimalField(label=_("价格分权重（%）（修改评分标准时填写）"), required=False,
                                      min_value=0, max_value=100)
    criteria = forms.CharField(
        label=_("新的评分标准（留空不变；每行：名称,类型 technical/commercial,分值；价格分按权重自动加入）"),
        required=False, widget=forms.Textarea(attrs={"rows": 4}))
    confirm = forms.BooleanField(label=_("确认发布更正公告（发布后不可撤回，将通知所有投标机构）"),
                                 error_messages={"required": _("请勾选确认。")})

    def clean_criteria(self):
        text = self.cleaned_data.get("criteria") or ""
        rows = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if len(parts) != 3:
                raise forms.ValidationError(_("第%(n)d行格式应为：名称,类型,分值"), params={"n": n})
            try:
                score = Decimal(parts[2])
            except ArithmeticError as exc:
                raise forms.ValidationError(_("第%(n)d行分值不是数字"), params={"n": n}) from exc
            rows.append({"name": parts[0], "kind": parts[1], "max_score": score, "order": n})
        return rows or None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("price_weight") is not None and not cleaned.get("criteria"):
            self.add_error("criteria", _("修改价格分权重时须同时填写完整的评分标准。"))
        return cleaned

    def service_kwargs(self, tender) -> dict:
        """Return the keyword arguments of procurement.services.amendments.tender_amend."""
        data = self.cleaned_data
        kwargs = {"content": data["content"], "affects_bids": data["affects_bids"],
                  "bid_deadline": data.get("bid_deadline"),
                  "tie_rule": data.get("tie_rule") or None}
        if data.get("criteria"):
            weight = data.get("price_weight")
            weight = tender.price_weight if weight is None else weight
            criteria = list(data["criteria"])
            if weight > 0:
                criteria.append({"name": "价格", "kind": "price", "max_score": weight, "order": 0})
            kwargs.update(criteria=criteria, price_weight=weight)
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
