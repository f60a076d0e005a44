import pytest
from django.urls import reverse

from accounts.models import Membership, Organization
from accounts.roles import Role
from accounts.selectors import (
    is_platform_admin,
    user_has_role,
    user_organizations,
    user_roles,
)
from accounts.services.memberships import membership_grant, membership_revoke
from tests.factories import DEFAULT_PASSWORD, OrganizationFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_selectors_cache_memberships_on_user(django_assert_num_queries):
    user = user_with_role(Role.COMMUNITY)
    org = Organization.objects.get(memberships__user=user)
    other = OrganizationFactory(kind=Organization.Kind.COMMUNITY)
    membership_grant(user=user, organization=other, role=Role.RESIDENT, actor=None)
    fresh = type(user).objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        assert user_roles(fresh) == {"community", "resident"}
        assert user_has_role(fresh, Role.COMMUNITY, org)
        assert not user_has_role(fresh, Role.COMMUNITY, other)
        assert user_has_role(fresh, Role.RESIDENT)
        assert not is_platform_admin(fresh)
    with django_assert_num_queries(1):
        assert set(user_organizations(fresh)) == {org, other}
    assert list(user_organizations(fresh, role=Role.RESIDENT)) == [other]


def test_grant_and_revoke_reset_the_cache():
    user = UserFactory()
    assert user_roles(user) == set()
    m = membership_grant(user=user, organization=None, role=Role.EXPERT, actor=None)
    assert user_roles(user) == {"expert"}
    membership_revoke(membership=m, actor=None)
    assert user_roles(m.user) == set()


def test_inactive_memberships_do_not_count():
    user = user_with_role(Role.PURCHASER)
    Membership.objects.filter(user=user).update(is_active=False)
    fresh = type(user).objects.get(pk=user.pk)
    assert user_roles(fresh) == set()
    assert not user_organizations(fresh).exists()


def test_is_platform_admin():
    from django.contrib.auth.models import AnonymousUser

    assert is_platform_admin(UserFactory(superuser=True))
    assert is_platform_admin(user_with_role(Role.ADMIN))
    assert not is_platform_admin(user_with_role(Role.PURCHASER))
    assert not is_platform_admin(AnonymousUser())
    assert not is_platform_admin(None)
    inactive = user_with_role(Role.ADMIN, is_active=False)
    assert not is_platform_admin(inactive)


def test_user_roles_anonymous_is_empty():
    from django.contrib.auth.models import AnonymousUser

    assert user_roles(AnonymousUser()) == set()
    assert not user_organizations(AnonymousUser()).exists()


# --- language ----------------------------------------------------------------------------


def test_language_switch_requires_login_and_post(client):
    url = reverse("accounts:language")
    assert client.post(url, {"language": "en"}).status_code == 302
    user = UserFactory()
    client.login(username=user.username, password=DEFAULT_PASSWORD)
    assert client.get(url).status_code == 405


def test_language_switch_saves_and_redirects_safely(client):
    user = UserFactory()
    client.force_login(user)
    url = reverse("accounts:language")
    response = client.post(url, {"language": "en", "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    user.refresh_from_db()
    assert user.language == "en"
    response = client.post(url, {"language": "zh-hans", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    user.refresh_from_db()
    assert user.language == "zh-hans"
    client.post(url, {"language": "fr"})
    user.refresh_from_db()
    assert user.language == "zh-hans"


def test_switched_language_changes_form_messages(client):
    """After switching to English, the organization API answers in English."""
    admin = user_with_role(Role.ADMIN)
    client.force_login(admin)
    client.post(reverse("accounts:language"), {"language": "en"})
    body = {"name": "x", "kind": "social_org", "division": 1, "credit_code": "1234"}
    response = client.post("/api/organizations/", body, content_type="application/json")
    assert response.json()["credit_code"] == [
        "A unified social credit code has 18 characters; this one has 4."
    ]
    client.post(reverse("accounts:language"), {"language": "zh-hans"})
    response = client.post("/api/organizations/", body, content_type="application/json")
    assert response.json()["credit_code"] == ["统一社会信用代码应为18位，当前为4位。"]
