"""Relationship rules for API tokens: who issues and revokes them."""

from django.utils.translation import gettext_lazy as _

from accounts.selectors import is_platform_admin, user_memberships
from core.authz import rule
from core.permissions import Decision, allow, deny


def is_organization_head(user, organization_id) -> bool:
    """Return whether user heads the organization (an active membership marked 机构负责人)."""
    return organization_id is not None and any(
        m.organization_id == organization_id and m.is_head for m in user_memberships(user))


@rule("api.add_apitoken")
def can_issue_token(user, token) -> Decision:
    """Platform admins issue any token; an organization's head issues its organization's."""
    if is_platform_admin(user) or is_organization_head(user, token.organization_id):
        return allow()
    return deny(_("只有平台管理员或机构负责人可以签发接口令牌。"))


@rule("api.view_apitoken")
def can_view_token(user, token) -> Decision:
    """The issuers may list a token, and so may the user it acts as."""
    if token.user_id == user.pk or can_issue_token(user, token):
        return allow()
    return deny(_("您无权查看该接口令牌。"))


@rule("api.revoke_apitoken")
def can_revoke_token(user, token) -> Decision:
    """Whoever may see a token may revoke it (its user too: a leaked key is stopped at once)."""
    return can_view_token(user, token)
