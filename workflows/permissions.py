"""Who may act on a workflow task, and which organization each step of the chain belongs to.

A human task is either assigned to one user (an expert's seat, the third-party evaluator) or
left open to "every user holding <role> in <organization>"; the second kind stores the role as
``Task.owner_permission`` (``workflows.role_<role>``) and the organization as
``Task.owner_permission_obj``. viewflow does not enforce any of this when called from code, so
task views and the flow nodes ask ``user.has_perm("viewflow.execute_task", task)`` (the rule
``can_act_on_task``, on viewflow's Task model) and the services check their own permissions again.

Who may *see* a process (its steps, their state and the names on them) is
``user.has_perm("viewflow.view_process", process)`` (the rule ``can_view_process``); every
question of that kind in workflows goes through it.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import Organization
from accounts.roles import Role
from accounts.selectors import user_memberships
from core.authz import rule
from core.permissions import Decision, allow, deny
from finance.permissions import project_budget_reviewer
from procurement.models import ServiceProject
from procurement.permissions.grants import acts_for_purchaser
from procurement.selectors.grants import delegated_elsewhere_project_ids
from workflows.models import ServiceProjectProcess

ROLE_PERMISSION_PREFIX = "workflows.role_"


def role_permission(role: str) -> str:
    """Return the task permission name that stands for role."""
    return f"{ROLE_PERMISSION_PREFIX}{role}"


def _role_org_pairs(user) -> list[tuple[str, int]]:
    return [
        (m.role, m.organization_id)
        for m in user_memberships(user)
        if m.organization_id is not None
    ]


def _role_tasks_q(user) -> Q | None:
    """Return a filter on Task for the tasks open to a role the user holds in its organization."""
    pairs = _role_org_pairs(user)
    if not pairs:
        return None
    role_q = Q()
    for role, org_id in pairs:
        role_q |= Q(owner_permission=role_permission(role), owner_permission_obj_pk=str(org_id))
    return (
        Q(owner_permission_content_type__app_label="accounts",
          owner_permission_content_type__model="organization")
        & role_q
    )


def open_tasks_q(user) -> Q:
    """Return a filter on Task for the human tasks the user may do now (owned or open to them)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    condition = Q(owner_id=user.pk, status=STATUS.ASSIGNED)
    role_q = _role_tasks_q(user)
    if role_q is not None:
        condition |= (
            Q(owner__isnull=True, status=STATUS.NEW) & role_q
            # A project delegated to another officer (经办人): its purchaser tasks are theirs.
            & ~Q(owner_permission=role_permission(Role.PURCHASER),
                 process__in=ServiceProjectProcess.objects.filter(
                     project_id__in=delegated_elsewhere_project_ids(user)).values("pk"))
        )
    return Q(flow_task_type="HUMAN") & condition


@rule("viewflow.view_process")
def can_view_process(user, process) -> Decision:
    """Decide whether user may see process: its steps, their state and the names on them.

    A process is shown only to those it names: the user a task of it is assigned to (an
    expert's scoring seat, the third-party evaluator) and the current holders of a task's role in
    the task's organization. Everyone else is refused: another organization, a bidder (no task
    names a bidder before the award, so the committee on the scoring tasks stays hidden), a
    platform admin and a superuser, who never act in the chain. Tasks are seen with their process.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return deny(_("请先登录。"))
    if process is None or process.pk is None:
        return deny(_("没有找到该流程。"))
    named = Q(owner_id=user.pk) & (Q(owner_permission__isnull=True) | Q(owner_permission=""))
    role_q = _role_tasks_q(user)
    if role_q is not None:
        named |= role_q
    if Task.objects.filter(named, process_id=process.pk).exists():
        return allow()
    return deny(_("您无权查看该流程。"))


@rule("viewflow.execute_task")
def can_act_on_task(user, task) -> Decision:
    """Decide whether user may do task now: its owner, or a holder of its role in its organization."""
    if user is None or not user.is_authenticated or not user.is_active:
        return deny(_("请先登录。"))
    if task.flow_task_type != "HUMAN":
        return deny(_("该步骤由系统自动处理。"))
    if task.status == STATUS.ASSIGNED:
        if task.owner_id == user.pk:
            return allow()
        return deny(_("该待办已由他人办理。"))
    if task.status != STATUS.NEW or task.owner_id is not None:
        return deny(_("该待办已办结。"))
    permission = task.owner_permission or ""
    if not permission.startswith(ROLE_PERMISSION_PREFIX):
        return deny(_("该待办未指定办理人。"))
    role = permission[len(ROLE_PERMISSION_PREFIX):]
    if task.owner_permission_content_type_id is None or not task.owner_permission_obj_pk:
        return deny(_("该待办未指定办理机构。"))
    if task.owner_permission_content_type_id != ContentType.objects.get_for_model(Organization).pk:
        return deny(_("该待办未指定办理机构。"))
    if (role, int(task.owner_permission_obj_pk)) in _role_org_pairs(user):
        if role == Role.PURCHASER:
            project = _task_project(task)
            if project is not None and not acts_for_purchaser(user, project):
                return deny(_("该项目已指定经办人，由经办人办理。"))
        return allow()
    return deny(_("您无权办理该待办。"))


def _task_project(task):
    return (ServiceProject.objects.filter(processes__pk=task.process_id)
            .select_related("purchaser").first())


def project_finance_bureau(project) -> Organization | None:
    """Return the finance bureau that reviews the project's budget and pays its tranches."""
    return project_budget_reviewer(project)
