"""Process rows of the chain's flows, each linked to the domain object it orchestrates."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from accounts.roles import Role

# Tasks restricted to "users holding <role> in <organization>" carry this permission name in
# Task.owner_permission and the organization in Task.owner_permission_obj (see workflows.nodes).
# 纪检/审计 supervisors only read the projects granted to them: no task is ever theirs.
ROLE_TASK_PERMISSIONS = [(f"role_{role.value}", f"可办理角色 {role.value} 的待办") for role in Role
                         if role != Role.SUPERVISOR]


class ServiceProjectProcess(Process):
    """The life of one service project from its submitted design to its closure."""

    project = models.ForeignKey(
        "procurement.ServiceProject", verbose_name=_("服务项目"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="processes",
    )

    class Meta:
        verbose_name = _("服务项目流程")
        verbose_name_plural = _("服务项目流程")
        permissions = ROLE_TASK_PERMISSIONS

    def __str__(self) -> str:
        return f"{self.project} 流程" if self.project_id else f"服务项目流程 #{self.pk}"


class NeedProcess(Process):
    """The triage of one resident need."""

    need = models.ForeignKey(
        "procurement.Need", verbose_name=_("居民需求"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="processes",
    )

    class Meta:
        verbose_name = _("需求处理流程")
        verbose_name_plural = _("需求处理流程")

    def __str__(self) -> str:
        return f"{self.need} 流程" if self.need_id else f"需求处理流程 #{self.pk}"


class Reminder(models.Model):
    """One reminder sent to one user: its key makes a second run (or a restarted beat) a no-op.

    A task's reminders are keyed by (task, user, kind, due date), so a task given a new due date
    (a remedy restarts its clock) is reminded again; a weekly digest (no task) by (user, kind,
    the Monday of its week). ``email_wanted`` is set when the reminder is to be mailed;
    ``email_sent_at`` once it was (see workflows.tasks.send_reminder_emails).
    """

    class Kind(models.TextChoices):
        BEFORE = "before", _("到期前提醒")
        DUE = "due", _("到期当日提醒")
        OVERDUE = "overdue", _("逾期提醒")
        ESCALATION = "escalation", _("逾期上报负责人")
        DIGEST = "digest", _("每周待办汇总")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE,
        related_name="task_reminders",
    )
    task = models.ForeignKey(
        "viewflow.Task", verbose_name=_("待办"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    due_date = models.DateField(_("到期日"), help_text=_("周汇总为该周的星期一。"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    email_wanted = models.BooleanField(_("需发邮件"), default=False)
    email_sent_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待办提醒")
        verbose_name_plural = _("待办提醒")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "user", "kind", "due_date"], condition=Q(task__isnull=False),
                name="workflows_reminder_once_per_task",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "due_date"], condition=Q(task__isnull=True),
                name="workflows_reminder_once_per_digest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"
