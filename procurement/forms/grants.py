"""Forms of the grant panels on the project and contract pages (choices limited to eligible holders)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from procurement.forms import REQUIRED
from procurement.selectors.grants import (
    delegate_candidates,
    evaluator_candidates,
    supervisor_candidates,
)


class _UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class DelegateGrantForm(forms.Form):
    """Choose the officer of the project's purchaser to delegate the project to."""

    user = _UserChoiceField(
        label=_("经办人"), queryset=None, empty_label=_("请选择本机构工作人员"),
        error_messages={"required": REQUIRED,
                        "invalid_choice": _("经办人必须是本项目购买主体的在岗工作人员。")},
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = delegate_candidates(project=project)


class SupervisionGrantForm(forms.Form):
    """Choose the 纪检/审计 body over the purchaser's area to open the project to."""

    organization = forms.ModelChoiceField(
        label=_("纪检监察/审计机关"), queryset=None, empty_label=_("请选择机关"),
        error_messages={"required": REQUIRED,
                        "invalid_choice": _("只能授权项目购买主体所在地区的纪检监察或审计机关。")},
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = supervisor_candidates(project=project)


class EvaluationGrantForm(forms.Form):
    """Choose the third-party evaluation organization to commission for the contract."""

    organization = forms.ModelChoiceField(
        label=_("第三方评估机构"), queryset=None, empty_label=_("请选择机构"),
        error_messages={"required": REQUIRED,
                        "invalid_choice": _("只能委托有效的第三方评估机构。")},
    )

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = evaluator_candidates(contract=contract)


class RevokeForm(forms.Form):
    """Name the holder whose grant is revoked and confirm it (a revocation takes access away)."""

    holder = forms.IntegerField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_("确认撤销"), error_messages={"required": _("请勾选“确认撤销”后再提交。")},
    )
