"""API tokens: who issues and revokes them, expiry, revocation, organization scope, audit,
the 401 answers, and the per-token throttle."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import Membership
from api.models import ApiToken, token_digest
from core.models import AuditEntry
from tests.api_tokens import issue_test_token


def _bearer(key):
    return {"Authorization": f"Bearer {key}"}


def test_an_admin_issues_a_token_that_acts_as_the_user(client, world):
    client.force_login(world.admin)
    response = client.post(reverse("api-v1:tokens"), {
        "name": "区民政局数据中台", "username": world.purchaser.username,
        "organization": world.purchaser_org.pk, "days": 30}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    key = body["key"]
    token = ApiToken.objects.get(pk=body["id"])
    assert token.digest == token_digest(key) and key not in str(token.__dict__)
    assert body["expires_at"].startswith("2026-04-01")
    entry = AuditEntry.objects.get(action="api_token.issue")
    assert entry.actor == world.admin and key not in str(entry.after)
    client.logout()
    mine = client.get(reverse("api-v1:tokens"), headers=_bearer(key))
    assert mine.status_code == 200
    assert [row["prefix"] for row in mine.json()["results"]] == [token.prefix]
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_only_admins_and_the_organizations_head_issue_tokens(client, world):
    url = reverse("api-v1:tokens")
    payload = {"name": "系统", "username": world.purchaser.username,
               "organization": world.purchaser_org.pk}
    client.force_login(world.community)  # staff of another organization
    assert client.post(url, payload, content_type="application/json").status_code == 404
    client.force_login(world.purchaser)  # staff, not head
    assert client.post(url, payload, content_type="application/json").status_code == 404
    Membership.objects.filter(user=world.purchaser, organization=world.purchaser_org).update(
        is_head=True)
    client.force_login(world.purchaser)
    assert client.post(url, payload, content_type="application/json").status_code == 201
    # …but not for a user outside the organization.
    response = client.post(url, {**payload, "username": world.community.username},
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "organization"
    assert ApiToken.objects.count() == 1


def test_bad_issue_requests_answer_400(client, world):
    client.force_login(world.admin)
    url = reverse("api-v1:tokens")
    response = client.post(url, {"name": "系统", "username": world.purchaser.username,
                                 "organization": world.community_org.pk},
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "该用户不是所选机构的在职人员。", "code": "organization"}
    response = client.post(url, {"name": "系统", "username": world.purchaser.username,
                                 "organization": world.purchaser_org.pk, "days": 1000},
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "days"
    assert client.post(url, {"name": ""}, content_type="application/json").status_code == 400
    assert client.post(url, "[", content_type="application/json").status_code == 400
    assert not ApiToken.objects.exists()


def test_expired_revoked_and_orphaned_tokens_answer_401(client, world, clock):
    token, key = issue_test_token(world.purchaser, days=1)
    url = reverse("api-v1:tokens")
    assert client.get(url, headers=_bearer(key)).status_code == 200
    clock.move_to(token.expires_at + dt.timedelta(seconds=1))
    response = client.get(url, headers=_bearer(key))
    assert response.status_code == 401
    assert response.json() == {"detail": "令牌已过期，请联系签发人重新签发。",
                               "code": "authentication_failed"}
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'

    token, key = issue_test_token(world.purchaser)
    revoked = client.post(reverse("api-v1:token-revoke", args=[token.pk]), headers=_bearer(key))
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert AuditEntry.objects.filter(action="api_token.revoke", actor=world.purchaser).exists()
    assert client.get(url, headers=_bearer(key)).json()["detail"] == "令牌已吊销。"

    token, key = issue_test_token(world.purchaser)
    Membership.objects.filter(user=world.purchaser).update(is_active=False)
    assert client.get(url, headers=_bearer(key)).json()["detail"] == "令牌所代表的用户已不在该机构任职。"


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer nope",
                                    "Bearer \xe4\xb8\xad\xe6\x96\x87", "Token x"])
def test_malformed_or_unknown_tokens_never_500(client, world, header):
    response = client.get(reverse("api-v1:needs"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] in {"authentication_failed", "not_authenticated"}


def test_anonymous_on_a_protected_endpoint_gets_401_with_a_challenge(client, world):
    response = client.get(reverse("api-v1:needs"))
    assert response.status_code == 401
    assert response.json() == {"detail": "身份认证信息未提供。", "code": "not_authenticated"}
    assert response["WWW-Authenticate"].startswith("Bearer")
    english = client.get(reverse("api-v1:needs"), HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"] == "Authentication credentials were not provided."


def test_a_token_acts_only_with_its_organizations_roles(client, world):
    """A user in two organizations: the token of one does not carry the other's role."""
    supplier_staff = world.supplier_staff[0]
    Membership.objects.create(user=supplier_staff, organization=world.suppliers[1],
                              role="social_org")
    _, key = issue_test_token(supplier_staff, world.suppliers[1])
    from tests.worlds import rows_at_stage

    rows_at_stage(world, 1, "published")  # suppliers[0] and [1] have bid
    bids = client.get(reverse("api-v1:bids"), headers=_bearer(key)).json()["results"]
    assert {row["organization"] for row in bids} == {world.suppliers[1].pk}
    client.force_login(supplier_staff)  # the session has both roles
    bids = client.get(reverse("api-v1:bids")).json()["results"]
    assert {row["organization"] for row in bids} == {world.suppliers[0].pk,
                                                      world.suppliers[1].pk}


