"""Forms of the clarification Q&A and challenge pages."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from procurement.forms import ORGANIZATION_ERRORS, REQUIRED, OrganizationScopedForm
from procurement.models import Challenge, TenderAmendment


class _OrganizationForm(OrganizationScopedForm):
    organization = forms.ModelChoiceField(label=_("机构"), queryset=Organization.objects.none(),
                                          error_messages=ORGANIZATION_ERRORS)


class QuestionForm(_OrganizationForm):
    question = forms.CharField(label=_("问题"), max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 4}),
                               help_text=_("答复将向所有投标人公开，不公开提问机构。"),
                               error_messages={"required": REQUIRED,
                                               "max_length": _("内容过长。")})


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("答复"), max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             error_messages={"required": REQUIRED, "max_length": _("内容过长。")})
    affects_responses = forms.BooleanField(
        label=_("影响投标文件编制"), required=False,
        help_text=_("勾选后答复作为澄清公告发布，形成采购文件新版本，已投标机构须重新确认；距投标截止时间"
                    "不足规定天数的，投标截止时间将相应顺延。"))


class ChallengeForm(_OrganizationForm):
    subject = forms.ChoiceField(label=_("质疑事项"), choices=Challenge.Subject.choices,
                                error_messages={"required": REQUIRED,
                                                "invalid_choice": _("请选择质疑事项。")})
    amendment = forms.ModelChoiceField(
        label=_("质疑的更正公告"), queryset=TenderAmendment.objects.none(), required=False,
        empty_label=_("（不针对更正公告）"),
        help_text=_("对澄清或者修改的内容提出质疑的，请选择该更正公告：质疑期限自其发布之日起计算"
                    "（7个工作日）。"),
        error_messages={"invalid_choice": _("请选择本项目的更正公告。")})
    grounds = forms.CharField(label=_("质疑事项及理由"), max_length=8000,
                              widget=forms.Textarea(attrs={"rows": 8}),
                              error_messages={"required": REQUIRED, "max_length": _("内容过长。")})

    field_order = ["organization", "subject", "amendment", "grounds"]

    def __init__(self, *args, amendments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if amendments is not None and amendments.exists():
            self.fields["amendment"].queryset = amendments
            self.fields["amendment"].label_from_instance = lambda a: _(
                "第%(v)d版 %(kind)s（%(date)s）") % {
                "v": a.version, "kind": a.get_kind_display(),
                "date": timezone.localtime(a.published_at).strftime("%Y-%m-%d")}
        else:
            del self.fields["amendment"]


class ChallengeAssessForm(forms.Form):
    may_change_result = forms.BooleanField(label=_("可能影响中标结果（暂停签订合同）"),
                                           required=False)


OUTCOMES = [("rejected", _("质疑不成立")), ("upheld", _("质疑成立")), ("answered", _("答复说明"))]


class ChallengeAnswerForm(forms.Form):
    outcome = forms.ChoiceField(label=_("答复结论"), choices=OUTCOMES,
                                error_messages={"required": REQUIRED,
                                                "invalid_choice": _("请选择答复结论。")})
    answer = forms.CharField(label=_("答复"), max_length=8000,
                             widget=forms.Textarea(attrs={"rows": 6}),
                             error_messages={"required": REQUIRED, "max_length": _("内容过长。")})
    may_change_result = forms.BooleanField(label=_("影响中标结果"), required=False)
    late_reason = forms.CharField(label=_("逾期答复理由（超过答复期限时必填）"), required=False,
                                  max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def upheld(self) -> bool | None:
        """Return the upheld flag for challenge_answer (None: answered without a ruling)."""
        return {"upheld": True, "rejected": False}.get(self.cleaned_data["outcome"])


class ChallengeRemedyForm(forms.Form):
    """What the purchaser does about an upheld challenge (remedies; 94号令 16, 87号令 64)."""

    remedy = forms.ChoiceField(
        label=_("处理方式"), widget=forms.RadioSelect, error_messages={"required": REQUIRED},
        choices=[(v, label) for v, label in Challenge.Remedy.choices if v])
    ground = forms.ChoiceField(
        label=_("重新评审的理由（仅限87号令第六十四条规定的情形）"), required=False,
        choices=[("", "—")])
    reason = forms.CharField(label=_("处理说明"), max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             error_messages={"required": REQUIRED, "max_length": _("内容过长。")})
    confirm = forms.BooleanField(label=_("我确认：原中标结果和未签订的合同将作废，此操作不能撤销。"),
                                 error_messages={"required": _("请确认后再提交。")})

    def __init__(self, *args, **kwargs):
        from procurement.services.remedies import REEVALUATION_GROUNDS

        super().__init__(*args, **kwargs)
        self.fields["ground"].choices = [("", "—"), *REEVALUATION_GROUNDS.items()]
