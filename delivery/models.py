"""Service records (服务台账) and milestone reports of a contract's delivery."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from procurement.models import Contract, Deliverable


class ServiceRecord(models.Model):
    contract = models.ForeignKey(Contract, verbose_name=_("合同"), on_delete=models.PROTECT,
                                 related_name="service_records")
    deliverable = models.ForeignKey(Deliverable, verbose_name=_("对应产出"), on_delete=models.PROTECT,
                                    related_name="service_records")
    code = models.CharField(_("台账编号"), max_length=80, unique=True)
    served_on = models.DateField(_("服务日期"))
    site = models.CharField(_("服务地点"), max_length=100)
    participants = models.PositiveIntegerField(_("服务人数/人次"))
    description = models.TextField(_("服务内容"))
    social_worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录社工"),
                                      on_delete=models.PROTECT, related_name="service_records")
    recorded_at = models.DateTimeField(_("记录时间"))
    is_late = models.BooleanField(_("超过24小时补录"), default=False)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("社区确认人"),
                                     null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("社区确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("服务台账")
        verbose_name_plural = _("服务台账")
        ordering = ["-served_on", "-id"]
        # The list walks this index newest first and stops at a page (no sort of every visible
        # record); the plan monitoring's year range uses it too (benchmarks/citygen.py: 2 M rows).
        indexes = [models.Index(fields=["-served_on", "-id"], name="record_served_on_desc_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(participants__gt=0), name="record_participants_positive"),
        ]

    def __str__(self) -> str:
        return self.code

    def user_can_download_file(self, user) -> bool:
        """Return whether the user may see the record's photos and sign-in sheets (the
        supplier's staff, the purchaser and the project's community staff)."""
        return user.has_perm("delivery.view_servicerecord", self)

    def user_can_upload_file(self, user):
        """Return whether the user may attach evidence (the social worker who wrote the record)."""
        from core.authz import decide
        from core.permissions import deny

        if getattr(user, "pk", None) is None or user.pk != self.social_worker_id:
            return deny(_("只有填写该台账的社工可以上传佐证材料。"))
        return decide(user, "delivery.add_servicerecord", self)


class MilestoneReport(models.Model):
    class Kind(models.TextChoices):
        MID_TERM = "mid_term", _("中期报告")
        FINAL = "final", _("终期报告")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待验收")
        ACCEPTED = "accepted", _("已验收")
        RETURNED = "returned", _("退回修改")

    contract = models.ForeignKey(Contract, verbose_name=_("合同"), on_delete=models.PROTECT,
                                 related_name="milestone_reports")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    summary = models.TextField(_("执行情况"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices,
                              default=Status.SUBMITTED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    decision_comment = models.TextField(_("验收意见"), blank=True)

    class Meta:
        verbose_name = _("阶段报告")
        verbose_name_plural = _("阶段报告")
        ordering = ["contract", "submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "kind"], condition=~Q(status="returned"),
                                    name="milestone_one_live_per_kind"),
        ]
        # The list's order (-submitted_at, -id): a page is read from the index.
        indexes = [models.Index(fields=["submitted_at", "id"], name="milestone_submitted_order")]

    def __str__(self) -> str:
        return f"{self.contract.code} {self.get_kind_display()}"


class ServiceUserOpinion(models.Model):
    """A service user's opinion of the service, asked while a milestone report awaits acceptance.

    Residents of the project's community reach the form from a link or QR code and answer once
    per report while logged in, so answers cannot be stuffed (条例45: acceptance invites the
    service users' opinions).
    """

    report = models.ForeignKey(MilestoneReport, verbose_name=_("阶段报告"), on_delete=models.CASCADE,
                               related_name="opinions")
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("居民"),
                                 on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("满意度（0–100）"))
    comment = models.TextField(_("意见建议"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"))

    class Meta:
        verbose_name = _("服务对象意见")
        verbose_name_plural = _("服务对象意见")
        ordering = ["report", "-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "resident"], name="opinion_once_per_report"),
            models.CheckConstraint(condition=Q(score__lte=100), name="opinion_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.resident_id}: {self.score}"
