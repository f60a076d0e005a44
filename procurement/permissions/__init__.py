"""Relationship rules for needs, projects, tenders, bids, awards and contracts.

Each rule answers ``Decision(allowed, reason)`` for a permission name ``procurement.<action>_<model>``
and is asked through ``core.authz`` (``user.has_perm(name, obj)``, ``authz.require``). A question
about an object that does not exist yet is asked about the unsaved instance the action would
create: ``Need(community=...)`` for submitting a need, ``Bid(tender=..., organization=...)`` for
bidding. Relationships that lists filter by are written once, as ``@scope`` Q builders; other
apps add their own relationships to these names (finance: the funding bureau; evaluation: the
committee and the third-party expert). Grants (``procurement.permissions.grants``) add the
delegate's monopoly on the purchaser's actions and the grantees' reads, each read as a scope on
``core.authz.granted_q``. Platform admins and superusers get no exception anywhere
here: they manage accounts, they do not act in the chain and never read a sealed bid.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from accounts.selectors import user_has_role, user_memberships
from core.authz import rule, scope
from core.permissions import Decision, allow, deny
from procurement.permissions.grants import (
    acts_for_purchaser,
    evaluated_contract_q,
    purchaser_action,
    supervised_project_q,
)


def _active(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def member_of(user, organization) -> bool:
    """Return whether the user holds any active membership in the organization."""
    if not _active(user) or organization is None:
        return False
    org_id = getattr(organization, "pk", organization)
    return any(m.organization_id == org_id for m in user_memberships(user))


def org_ids(user, *roles) -> set[int]:
    """Return the ids of the user's organizations (holding one of roles, when given)."""
    if not _active(user):
        return set()
    return {
        m.organization_id for m in user_memberships(user)
        if m.organization_id is not None and (not roles or m.role in roles)
    }


def _staff(user, role, organization) -> bool:
    return _active(user) and organization is not None and user_has_role(user, role, organization)


# Needs -----------------------------------------------------------------------------------------

@rule("procurement.propose_need", model_level=True)
def can_propose_need(user, obj=None) -> Decision:
    """Return whether the user may submit needs at all (a resident or staff of a community)."""
    if org_ids(user, Role.RESIDENT, Role.COMMUNITY):
        return allow()
    return deny(_("只有社区居民或社区工作人员可以提交需求。"))


@rule("procurement.submit_need")
def can_submit_need(user, need) -> Decision:
    """Return whether the user may submit a need for its community (residents or staff there)."""
    community = need.community
    if _staff(user, Role.RESIDENT, community) or _staff(user, Role.COMMUNITY, community):
        return allow()
    return deny(_("只有本社区居民或社区工作人员可以提交需求。"))


@rule("procurement.support_need")
def can_support_need(user, need) -> Decision:
    """Return whether the user may support the need: a resident of the need's community.

    Residents raise, support and watch the services of the community they live in (the seed's
    居民参与社区服务项目提出、运行、监督全过程); a resident elsewhere neither sees the need nor
    weighs on it (need_scope shows a resident the needs of its own communities only).
    """
    if not (_active(user) and user_has_role(user, Role.RESIDENT)):
        return deny(_("只有居民可以支持需求。"))
    if not _staff(user, Role.RESIDENT, need.community):
        return deny(_("只能支持本人所在社区的居民需求。"))
    return allow()


@rule("procurement.accept_need", "procurement.merge_need", "procurement.decline_need")
def can_decide_need(user, need) -> Decision:
    """Return whether the user may accept, merge or decline the need (staff of its community)."""
    if _staff(user, Role.COMMUNITY, need.community):
        return allow()
    return deny(_("只有该需求所在社区的工作人员可以处理需求。"))


@scope("procurement.view_need", reason=_("无权查看该需求。"))
def need_scope(user) -> Q:
    """Select the needs of the user's communities, the user's own, and those of its projects."""
    condition = Q(community_id__in=org_ids(user, Role.RESIDENT, Role.COMMUNITY))
    condition |= Q(submitted_by_id=user.pk)
    purchasers = org_ids(user, Role.PURCHASER)
    if purchasers:
        # The purchaser approving a project sees the needs it answers (and their photos).
        condition |= Q(projects__purchaser_id__in=purchasers)
    return condition


# Projects --------------------------------------------------------------------------------------

@rule("procurement.design_serviceproject", model_level=True)
def can_design_project(user, obj=None) -> Decision:
    """Return whether the user may design projects at all (staff of a community)."""
    if org_ids(user, Role.COMMUNITY):
        return allow()
    return deny(_("只有社区工作人员可以设计服务项目。"))


@rule("procurement.create_serviceproject")
def can_create_project(user, project) -> Decision:
    """Return whether the user may design a project for its community (that community's staff)."""
    if _staff(user, Role.COMMUNITY, project.community):
        return allow()
    return deny(_("只有社区工作人员可以设计本社区的服务项目。"))