def test_tokens_are_throttled_apart_from_their_user(client, world, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES",
                        {"user": "100/minute", "anon": "100/minute", "token": "2/minute"})
    _, first = issue_test_token(world.purchaser)
    _, second = issue_test_token(world.purchaser)
    url = reverse("api-v1:tokens")
    assert [client.get(url, headers=_bearer(first)).status_code for _ in range(2)] == [200, 200]
    response = client.get(url, headers=_bearer(first))
    assert response.status_code == 429
    assert response.json()["code"] == "throttled" and "请求过于频繁" in response.json()["detail"]
    assert int(response["Retry-After"]) >= 1
    assert client.get(url, headers=_bearer(second)).status_code == 200
    client.force_login(world.purchaser)  # the session is not counted on the tokens' rate
    assert client.get(url).status_code == 200


def test_the_user_rate_counts_every_token_of_the_user(client, world, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES",
                        {"user": "3/minute", "anon": "100/minute", "token": "100/minute"})
    keys = [issue_test_token(world.purchaser)[1] for _ in range(2)]
    url = reverse("api-v1:tokens")
    codes = [client.get(url, headers=_bearer(keys[n % 2])).status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]


def test_the_admin_page_issues_and_revokes(client, world):
    client.force_login(world.community)  # not a platform admin
    assert client.get(reverse("admin:api_apitoken_add")).status_code in {302, 403}
    client.force_login(world.admin)
    response = client.post(reverse("admin:api_apitoken_add"), {
        "name": "统计系统", "user": world.finance.pk, "organization": world.finance_org.pk,
        "days": 10}, follow=True)
    assert response.status_code == 200
    token = ApiToken.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    assert any(token.prefix in m for m in shown)
    refused = client.post(reverse("admin:api_apitoken_add"), {
        "name": "统计系统", "user": world.finance.pk, "organization": world.community_org.pk,
        "days": 10})
    assert refused.status_code == 200 and "该用户不是所选机构的在职人员" in refused.content.decode()
    client.post(reverse("admin:api_apitoken_changelist"),
                {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_messages_follow_the_token_users_language(client, world):
    world.supplier_staff[0].language = "en"
    world.supplier_staff[0].save(update_fields=["language"])
    _, key = issue_test_token(world.supplier_staff[0])
    response = client.get(reverse("api-v1:bid-receipts", args=[999999]), headers=_bearer(key))
    assert response.status_code == 404
    assert response.json() == {"detail": "Bid not found.", "code": "not_found"}
    _, key = issue_test_token(world.supplier_staff[1])  # Chinese, whatever the header says
    response = client.get(reverse("api-v1:bid-receipts", args=[999999]), headers=_bearer(key))
    assert response.json()["detail"] == "未找到该投标文件。"


def test_a_superusers_token_carries_only_its_organizations_roles(client, world):
    """A superuser who also works for a purchaser: the purchaser's token is a purchaser's,
    not the platform's (no organization admin, no model permission of Django's superuser)."""
    from accounts.models import User
    from api.authentication import ApiTokenAuthentication

    purchaser = world.purchaser
    User.objects.filter(pk=purchaser.pk).update(is_superuser=True, is_staff=True)
    purchaser.refresh_from_db()
    _, key = issue_test_token(purchaser, world.purchaser_org)
    organizations = reverse("api-v1:organizations")
    assert client.get(organizations, headers=_bearer(key)).status_code == 403
    assert client.get(reverse("api-v1:bids"), headers=_bearer(key)).status_code == 200
    client.force_login(purchaser)  # the same person signed in: the superuser
    assert client.get(organizations).status_code == 200

    user, _token = ApiTokenAuthentication().authenticate_key(key)
    assert not user.is_superuser and not user.is_staff
    assert not user.has_perm("accounts.add_organization")
    assert not user.has_perm("accounts.administer_user")
    user.real_name = "改名"
    user.save()  # a save during such a request keeps the real flags
    stored = User.objects.get(pk=purchaser.pk)
    assert stored.is_superuser and stored.is_staff and stored.real_name == "改名"
    assert not user.is_superuser and not user.is_staff
    user.refresh_from_db()  # read again during the request: still narrowed
    assert not user.is_superuser and not user.is_staff and user.real_name == "改名"
    user.refresh_from_db(fields=["real_name"])  # a field alone: the flags kept as they are
    user.save()
    stored = User.objects.get(pk=purchaser.pk)
    assert stored.is_superuser and stored.is_staff
    assert not user.is_superuser and not user.is_staff
