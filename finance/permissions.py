"""Permission predicates for budget review and payments."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from accounts.selectors import user_has_role, user_memberships
from core.authz import has_grant
from core.permissions import Decision, allow, deny


def division_lineage_ids(division) -> list[int]:
    """Return the ids of division and its ancestors (at most four levels, one query)."""
    from accounts.models import Division

    if division is None:
        return []
    node = Division.objects.select_related("parent__parent__parent").get(pk=division.pk)
    ids = []
    while node is not None:
        ids.append(node.pk)
        node = node.parent
    return ids


def finance_orgs_for_project(user, project) -> list:
    """Return the user's finance bureaus whose division covers the project's purchaser."""
    lineage = set(division_lineage_ids(project.purchaser.division))
    return [
        m.organization for m in user_memberships(user)
        if m.role == Role.FINANCE and m.organization_id and m.organization.division_id in lineage
    ]


def can_confirm_budget(user, project, envelope) -> Decision:
    """Return whether user may commit envelope money to project."""
    if not user_has_role(user, Role.FINANCE, envelope.finance_bureau):
        return deny(_("只有该预算额度所属财政部门的审核人员可以确认预算。"))
    if envelope.division_id not in division_lineage_ids(project.purchaser.division):
        return deny(_("该预算额度不覆盖购买主体所在区划。"))
    return allow()


def can_reject_budget(user, project) -> Decision:
    """Return whether user may return project at budget review."""
    if not finance_orgs_for_project(user, project):
        return deny(_("只有购买主体所在区划的财政审核人员可以退回预算。"))
    return allow()


def _tranche_bureau(tranche):
    commitment = getattr(tranche.contract.project, "budget_commitment", None)
    return commitment.envelope.finance_bureau if commitment is not None else None


def can_approve_tranche(user, tranche) -> Decision:
    """Return whether user may approve a payment tranche (finance of the funding envelope)."""
    bureau = _tranche_bureau(tranche)
    if bureau is None or not user_has_role(user, Role.FINANCE, bureau):
        return deny(_("只有出资财政部门的审核人员可以审核拨付。"))
    return allow()


def can_pay_tranche(user, tranche) -> Decision:
    """Return whether user may record the payment of a tranche."""
    return can_approve_tranche(user, tranche)


def can_view_tranche(user, tranche) -> Decision:
    """Return whether user may see a tranche (finance, purchaser or supplier of the contract)."""
    contract = tranche.contract
    if (
        can_approve_tranche(user, tranche)
        or user_has_role(user, Role.PURCHASER, contract.purchaser)
        or user_has_role(user, Role.SOCIAL_ORG, contract.supplier)
        or has_grant(user, "procurement.supervise_serviceproject", contract.project)
    ):
        return allow()
    return deny(_("无权查看该付款节点。"))
