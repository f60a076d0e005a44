"""Forms for organizations, divisions and the user's interface language."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    AnnualInspection,
    CreditListing,
    ExpertRecusal,
    Organization,
    OrganizationRating,
    Qualification,
    User,
)
from accounts.services.organizations import (
    IDENTITY_CHANGE_ONLY,
    IDENTITY_FIELDS,
    organization_save,
    organization_validate,
)
from accounts.validators import normalize_credit_code
from core.widgets import DateInput


class OrganizationForm(forms.ModelForm):
    """Create or edit an organization; pass actor= (the admin sets default_actor per request)."""

    default_actor = None

    class Meta:
        model = Organization
        fields = [
            "name", "kind", "division", "credit_code", "credit_code_override_reason",
            "legal_representative", "contact_person", "contact_phone", "rating", "is_active",
        ]

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor if actor is not None else self.default_actor
        if self.instance.pk is not None:
            # Who the organization is changes only through an approved identity change.
            for name in IDENTITY_FIELDS:
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = IDENTITY_CHANGE_ONLY

    def clean_credit_code(self):
        return normalize_credit_code(self.cleaned_data.get("credit_code"))

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            # The same check organization_save runs, including the admin-only override.
            organization_validate(organization=self.instance, actor=self.actor)
        except ValidationError as error:
            self._update_errors(error)

    def save(self, commit=True):
        if not commit:
            return super().save(commit=False)
        organization = organization_save(organization=self.instance, actor=self.actor)
        self._save_m2m()
        return organization


class ExpertRecusalForm(forms.ModelForm):
    class Meta:
        model = ExpertRecusal
        fields = ["credit_code", "unit_name", "reason"]

    def clean_credit_code(self):
        return normalize_credit_code(self.cleaned_data.get("credit_code"))


class UserLanguageForm(forms.Form):
    """Choose the interface language (unbound to the user, so the service sees the change)."""

    language = forms.ChoiceField(choices=User._meta.get_field("language").choices)


class IdentityChangeRequestForm(forms.Form):
    """The organization's request to change its name, credit code or legal representative."""

    name = forms.CharField(label=_("名称"), max_length=200)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    credit_code_override_reason = forms.CharField(
        label=_("信用代码校验例外理由"), max_length=200, required=False,
        help_text=_("仅当新代码无法通过校验位检查而确属真实时填写，由平台管理员确认。"))
    legal_representative = forms.CharField(label=_("法定代表人"), max_length=50, required=False)
    reason = forms.CharField(
        label=_("变更原因及依据"), widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("如登记管理机关核准的变更登记，请写明日期与文号。"))


class IdentityChangeReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("审核结论"), choices=[
        ("approve", _("批准")), ("reject", _("驳回"))], widget=forms.RadioSelect)
    note = forms.CharField(label=_("审核意见"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("驳回时必填。"))


# Supplier registry (accounts.services.registry) -------------------------------------------------

_DATE = {"widget": DateInput()}


class RegistryRatingForm(forms.Form):
    grade = forms.ChoiceField(label=_("评估等级"), choices=OrganizationRating.Grade.choices)
    rated_on = forms.DateField(label=_("评定日期"), **_DATE)
    valid_until = forms.DateField(label=_("有效期至（留空为评定之日起5年）"), required=False, **_DATE)
    assessor = forms.CharField(label=_("评估机关"), max_length=100, required=False)
    document_number = forms.CharField(label=_("评估文号/证书编号"), max_length=100, required=False)


class RegistryInspectionForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    result = forms.ChoiceField(label=_("年检结论"), choices=AnnualInspection.Result.choices)
    concluded_on = forms.DateField(label=_("结论日期"), **_DATE)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class RegistryQualificationForm(forms.Form):
    kind = forms.ChoiceField(label=_("资质类别"), choices=Qualification.Kind.choices)
    number = forms.CharField(label=_("证书编号"), max_length=100)
    issuer = forms.CharField(label=_("发证机关"), max_length=100, required=False)
    valid_from = forms.DateField(label=_("生效日期"), **_DATE)
    valid_until = forms.DateField(label=_("有效期至（长期有效的留空）"), required=False, **_DATE)


class RegistryListingForm(forms.Form):
    kind = forms.ChoiceField(label=_("名单类别"), choices=CreditListing.Kind.choices)
    source = forms.ChoiceField(label=_("查询来源"), choices=CreditListing.Source.choices)
    decision = forms.CharField(label=_("处罚/列入决定（机关及文号）"), max_length=200)
    listed_on = forms.DateField(label=_("列入日期"), **_DATE)
    excluded_from = forms.DateField(label=_("禁止参加政府采购活动起始日（留空为列入日期）"),
                                    required=False, **_DATE)
    excluded_until = forms.DateField(
        label=_("禁止参加政府采购活动截止日（重大违法记录留空为3年；失信被执行人留空为至移出名单）"),
        required=False, **_DATE)
    queried_on = forms.DateField(label=_("查询日期"), **_DATE)


class RegistryDateForm(forms.Form):
    """The day a listing was removed or a qualification revoked (irreversible: the view shows a
    confirmation page, core.confirm)."""

    day = forms.DateField(label=_("日期"), **_DATE)


class RegistryImportForm(forms.Form):
    workbook = forms.FileField(
        label=_("Excel 文件（.xlsx）"),
        help_text=_("工作表名称和列名见本页说明；首行为列名，每行一条记录。"))
    dry_run = forms.BooleanField(label=_("仅检查，不导入"), required=False, initial=True)
