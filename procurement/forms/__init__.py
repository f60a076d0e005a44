"""Forms of the procurement pages that are not flow tasks: bids, and the attachment field."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, SocialWorkerProfile
from core.exceptions import ServiceError
from core.uploads import validate_upload
from office.fields import KnownRowChoiceField, SafeModelMultipleChoiceField
from procurement.models import OTHER_BID_DOCUMENT, BidFlag
from procurement.services.bids import bid_document_kinds, parse_bid_price

REQUIRED = _("此项为必填项。")
ORGANIZATION_ERRORS = {"required": REQUIRED, "invalid_choice": _("请选择您所在的社会组织。")}
MAX_FILES = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several uploaded files, each checked by content (core.uploads), with a total size limit."""

    widget = MultipleFileInput

    def __init__(self, *, allowed=("pdf", "image", "office"), **kwargs):
        self.allowed = allowed
        kwargs.setdefault("required", False)
        kwargs["error_messages"] = {"required": REQUIRED, **(kwargs.get("error_messages") or {})}
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("multiple", True)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > MAX_FILES:
            raise ValidationError(
                _("一次最多上传%(max)d个文件。") % {"max": MAX_FILES}, code="too_many")
        errors = []
        for f in files:
            try:
                validate_upload(f, allowed=self.allowed, max_bytes=settings.UPLOAD_MAX_BYTES)
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        total, limit = sum(f.size for f in files), settings.UPLOAD_MAX_TOTAL_BYTES
        if total > limit:
            raise ValidationError(
                _("文件总大小 %(size)s MB 超过 %(limit)s MB上限。")
                % {"size": _mb(total), "limit": _mb(limit)}, code="total_too_large")
        return files


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


class _ChoicesOnUse(ModelChoiceIterator):
    """A model choice field's choices, reading the field's queryset only when iterated."""

    def __init__(self, field):
        self.field = field

    @property
    def queryset(self):
        return self.field.queryset


class TeamField(SafeModelMultipleChoiceField):
    """Social workers shown with their level and certificate number (持证社工).

    The form gives the rows to choose from as a function (``queryset_on_use``), called when the
    choices are shown or a chosen id is checked: a bid submitted without a team (most bids, and
    every one of a deadline rush) never builds that queryset."""

    iterator = _ChoicesOnUse
    _build = None

    def queryset_on_use(self, build) -> None:
        self._build = build

    def _get_rows(self):
        if self._build is not None:
            build, self._build = self._build, None
            self._set_queryset(build())
        return self._queryset

    def _set_rows(self, queryset):
        self._build = None
        self._set_queryset(queryset)

    queryset = property(_get_rows, _set_rows)

    def clean(self, value):
        if not self.required and not value:
            return []  # no team chosen: nothing to look up (Django's answers queryset.none())
        return super().clean(value)

    def label_from_instance(self, obj):
        return _("%(name)s，%(level)s，证书编号%(cert)s") % {
            "name": obj.user.display_name, "level": obj.get_qualification_display(),
            "cert": obj.certificate_number}


class OrganizationScopedForm(forms.Form):
    """A form acting for one of the user's organizations: the choice is limited to them and
    preselected when there is only one. Subclasses declare the `organization` field."""

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        if self.is_bound:  # a submitted form shows its own choice: no initial to read
            return
        ids = [o.pk for o in organizations]
        if len(ids) == 1:
            self.fields["organization"].initial = ids[0]