@rule("procurement.submit_serviceproject")
def can_submit_project(user, project) -> Decision:
    """Return whether the user may submit the project for approval (staff of its community)."""
    if _staff(user, Role.COMMUNITY, project.community):
        return allow()
    return deny(_("只有设计该项目的社区工作人员可以提交立项。"))


def _purchaser_staff(user, project, message) -> Decision:
    # The purchaser's staff, or only the project's delegate (经办人) while it has one.
    return purchaser_action(user, project, message)


@rule("procurement.approve_serviceproject")
def can_approve_project(user, project) -> Decision:
    """Return whether the user may approve the project (staff of its purchaser)."""
    return _purchaser_staff(user, project, _("只有该项目购买主体的工作人员可以审批立项。"))


@rule("procurement.return_serviceproject")
def can_return_project(user, project) -> Decision:
    """Return whether the user may return the project to its community (staff of its purchaser)."""
    return _purchaser_staff(user, project, _("只有该项目购买主体的工作人员可以退回项目。"))


@rule("procurement.close_serviceproject")
def can_close_project(user, project) -> Decision:
    """Return whether the user may close the project (staff of its purchaser)."""
    return _purchaser_staff(user, project, _("只有该项目购买主体的工作人员可以结项。"))


@scope("procurement.view_serviceproject", reason=_("无权查看该项目。"))
def project_scope(user) -> Q:
    """Select the projects of the user's community, purchaser or (as supplier) contract.

    The supplier's part is a subquery, not a join, so that the list of a community or a
    purchaser reads the project table alone (core.authz.scoped filters it directly)."""
    from procurement.models import Contract

    condition = (Q(community_id__in=org_ids(user, Role.COMMUNITY))
                 | Q(purchaser_id__in=org_ids(user, Role.PURCHASER)))
    suppliers = org_ids(user, Role.SOCIAL_ORG, Role.SOCIAL_WORKER)
    if suppliers:
        condition |= Q(pk__in=Contract.objects.filter(supplier_id__in=suppliers)
                       .values("project_id"))
    return condition


@scope("procurement.view_serviceproject")
def supervised_project_scope(user) -> Q:
    """Select the projects whose supervision was granted to the user's 纪检/审计 body (read-only)."""
    return supervised_project_q(user)


# Tenders ---------------------------------------------------------------------------------------

@rule("procurement.publish_tender")
def can_publish_tender(user, tender) -> Decision:
    """Return whether the user may publish a tender of its project (staff of its purchaser)."""
    return _purchaser_staff(user, tender.project, _("只有该项目购买主体的工作人员可以发布采购公告。"))


@rule("procurement.extend_tender")
def can_extend_tender(user, tender) -> Decision:
    """Return whether the user may extend the tender's bid deadline (staff of its purchaser)."""
    return _purchaser_staff(user, tender.project, _("只有购买主体的工作人员可以延长投标截止时间。"))


@rule("procurement.cancel_tender")
def can_cancel_tender(user, tender) -> Decision:
    """Return whether the user may cancel the tender (终止采购; staff of its purchaser)."""
    return _purchaser_staff(user, tender.project, _("只有购买主体的工作人员可以终止采购。"))


@rule("procurement.open_tender")
def can_open_tender(user, tender) -> Decision:
    """Return whether the user may open the tender's bids (staff of its purchaser)."""
    return _purchaser_staff(user, tender.project, _("只有购买主体的工作人员可以开标。"))


@rule("procurement.award_tender")
def can_award_tender(user, tender) -> Decision:
    """Return whether the user may confirm the award of the tender (staff of its purchaser)."""
    return _purchaser_staff(user, tender.project, _("只有购买主体的工作人员可以确认中标结果。"))


@scope("procurement.view_tender", reason=_("无权查看该采购公告。"))
def tender_scope(user) -> Q:
    """Select the published tenders (public) plus the drafts of the user's purchaser."""
    from procurement.models import Tender

    return ~Q(status=Tender.Status.DRAFT) | Q(project__purchaser_id__in=org_ids(user, Role.PURCHASER))


@scope("procurement.view_tender")
def supervised_tender_scope(user) -> Q:
    """Select every tender (drafts too) of the projects the user supervises."""
    return supervised_project_q(user, "project")


@rule("procurement.view_tender", first=True)
def published_tender_is_public(user, tender) -> Decision:
    """Allow a published tender (tender_scope's first part) from the row itself, before the
    scope's query: the bid page asks it on every bid of a deadline rush."""
    from procurement.models import Tender

    if tender is not None and tender.status and tender.status != Tender.Status.DRAFT:
        return allow()
    return deny(_("无权查看该采购公告。"))


# Bids ------------------------------------------------------------------------------------------

