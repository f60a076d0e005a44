"""Forms of the delivery pages: a social worker's service record (服务台账)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.widgets import DateInput
from procurement.forms import AttachmentsField, MultipleFileInput
from procurement.models import Deliverable

REQUIRED = _("此项为必填项。")


class ServiceRecordForm(forms.Form):
    deliverable = forms.ModelChoiceField(
        label=_("对应产出"), queryset=Deliverable.objects.none(),
        error_messages={"required": REQUIRED, "invalid_choice": _("请选择本合同的服务产出。")},
    )
    served_on = forms.DateField(label=_("服务日期"), widget=DateInput(),
                                error_messages={"required": REQUIRED,
                                                "invalid": _("请输入有效的日期，如 2026-03-02。")})
    site = forms.CharField(label=_("服务地点"), max_length=100, error_messages={"required": REQUIRED})
    participants = forms.IntegerField(label=_("服务人数/人次"), min_value=1,
                                      error_messages={"required": REQUIRED,
                                                      "invalid": _("请输入整数。"),
                                                      "min_value": _("服务人数至少为1。")})
    description = forms.CharField(label=_("服务内容"), widget=forms.Textarea(attrs={"rows": 5}),
                                  error_messages={"required": REQUIRED})
    # On a phone the first field opens the camera (capture); the second picks saved photos and
    # scanned sign-in sheets. Both are stored as the record's evidence.
    photos = AttachmentsField(
        label=_("现场照片（拍照）"), allowed=("image",),
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
        help_text=_("可选，手机上直接打开相机，可拍多张。"))
    files = AttachmentsField(label=_("服务照片/签到表"), allowed=("image", "pdf"),
                             widget=MultipleFileInput(attrs={"accept": "image/*,application/pdf"}),
                             help_text=_("可选，图片或 PDF，可多选；购买主体和项目所在社区可以查看。"))

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deliverable"].queryset = Deliverable.objects.filter(project_id=contract.project_id)
        self.fields["served_on"].initial = timezone.localdate()

    def service_fields(self) -> dict:
        """Return the cleaned data as service_record_add_with_files takes it (one list of files)."""
        data = dict(self.cleaned_data)
        data["files"] = [*data.pop("photos", []), *data.get("files", [])]
        return data


class OpinionForm(forms.Form):
    """A service user's opinion: five levels a resident taps on a phone, and a comment."""

    LEVELS = [(100, _("非常满意")), (80, _("满意")), (60, _("一般")), (40, _("不满意")),
              (20, _("很不满意"))]

    score = forms.TypedChoiceField(
        label=_("您对这段时间的服务满意吗？"), choices=LEVELS, coerce=int, widget=forms.RadioSelect,
        error_messages={"required": _("请选择满意程度。"),
                        "invalid_choice": _("请选择列出的满意程度。")})
    comment = forms.CharField(label=_("意见建议（可选）"), required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              error_messages={"max_length": _("意见建议请不超过1000字。")})
