"""Who may act on a workflow task, and which organization each step of the chain belongs to.

A human task is either assigned to one user (an expert's seat, the third-party evaluator) or
left open to "every user holding <role> in <organization>"; the second kind stores the role as
``Task.owner_permission`` (``workflows.role_<role>``) and the organization as
``Task.owner_permission_obj``. viewflow does not enforce any of this when called from code, so
task views check ``can_act_on_task`` and the services check their own permissions again.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.status import STATUS

from accounts.models import Organization
from accounts.roles import Role
from accounts.selectors import user_memberships
from core.permissions import Decision, allow, deny
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


def open_tasks_q(user) -> Q:
    """Return a filter on Task for the human tasks the user may do now (owned or open to them)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    condition = Q(owner_id=user.pk, status=STATUS.ASSIGNED)
    pairs = _role_org_pairs(user)
    if pairs:
        role_q = Q()
        for role, org_id in pairs:
            role_q |= Q(owner_permission=role_permission(role), owner_permission_obj_pk=str(org_id))
        condition |= (
            Q(owner__isnull=True, status=STATUS.NEW)
            & Q(owner_permission_content_type__app_label="accounts",
                owner_permission_content_type__model="organization")
            & role_q
            # A project delegated to another officer (经办人): its purchaser tasks are theirs.
            & ~Q(owner_permission=role_permission(Role.PURCHASER),
                 process__in=ServiceProjectProcess.objects.filter(
                     project_id__in=delegated_elsewhere_project_ids(user)).values("pk"))
        )
    return Q(flow_task_type="HUMAN") & condition


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
    from django.contrib.contenttypes.models import ContentType

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
    """Return the finance bureau that reviews the project's budget and pays its tranches.

    Once the budget is confirmed it is the bureau of the committed envelope; before that, the
    bureau of the envelope of the project's year and funding source whose division is closest to
    the purchaser's division (its own, or an ancestor).
    """
    from finance.models import BudgetCommitment, BudgetEnvelope

    commitment = (
        BudgetCommitment.objects.filter(project_id=project.pk)
        .select_related("envelope__finance_bureau").first()
    )
    if commitment is not None:
        return commitment.envelope.finance_bureau
    division = project.purchaser.division
    chain = []
    while division is not None and len(chain) < 5:
        chain.append(division.pk)
        division = division.parent
    envelopes = {
        e.division_id: e
        for e in BudgetEnvelope.objects.filter(
            fiscal_year=project.fiscal_year, funding_source=project.funding_source,
            division_id__in=chain,
        ).select_related("finance_bureau")
    }
    for division_id in chain:
        if division_id in envelopes:
            return envelopes[division_id].finance_bureau
    return (
        Organization.objects.filter(kind=Organization.Kind.FINANCE, division_id__in=chain,
                                    is_active=True)
        .order_by("pk").first()
    )