@rule("procurement.submit_bid")
def can_submit_bid(user, bid) -> Decision:
    """Return whether the user may submit the bid for its organization (that social org's staff).

    Asked about ``Bid(tender=..., organization=...)``; without an organization it answers whether
    the user may bid for any organization at all (the tender page's button).
    """
    organization = bid.organization if bid.organization_id else None
    if organization is None:
        if not org_ids(user, Role.SOCIAL_ORG):
            return deny(_("只有社会组织工作人员可以投标。"))
        return allow()
    if organization.kind != organization.Kind.SOCIAL_ORG or not _staff(
        user, Role.SOCIAL_ORG, organization
    ):
        return deny(_("只有该社会组织的工作人员可以代表其投标。"))
    return allow()


@rule("procurement.edit_bid", "procurement.withdraw_bid")
def can_edit_bid(user, bid) -> Decision:
    """Return whether the user may change, add files to or withdraw the bid (its bidder's staff)."""
    if _staff(user, Role.SOCIAL_ORG, bid.organization):
        return allow()
    return deny(_("只有投标机构的工作人员可以修改或撤回投标文件。"))


@scope("procurement.view_bid", reason=_("无权查看该投标文件。"))
def bid_scope(user) -> Q:
    """Select the bids the user may read: its organizations' own; after opening, the purchaser's.

    Sealed (tender not opened): only members of the bidding organization. Opened: also the
    purchaser's staff, every bid that was not withdrawn (evaluation adds the committee).
    """
    from procurement.models import Bid

    condition = Q(organization_id__in=org_ids(user))
    purchasers = org_ids(user, Role.PURCHASER)
    if purchasers:
        condition |= (Q(tender__opened_at__isnull=False, tender__project__purchaser_id__in=purchasers)
                      & ~Q(status=Bid.Status.WITHDRAWN))
    return condition


@scope("procurement.view_bid")
def supervised_bid_scope(user) -> Q:
    """Select the opened, not withdrawn bids of the projects the user supervises (as purchaser)."""
    from procurement.models import Bid

    return (Q(tender__opened_at__isnull=False) & ~Q(status=Bid.Status.WITHDRAWN)
            & supervised_project_q(user, "tender__project"))


@scope("procurement.view_bidreceipt", reason=_("无权查看该投标回执。"))
def bid_receipt_scope(user) -> Q:
    """Select the receipts of the bids of the user's organizations (its social-org staff)."""
    return Q(bid__organization_id__in=org_ids(user, Role.SOCIAL_ORG))


@scope("procurement.view_bidflag", reason=_("无权查看开标提示。"))
def bid_flag_scope(user) -> Q:
    """Select the opening flags the purchaser's staff read (evaluation adds the committee).

    Never the bidders: a flag names another bid's organization and is for the committee.
    """
    return Q(tender__opened_at__isnull=False,
             tender__project__purchaser_id__in=org_ids(user, Role.PURCHASER))


@scope("procurement.view_bidflag")
def supervised_bid_flag_scope(user) -> Q:
    """Select the opening flags of the projects the user supervises (as purchaser)."""
    return Q(tender__opened_at__isnull=False) & supervised_project_q(user, "tender__project")


# Contracts -------------------------------------------------------------------------------------

@rule("procurement.sign_contract")
def can_sign_contract(user, contract) -> Decision:
    """Return whether the user may sign the contract (甲方 purchaser or 乙方 supplier staff)."""
    if acts_for_purchaser(user, contract.project) or _staff(
        user, Role.SOCIAL_ORG, contract.supplier
    ):
        return allow()
    return deny(_("只有合同甲方或乙方的工作人员可以签订合同。"))


@rule("procurement.request_contractteamchange")
def can_request_team_change(user, change) -> Decision:
    """Return whether the user may ask to change the contract's service team (乙方 staff)."""
    if _staff(user, Role.SOCIAL_ORG, change.contract.supplier):
        return allow()
    return deny(_("只有合同乙方的工作人员可以申请变更服务团队。"))


@rule("procurement.decide_contractteamchange")
def can_decide_team_change(user, change) -> Decision:
    """Return whether the user may approve or refuse a team change (甲方, the purchaser's staff)."""
    if acts_for_purchaser(user, change.contract.project):
        return allow()
    return deny(_("只有合同甲方（采购人）可以审批服务团队变更。"))


@scope("procurement.view_contract", reason=_("无权查看该合同。"))
def contract_scope(user) -> Q:
    """Select the contracts of the user's two parties: purchaser staff and supplier staff.

    The page and the PDF answer to this one name; finance adds the bureau of the envelope.
    """
    return (Q(purchaser_id__in=org_ids(user, Role.PURCHASER))
            | Q(supplier_id__in=org_ids(user, Role.SOCIAL_ORG, Role.SOCIAL_WORKER)))


@scope("procurement.view_contract")
def granted_contract_scope(user) -> Q:
    """Select the contracts granted to the user's evaluator and those of its supervised projects."""
    return evaluated_contract_q(user) | supervised_project_q(user, "project")


# Registers the rules of the Q&A and challenges, of amendments (更正公告) and re-confirmation, and
# of the final-quote round and invitations (methods).
from procurement.permissions import (  # noqa: E402, F401
    amendments,
    methods,
    questions,
)
