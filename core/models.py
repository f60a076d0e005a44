"""Cross-cutting models: audit log, notifications, calendar, stored files, generated documents."""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit row."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The audit log is append-only.")

    def delete(self):
        raise AppendOnlyError("The audit log is append-only.")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("The audit log is append-only.")


class AuditEntry(models.Model):
    """One recorded action. Rows are chained by the hash of the previous row."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    actor_repr = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=100, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=100, blank=True, db_index=True)
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True, db_index=True)
    target_repr = models.CharField(_("对象"), max_length=300, blank=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)
    client_address = models.GenericIPAddressField(_("客户端地址"), null=True, blank=True)
    prev_hash = models.CharField(_("前一条哈希"), max_length=64)
    hash = models.CharField(_("本条哈希"), max_length=64, unique=True)
    # How ``hash`` was made: "hmac" (HMAC-SHA256 with settings.AUDIT_HMAC_KEY) or "sha256"
    # (rows written before the key existed). Once a keyed row exists, every later row is keyed.
    scheme = models.CharField(_("摘要算法"), max_length=10, default="sha256")
    # The chain (core.audit: one of STREAMS heads) the row was appended to; prev_hash is the
    # hash of the row before it in the same stream. Rows before streams existed are stream 1.
    stream = models.PositiveSmallIntegerField(_("链序号"), default=1)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.target_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None or kwargs.get("force_update"):
            raise AppendOnlyError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit log is append-only.")


class AuditChainHead(models.Model):
    """The head of one audit stream (pk = stream number, core.audit.STREAMS of them): locked
    while appending so that the writers of that stream chain in order."""

    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("审计链头")

    def __str__(self) -> str:
        return self.last_hash


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE,
        related_name="notifications",
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    email_sent_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    # False for a notification whose e-mail is sent another way, or not at all (task reminders:
    # workflows.reminders mails them itself, and only when settings.REMINDER_EMAIL is on).
    send_email = models.BooleanField(_("发送邮件"), default=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"]),
                   models.Index(fields=["recipient", "created_at", "id"],
                                name="notification_recipient_order")]

    def __str__(self) -> str:
        return self.title


class SessionCachePurge(models.Model):
    """A session's cached copy still to be removed from the shared cache (core.sessions): the
    session ended, or changed, while Redis was unreachable, so Redis may still hold the old copy
    and would serve it once it is back. ``core.tasks.session_cache_purge`` removes it."""

    cache_key = models.CharField(_("缓存键"), max_length=255, unique=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("待清除的会话缓存")
        verbose_name_plural = _("待清除的会话缓存")

    def __str__(self) -> str:
        return "…" + self.cache_key[-4:]


class Holiday(models.Model):
    """A day that differs from the Monday-to-Friday rule: a day off or a swapped working day."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("放假")
        WORKDAY = "workday", _("调休上班")

    date = models.DateField(_("日期"), unique=True)
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.HOLIDAY)
    provisional = models.BooleanField(
        _("待核实"), default=False,
        help_text=_("按法定规则推算、尚未与国务院办公厅通知核对的日期。"),
    )

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}（{self.get_kind_display()}）"


def stored_file_path(instance, filename: str) -> str:
    """Return a random storage path that keeps only the validated extension."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    today = timezone.localdate()
    return f"uploads/{today:%Y/%m}/{uuid.uuid4().hex}.{ext}"


def document_file_path(instance, filename: str) -> str:
    """Return a random storage path for a generated document."""
    return f"documents/{instance.kind}/{uuid.uuid4().hex}.pdf"


class StoredFile(models.Model):
    """An uploaded file, attached to the object that owns it and served only through a view."""

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("所属对象类型"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("所属对象编号"))
    owner = GenericForeignKey("content_type", "object_id")
    original_name = models.CharField(_("原文件名"), max_length=255)
    file = models.FileField(_("文件"), upload_to=stored_file_path, max_length=255)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    mime_type = models.CharField(_("内容类型"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("文件")
        verbose_name_plural = _("文件")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:file-download", args=[self.pk])


class Document(models.Model):
    """A generated PDF of one kind for one owning object, regenerated only when inputs change."""

    kind = models.CharField(_("文书类型"), max_length=50)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("所属对象类型"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("所属对象编号"))
    owner = GenericForeignKey("content_type", "object_id")
    template_name = models.CharField(_("模板"), max_length=200)
    context = models.JSONField(_("输入数据"), default=dict, blank=True)
    inputs_hash = models.CharField(_("输入哈希"), max_length=64)
    file_inputs_hash = models.CharField(
        _("文件对应的输入哈希"), max_length=64, blank=True,
        help_text=_("生成当前文件时的输入哈希；与输入哈希不同表示文件待重新生成。"),
    )
    file = models.FileField(_("文件"), upload_to=document_file_path, max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    generated_at = models.DateTimeField(_("生成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("生成文书")
        verbose_name_plural = _("生成文书")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind"], name="document_unique_owner_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id}"

    @property
    def is_current(self) -> bool:
        """Return whether the stored file was rendered from the current inputs."""
        return bool(self.file) and self.file_inputs_hash == self.inputs_hash
