"""Permission predicates for accounts: who may change organizations and memberships."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from accounts.selectors import is_platform_admin, user_has_role
from core.permissions import Decision, allow, deny

# The role that administers an organization's own record, by organization kind.
ORGANIZATION_MANAGER_ROLE = {
    "purchaser": Role.PURCHASER,
    "community": Role.COMMUNITY,
    "social_org": Role.SOCIAL_ORG,
    "finance": Role.FINANCE,
    "evaluator": Role.EVALUATOR,
    "supervisor": Role.SUPERVISOR,
}


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


def can_grant_membership(user, organization, role: str) -> Decision:
    """Return whether user may grant role in organization (admins; social orgs their workers)."""
    if is_platform_admin(user):
        return allow()
    if (
        role == Role.SOCIAL_WORKER
        and organization is not None
        and user_has_role(user, Role.SOCIAL_ORG, organization)
    ):
        return allow()
    return deny(_("您无权为该机构分配此角色。"))
