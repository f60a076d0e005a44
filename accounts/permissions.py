"""Relationship rules for accounts: platform administration, organizations and memberships."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from accounts.selectors import is_platform_admin, user_has_role
from core.authz import rule
from core.permissions import Decision, allow, deny

# The one name asked by lower layers (core's admin pages) for "is this a platform admin?":
# core may not import accounts, so it asks ``user.has_perm(PLATFORM_ADMIN)`` instead.
PLATFORM_ADMIN = "accounts.administer_user"

# The role that administers an organization's own record, by organization kind.
ORGANIZATION_MANAGER_ROLE = {
    "purchaser": Role.PURCHASER,
    "community": Role.COMMUNITY,
    "social_org": Role.SOCIAL_ORG,
    "finance": Role.FINANCE,
    "evaluator": Role.EVALUATOR,
    "supervisor": Role.SUPERVISOR,
}


@rule(PLATFORM_ADMIN, model_level=True)
def can_administer_platform(user, obj=None) -> Decision:
    """Return whether user administers the platform (superuser or an active admin membership)."""
    if is_platform_admin(user):
        return allow()
    return deny(_("只有平台管理员可以管理平台。"))


@rule("accounts.save_organization")
def can_save_organization(user, organization) -> Decision:
    """Return whether user may create organization or change it (admins, or its own managers)."""
    if is_platform_admin(user):
        return allow()
    if organization.pk is None:
        return deny(_("只有平台管理员可以新建机构。"))
    from accounts.models import Organization

    stored_kind = Organization.objects.filter(pk=organization.pk).values_list("kind", flat=True)
    stored_kind = stored_kind.first()
    role = ORGANIZATION_MANAGER_ROLE.get(stored_kind)
    if role and stored_kind == organization.kind and user_has_role(user, role, organization):
        return allow()
    return deny(_("您无权修改该机构信息。"))


@rule("accounts.grant_membership")
def can_grant_membership(user, membership) -> Decision:
    """Return whether user may grant the membership's role in its organization.

    Platform admins grant any role; a social organization's staff grant its social workers.
    Asked about the unsaved ``Membership(organization=..., role=...)`` to be granted.
    """
    if is_platform_admin(user):
        return allow()
    organization = membership.organization if membership.organization_id else None
    if (
        membership.role == Role.SOCIAL_WORKER
        and organization is not None
        and user_has_role(user, Role.SOCIAL_ORG, organization)
    ):
        return allow()
    return deny(_("您无权为该机构分配此角色。"))


@rule("accounts.request_organizationidentitychange")
def can_request_identity_change(user, organization) -> Decision:
    """Return whether user may ask to change the organization's identity (its managers, admins)."""
    if is_platform_admin(user):
        return allow()
    role = ORGANIZATION_MANAGER_ROLE.get(organization.kind)
    if role and user_has_role(user, role, organization):
        return allow()
    return deny(_("只有本机构的管理人员可以申请变更机构身份信息。"))


@rule("accounts.review_organizationidentitychange")
def can_review_identity_change(user, change) -> Decision:
    """Return whether user may approve or reject the request (a platform admin, not the requester).

    The one who asks never decides (不相容岗位相互分离), admins included.
    """
    if not is_platform_admin(user):
        return deny(_("只有平台管理员可以审核机构身份信息变更。"))
    if change.requested_by_id == user.pk:
        return deny(_("申请人不能审核自己提交的变更申请。"))
    return allow()


def _keeps_expert_pool(user) -> bool:
    return is_platform_admin(user) or user_has_role(user, Role.PURCHASER)


@rule("accounts.manage_expertprofile", model_level=True)
def can_manage_expert_pool(user, profile=None) -> Decision:
    """Return whether user keeps the expert pool: lists, searches and edits experts' profiles
    (platform admins and the procurement bureau's purchaser staff)."""
    if _keeps_expert_pool(user):
        return allow()
    return deny(_("只有平台管理员和采购人可以维护专家库。"))


@rule("accounts.maintain_expertprofile")
def can_maintain_expert_profile(user, profile) -> Decision:
    """Return whether user may declare the expert's unavailable periods and conflicts of
    interest: the expert alone.

    Both steer the committee draw (87号令 47-48): a purchaser marking an expert unavailable or
    withdrawing the expert's declared conflict with itself or a bidder would choose its own
    committee, and recusal is the expert's own statement (条例39). The keepers of the pool read
    the declarations and take an expert out of the pool (``expert_profile_update``); they do not
    declare for the expert.
    """
    if profile.user_id == user.pk and user_has_role(user, Role.EXPERT):
        return allow()
    return deny(_("只有专家本人可以申报不可参评期间和利害关系。"))


@rule("accounts.view_expertprofile")
def can_view_expert_profile(user, profile) -> Decision:
    """Return whether user may read the expert's periods and declared conflicts (the expert,
    and the keepers of the pool)."""
    if profile.user_id == user.pk and user_has_role(user, Role.EXPERT):
        return allow()
    if _keeps_expert_pool(user):
        return allow()
    return deny(_("您无权查看该专家的信息。"))
# The registry's records, each written by its own service (accounts.services.registry).
REGISTRY_RECORD = {
    "rating": "accounts.record_organizationrating",
    "inspection": "accounts.record_annualinspection",
    "qualification": "accounts.record_qualification",
    "listing": "accounts.record_creditlisting",
}


@rule(*REGISTRY_RECORD.values(), model_level=True)
def can_maintain_registry(user, obj=None) -> Decision:
    """Return whether user records ratings, inspections, qualifications and 失信 listings.

    The registry states facts found by the registration authority (民政局) and by the credit
    search of 财库〔2016〕125号; the platform admins record them, never the organization itself
    nor a purchaser that will weigh its bids.
    """
    if is_platform_admin(user):
        return allow()
    return deny(_("只有平台管理员可以维护供应商库。"))


@rule("accounts.readregistry_organization")
def can_view_registry(user, organization) -> Decision:
    """Return whether user may read the organization's registry record (admins, its own staff)."""
    if is_platform_admin(user):
        return allow()
    role = ORGANIZATION_MANAGER_ROLE.get(organization.kind)
    if role and user_has_role(user, role, organization):
        return allow()
    return deny(_("无权查看该机构的供应商库信息。"))
