"""Permission predicates for needs, projects, tenders, bids, awards and contracts.

Each predicate answers ``Decision(allowed, reason)``; services raise ``PermissionDenied`` on a
denial and views answer 404. Platform admins and superusers get no exception anywhere here: they
manage accounts, they do not act in the chain and never read a sealed bid.
"""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from accounts.selectors import user_has_role, user_memberships
from core.authz import rule
from core.permissions import Decision, allow, deny
from procurement.permissions.grants import (
    acts_for_purchaser,
    purchaser_action,
    reads_contract_by_grant,
    supervises_project,
)


def _active(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def member_of(user, organization) -> bool:
    """Return whether the user holds any active membership in the organization."""
    if not _active(user) or organization is None:
        return False
    org_id = getattr(organization, "pk", organization)
    return any(m.organization_id == org_id for m in user_memberships(user))


def _staff(user, role, organization) -> bool:
    return _active(user) and organization is not None and user_has_role(user, role, organization)


# Needs -----------------------------------------------------------------------------------------

def can_submit_need(user, community) -> Decision:
    """Return whether the user may submit a need for the community (its residents or staff)."""
    if _staff(user, Role.RESIDENT, community) or _staff(user, Role.COMMUNITY, community):
        return allow()
    return deny(_("只有本社区居民或社区工作人员可以提交需求。"))


def can_support_need(user, need) -> Decision:
    """Return whether the user may support the need (any resident, not on a closed need)."""
    if not (_active(user) and user_has_role(user, Role.RESIDENT)):
        return deny(_("只有居民可以支持需求。"))
    return allow()


def _community_staff_of_need(user, need) -> Decision:
    if _staff(user, Role.COMMUNITY, need.community):
        return allow()
    return deny(_("只有该需求所在社区的工作人员可以处理需求。"))


def can_accept_need(user, need) -> Decision:
    """Return whether the user may accept the need (staff of its community)."""
    return _community_staff_of_need(user, need)


def can_merge_need(user, need) -> Decision:
    """Return whether the user may merge the need into another (staff of its community)."""
    return _community_staff_of_need(user, need)


def can_decline_need(user, need) -> Decision:
    """Return whether the user may decline the need (staff of its community)."""
    return _community_staff_of_need(user, need)


# Projects --------------------------------------------------------------------------------------

def can_create_project(user, community) -> Decision:
    """Return whether the user may design a project for the community (its staff)."""
    if _staff(user, Role.COMMUNITY, community):
        return allow()
    return deny(_("只有社区工作人员可以设计本社区的服务项目。"))


def can_submit_project(user, project) -> Decision:
    """Return whether the user may submit the project for approval (staff of its community)."""
    if _staff(user, Role.COMMUNITY, project.community):
        return allow()
    return deny(_("只有设计该项目的社区工作人员可以提交立项。"))


def _purchaser_staff(user, project, message) -> Decision:
    # The purchaser's staff, or only the project's delegate (经办人) while it has one.
    return purchaser_action(user, project, message)


def can_approve_project(user, project) -> Decision:
    """Return whether the user may approve the project (staff of its purchaser)."""
    return _purchaser_staff(user, project, _("只有该项目购买主体的工作人员可以审批立项。"))


def can_return_project(user, project) -> Decision:
    """Return whether the user may return the project to its community (staff of its purchaser)."""
    return _purchaser_staff(user, project, _("只有该项目购买主体的工作人员可以退回项目。"))


def can_close_project(user, project) -> Decision:
    """Return whether the user may close the project (staff of its purchaser)."""
    return _purchaser_staff(user, project, _("只有该项目购买主体的工作人员可以结项。"))


def can_view_project(user, project) -> Decision:
    """Return whether the user may see the project's back-office page."""
    from procurement.selectors import project_list_for_user

    if project_list_for_user(user=user).filter(pk=project.pk).exists():
        return allow()
    return deny(_("无权查看该项目。"))


# Tenders ---------------------------------------------------------------------------------------

def can_publish_tender(user, project) -> Decision:
    """Return whether the user may publish the project's tender (staff of its purchaser)."""
    return _purchaser_staff(user, project, _("只有该项目购买主体的工作人员可以发布采购公告。"))


def can_extend_tender(user, tender) -> Decision:
    """Return whether the user may extend the tender's bid deadline (staff of its purchaser)."""
    return _purchaser_staff(user, tender.project, _("只有购买主体的工作人员可以延长投标截止时间。"))


def can_cancel_tender(user, tender) -> Decision:
    """Return whether the user may cancel the tender (终止采购; staff of its purchaser)."""
    return _purchaser_staff(user, tender.project, _("只有购买主体的工作人员可以终止采购。"))


def can_open_tender(user, tender) -> Decision:
    """Return whether the user may open the tender's bids (staff of its purchaser)."""
    return _purchaser_staff(user, tender.project, _("只有购买主体的工作人员可以开标。"))


def can_confirm_award(user, tender) -> Decision:
    """Return whether the user may confirm the award of the tender (staff of its purchaser)."""
    return _purchaser_staff(user, tender.project, _("只有购买主体的工作人员可以确认中标结果。"))


# Bids ------------------------------------------------------------------------------------------

def can_submit_bid(user, tender, organization=None) -> Decision:
    """Return whether the user may submit a bid for organization (its social-org staff)."""
    if organization is None:
        orgs = [m.organization for m in user_memberships(user) if m.role == Role.SOCIAL_ORG]
        if not _active(user) or not orgs:
            return deny(_("只有社会组织工作人员可以投标。"))
        return allow()
    if organization.kind != organization.Kind.SOCIAL_ORG or not _staff(
        user, Role.SOCIAL_ORG, organization
    ):
        return deny(_("只有该社会组织的工作人员可以代表其投标。"))
    return allow()


def can_edit_bid(user, bid) -> Decision:
    """Return whether the user may change or withdraw the bid (its bidder's staff)."""
    if _staff(user, Role.SOCIAL_ORG, bid.organization):
        return allow()
    return deny(_("只有投标机构的工作人员可以修改或撤回投标文件。"))


def can_withdraw_bid(user, bid) -> Decision:
    """Return whether the user may withdraw the bid (its bidder's staff)."""
    return can_edit_bid(user, bid)


def is_committee_expert(user, tender) -> bool:
    """Return whether the user sits on the tender's evaluation committee."""
    if not _active(user):
        return False
    from evaluation.models import CommitteeMember

    return CommitteeMember.objects.filter(committee__tender_id=tender.pk, expert_id=user.pk).exists()


@rule("procurement.view_bid")
def can_view_bid(user, bid) -> Decision:
    """Return whether the user may read the bid's price, proposal and files.

    Sealed (tender not opened): only members of the bidding organization. Opened: also the
    purchaser's staff and the evaluation committee's experts. Nobody else, superusers included.
    """
    if not _active(user):
        return deny(_("请先登录。"))
    if member_of(user, bid.organization_id):
        return allow()
    tender = bid.tender
    if tender.opened_at is None:
        return deny(_("投标截止前，投标文件密封，任何人不得查看。"))
    if bid.status == bid.Status.WITHDRAWN:
        return deny(_("已撤回的投标文件不予公开。"))
    if _staff(user, Role.PURCHASER, tender.project.purchaser) or is_committee_expert(user, tender):
        return allow()
    if supervises_project(user, tender.project):
        return allow()
    return deny(_("无权查看该投标文件。"))


# Contracts -------------------------------------------------------------------------------------

def can_sign_contract(user, contract) -> Decision:
    """Return whether the user may sign the contract (甲方 purchaser or 乙方 supplier staff)."""
    if acts_for_purchaser(user, contract.project) or _staff(
        user, Role.SOCIAL_ORG, contract.supplier
    ):
        return allow()
    return deny(_("只有合同甲方或乙方的工作人员可以签订合同。"))


def can_view_contract(user, contract) -> Decision:
    """Return whether the user may see the contract's back-office page (either party)."""
    if member_of(user, contract.purchaser_id) or member_of(user, contract.supplier_id):
        return allow()
    if _active(user) and any(
        m.role == Role.FINANCE for m in user_memberships(user)
    ):
        return allow()
    if reads_contract_by_grant(user, contract):
        return allow()
    return deny(_("无权查看该合同。"))


def decision_or_raise(decision: Decision) -> None:
    """Raise core PermissionDenied with the decision's reason when it denies."""
    if not decision:
        from core.exceptions import PermissionDenied

        raise PermissionDenied(decision.reason)


__all__ = [
    "Decision",
    "can_accept_need",
    "can_approve_project",
    "can_close_project",
    "can_confirm_award",
    "can_create_project",
    "can_decline_need",
    "can_edit_bid",
    "can_extend_tender",
    "can_merge_need",
    "can_open_tender",
    "can_publish_tender",
    "can_return_project",
    "can_sign_contract",
    "can_submit_bid",
    "can_submit_need",
    "can_submit_project",
    "can_support_need",
    "can_view_bid",
    "can_view_contract",
    "can_view_project",
    "can_withdraw_bid",
    "decision_or_raise",
    "is_committee_expert",
    "member_of",
]
