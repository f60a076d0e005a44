"""API tokens for tests (and the schemathesis run): ``token_headers(user)`` gives a valid
``Authorization`` header acting as the user, issued through the real service."""

from accounts.models import User
from accounts.selectors import user_memberships
from api.services import token_issue
from tests.factories import UserFactory


def token_issuer() -> User:
    """Return a superuser who issues the test tokens (created once per database)."""
    issuer = User.objects.filter(username="api_token_issuer").first()
    return issuer or UserFactory(username="api_token_issuer", superuser=True)


def issue_test_token(user, organization=None, *, days=30, name="测试系统"):
    """Return (token, key) for user; organization defaults to the user's first one."""
    if organization is None:
        organization = next((m.organization for m in user_memberships(user)
                             if m.organization_id), None)
    return token_issue(actor=token_issuer(), user=user, organization=organization, name=name,
                       days=days)


def token_headers(user, organization=None, **kw) -> dict:
    """Return test-client headers authenticating as user with a fresh token:
    ``client.get(url, headers=token_headers(user))``."""
    _, key = issue_test_token(user, organization, **kw)
    return {"Authorization": f"Bearer {key}"}
