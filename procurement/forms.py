"""Forms of the procurement pages that are not flow tasks: bids."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization

REQUIRED = _("此项为必填项。")


class BidForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("投标机构"), queryset=Organization.objects.none(),
        error_messages={"required": REQUIRED, "invalid_choice": _("请选择您所在的社会组织。")},
    )
    price = forms.DecimalField(
        label=_("投标报价（元）"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"),
        error_messages={"required": REQUIRED, "invalid": _("请输入有效的金额。"),
                        "min_value": _("投标报价必须大于0。"),
                        "max_decimal_places": _("金额最多保留两位小数。"),
                        "max_digits": _("金额过大。")},
    )
    proposal = forms.CharField(label=_("服务方案"), widget=forms.Textarea(attrs={"rows": 8}),
                               error_messages={"required": REQUIRED})

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        ids = [o.pk for o in organizations]
        if len(ids) == 1:
            self.fields["organization"].initial = ids[0]
