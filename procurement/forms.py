"""Forms of the procurement pages that are not flow tasks: needs and bids."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from procurement.models import NeedCategory

REQUIRED = _("此项为必填项。")


class NeedSubmitForm(forms.Form):
    community = forms.ModelChoiceField(
        label=_("所在社区"), queryset=Organization.objects.none(),
        error_messages={"required": REQUIRED, "invalid_choice": _("请选择您所在的社区。")},
    )
    title = forms.CharField(label=_("需求标题"), max_length=200,
                            error_messages={"required": REQUIRED})
    category = forms.ChoiceField(label=_("类别"), choices=NeedCategory.choices,
                                 error_messages={"required": REQUIRED,
                                                 "invalid_choice": _("请选择有效的需求类别。")})
    target_group = forms.CharField(label=_("服务对象"), max_length=100,
                                   error_messages={"required": REQUIRED})
    description = forms.CharField(label=_("需求描述"), widget=forms.Textarea(attrs={"rows": 5}),
                                  error_messages={"required": REQUIRED})

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        ids = [c.pk for c in communities]
        if len(ids) == 1:
            self.fields["community"].initial = ids[0]


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
