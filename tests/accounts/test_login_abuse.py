"""Refusing abuse at the door: login lockout by username+address (django-axes), and the
privileged roles' short idle sessions."""

import datetime
import time

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import PRIVILEGED_SESSION_KEY
from accounts.roles import Role
from tests.factories.accounts import DEFAULT_PASSWORD, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

LOCKOUT_TEXT = "登录失败次数过多"


def _login(client, username, password, ip="198.51.100.7"):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=ip)


def _fail(client, username, times, ip="198.51.100.7"):
    return [_login(client, username, "wrong-password", ip) for _ in range(times)]


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
    return 3


def test_the_lockout_backend_comes_first_and_grants_nothing():
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "accounts.backends.LoginAttemptBackend"
    assert "core.authz.RuleBackend" in django_settings.AUTHENTICATION_BACKENDS
    from accounts.backends import LoginAttemptBackend

    assert not hasattr(LoginAttemptBackend, "has_perm")


def test_wrong_passwords_lock_the_username_at_that_address(client, limit):
    user = UserFactory()
    answers = _fail(client, user.username, limit)
    assert [a.status_code for a in answers[:-1]] == [200] * (limit - 1)
    assert answers[-1].status_code == 429
    # The right password no longer logs in, and the page says why, in Chinese.
    response = _login(client, user.username, DEFAULT_PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKOUT_TEXT in page and "30 分钟" in page and 'role="alert"' in page
    assert 'name="password"' in page  # still the login page
    assert not _signed_in(client)


def test_a_few_wrong_passwords_then_the_right_one_log_in(client, limit):
    user = UserFactory()
    _fail(client, user.username, limit - 1)
    assert _login(client, user.username, DEFAULT_PASSWORD).status_code == 302
    assert _signed_in(client)
    # Success resets the count: the next mistakes start again from zero.
    assert not AccessAttempt.objects.filter(username=user.username).exists()


def test_the_lock_is_per_username_and_address(client, limit):
    user, other = UserFactory(), UserFactory()
    _fail(client, user.username, limit)
    # Another address may still log in as the user (an attacker cannot lock a user out
    # everywhere), and another user at the locked address too.
    assert _login(client, user.username, DEFAULT_PASSWORD, ip="203.0.113.9").status_code == 302
    client.logout()
    assert _login(client, other.username, DEFAULT_PASSWORD).status_code == 302


def test_the_lock_ends_after_the_cool_off(client, limit):
    user = UserFactory()
    _fail(client, user.username, limit)
    assert _login(client, user.username, DEFAULT_PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - django_settings.AXES_COOLOFF_TIME
        - datetime.timedelta(seconds=1))
    assert _login(client, user.username, DEFAULT_PASSWORD).status_code == 302
    assert _signed_in(client)


def test_an_attempt_during_the_lock_does_not_extend_it(client, limit):
    user = UserFactory()
    _fail(client, user.username, limit)
    before = AccessAttempt.objects.get(username=user.username).attempt_time
    _fail(client, user.username, 2)
    assert AccessAttempt.objects.get(username=user.username).attempt_time == before


def test_an_admin_unlocks_with_the_management_command(client, limit):
    user = UserFactory()
    _fail(client, user.username, limit)
    call_command("axes_reset_username", user.username)
    assert _login(client, user.username, DEFAULT_PASSWORD).status_code == 302


def test_a_platform_admin_lifts_the_lock_on_the_admin_site_audited(client, limit):
    from core.models import AuditEntry

    user = UserFactory()
    _fail(client, user.username, limit)
    attempt = AccessAttempt.objects.get(username=user.username)
    admin = user_with_role(Role.ADMIN)
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    staff = Client()
    staff.force_login(admin)
    changelist = reverse("admin:axes_accessattempt_changelist")
    page = staff.get(changelist)
    assert page.status_code == 200 and user.username in page.content.decode()
    assert "lift_lock" in page.content.decode()
    assert "delete_selected" not in page.content.decode()  # the unaudited delete is gone
    response = staff.post(changelist, {"action": "lift_lock", "_selected_action": [attempt.pk]})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    entry = AuditEntry.objects.get(action="login.unlock")
    assert entry.actor == admin and entry.before["username"] == user.username
    assert _login(client, user.username, DEFAULT_PASSWORD).status_code == 302


def test_only_a_platform_admin_may_lift_a_lock(client, limit):
    from accounts.services.logins import login_lock_lift
    from core.exceptions import PermissionDenied

    user = UserFactory()
    _fail(client, user.username, limit)
    with pytest.raises(PermissionDenied):
        login_lock_lift(attempts=AccessAttempt.objects.all(),
                        actor=user_with_role(Role.PURCHASER))
    assert AccessAttempt.objects.count() == 1


def test_the_admin_site_is_guarded_too(client, limit):
    admin = UserFactory(is_staff=True, is_superuser=True)
    for _ in range(limit):
        client.post(reverse("admin:login"), {"username": admin.username,
                                             "password": "wrong-password"},
                    REMOTE_ADDR="198.51.100.7")
    response = client.post(reverse("admin:login"), {"username": admin.username,
                                                    "password": DEFAULT_PASSWORD},
                           REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 429
    assert not _signed_in(client)


def test_logins_without_a_request_are_not_throttled(client, limit):
    """The test client's login() passes no request: nothing to lock, and it must not fail."""
    user = UserFactory()
    for _ in range(limit + 1):
        assert not client.login(username=user.username, password="wrong-password")
    assert client.login(username=user.username, password=DEFAULT_PASSWORD)


# Privileged sessions ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.ADMIN, Role.PURCHASER, Role.FINANCE, Role.EXPERT])
def test_privileged_sessions_expire_when_idle(client, settings, role):
    settings.PRIVILEGED_SESSION_IDLE_SECONDS = 7200
    client.force_login(user_with_role(role))
    assert client.session.get_expiry_age() == 7200
    assert PRIVILEGED_SESSION_KEY in client.session


def test_a_superuser_session_is_privileged(client, settings):
    settings.PRIVILEGED_SESSION_IDLE_SECONDS = 600
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.session.get_expiry_age() == 600


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.SOCIAL_WORKER])
def test_other_roles_keep_the_default_session(client, role):
    client.force_login(user_with_role(role))
    assert client.session.get_expiry_age() == django_settings.SESSION_COOKIE_AGE
    assert PRIVILEGED_SESSION_KEY not in client.session


def test_a_used_privileged_session_is_pushed_forward(client, settings):
    settings.PRIVILEGED_SESSION_IDLE_SECONDS = 7200
    user = user_with_role(Role.PURCHASER)
    client.force_login(user)
    session = client.session
    session[PRIVILEGED_SESSION_KEY] = int(time.time()) - 3600  # last saved an hour ago
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert client.session[PRIVILEGED_SESSION_KEY] >= int(time.time()) - 5
    assert response.cookies[django_settings.SESSION_COOKIE_NAME]["max-age"] == 7200


def test_an_idle_privileged_session_ends(client, settings):
    from django.contrib.sessions.models import Session

    settings.PRIVILEGED_SESSION_IDLE_SECONDS = 7200
    client.force_login(user_with_role(Role.FINANCE))
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
