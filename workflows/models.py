"""Process rows of the chain's flows, each linked to the domain object it orchestrates."""

from django.db import models
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