class BidForm(OrganizationScopedForm):
    # The user's organizations come with the memberships the page has read (known_organizations).
    organization = KnownRowChoiceField(
        label=_("投标机构"), queryset=Organization.objects.none(), error_messages=ORGANIZATION_ERRORS,
    )
    # A text field, not a DecimalField: Django's would read full-width digits and "1e3" as
    # numbers. The price must be typed exactly in the form shown (parse_bid_price).
    price = forms.CharField(
        label=_("投标报价（元）"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "280000.00",
                                      "autocomplete": "off"}),
        help_text=_("半角数字，最多两位小数，不含千位分隔符，如 280000.00；报价不会被四舍五入。"),
        error_messages={"required": REQUIRED},
    )
    proposal = forms.CharField(label=_("服务方案"), widget=forms.Textarea(attrs={"rows": 8}),
                               error_messages={"required": REQUIRED})
    contact_person = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    project_manager = forms.CharField(
        label=_("项目负责人"), max_length=50, required=False,
        help_text=_("开标后评标委员会可见；不同投标人的联系人或项目负责人相同将提示评标委员会核实"
                    "（政府采购货物和服务招标投标管理办法第三十七条）。"))
    # One upload field per document the tender requires (doc_0, doc_1 …, added in __init__);
    # these are the other materials (其他材料).
    files = AttachmentsField(
        label=_("其他投标材料"), allowed=("pdf", "office"),
        help_text=_("PDF 或 Office 文档，可多选；开标前仅本机构可以查看。"),
    )
    # The version of the documents the page showed (更正公告): bid_submit refuses a stale one.
    tender_version = forms.IntegerField(label="", required=False, widget=forms.HiddenInput)
    # The social-work team the bid promises; the contract copies it (issue 7 item 17).
    team = TeamField(
        label=_("承诺服务团队（本机构持证社工）"), queryset=SocialWorkerProfile.objects.none(),
        required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("中标后写入合同；履约期间变更须经采购人同意，服务台账只接受团队成员填写。"),
    )

    def __init__(self, *args, organizations, tender=None, known_organizations=(), **kwargs):
        super().__init__(*args, organizations=organizations, **kwargs)
        self.fields["organization"].known = {o.pk: o for o in known_organizations}
        self.fields["team"].queryset_on_use(lambda: (
            SocialWorkerProfile.objects.filter(organization__in=organizations)
            .select_related("user", "organization").order_by("pk")))
        self.document_kinds = list(tender.required_documents or ()) if tender else []
        documents = {
            f"doc_{n}": AttachmentsField(
                label=_("%(kind)s（必须提交）") % {"kind": kind}, allowed=("pdf", "office"),
                required=True, error_messages={
                    "required": _("请上传“%(kind)s”：采购文件要求投标文件包含此项材料。")
                    % {"kind": kind}})
            for n, kind in enumerate(self.document_kinds)}
        if documents:
            self.fields.update(documents)
            self.order_fields([*(n for n in self.fields if n not in ("files", "team")),
                               "files", "team"])
        else:
            self.fields["files"].label = _("投标材料")
            self.fields["files"].help_text = _(
                "投标函、报价单、服务方案、资格证明等，PDF 或 Office 文档，可多选，至少一份；"
                "开标前仅本机构可以查看。")

    def clean(self):
        cleaned = super().clean()
        cleaned["documents"] = [
            (kind, f) for n, kind in enumerate(self.document_kinds)
            for f in cleaned.pop(f"doc_{n}", None) or ()]
        if not cleaned["documents"] and not cleaned.get("files") and "files" not in self.errors:
            self.add_error("files", _("投标文件未附任何材料，不予接受：请上传投标材料。"))
        return cleaned

    def clean_price(self):
        try:
            return parse_bid_price(self.cleaned_data["price"])
        except ServiceError as error:
            raise ValidationError(error.messages, code=error.code) from None



class BidFilesForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料类别"), choices=(), required=False)
    files = AttachmentsField(label=_("补充投标文件"), allowed=("pdf", "office"), required=True,
                             help_text=_("PDF 或 Office 文档，可多选。"))

    def __init__(self, *args, tender, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, _(k)) for k in bid_document_kinds(tender)]
        self.fields["kind"].initial = OTHER_BID_DOCUMENT

    def clean_kind(self):
        return self.cleaned_data.get("kind") or OTHER_BID_DOCUMENT


class BidFlagDecisionForm(forms.Form):
    """The evaluation committee's finding on an opening flag (87号令 37); final once saved."""

    decision = forms.ChoiceField(
        label=_("认定结论"), widget=forms.RadioSelect, error_messages={"required": REQUIRED},
        choices=[(BidFlag.Decision.CLEARED, BidFlag.Decision.CLEARED.label),
                 (BidFlag.Decision.COLLUSION, BidFlag.Decision.COLLUSION.label)])
    note = forms.CharField(label=_("认定理由"), widget=forms.Textarea(attrs={"rows": 4}),
                           error_messages={"required": REQUIRED})
    confirm = forms.BooleanField(label=_("我确认：认定提交后不能修改，并记入评审记录。"),
                                 error_messages={"required": _("请确认后再提交认定。")})
