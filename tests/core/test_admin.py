import pytest
from django.urls import reverse

from accounts.selectors import is_platform_admin
from core.models import Holiday

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_member(make_user):
    from tests.factories import MembershipFactory, OrganizationFactory

    user = make_user("platformop", is_staff=True)
    MembershipFactory(user=user, organization=OrganizationFactory(), role="admin")
    return user


def test_admin_membership_counts_as_platform_admin(admin_member, make_user):
    assert is_platform_admin(admin_member)
    assert admin_member.has_perm("accounts.administer_user")
    assert not is_platform_admin(make_user("plain", is_staff=True))


def test_admin_group_without_membership_is_not_an_admin(client, make_user):
    """The "admin" group alone (no active admin membership) opens nothing in the admin site."""
    from django.contrib.auth.models import Group

    user = make_user("grouponly", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="admin")[0])
    assert not is_platform_admin(user)
    assert not user.has_perm("accounts.administer_user")
    # The admin group's model permissions (accounts, audit log) do not count without the role.
    assert not user.has_perm("accounts.change_organization")
    assert not user.has_perm("core.view_auditentry")
    client.force_login(user)
    assert client.get(reverse("admin:core_holiday_changelist")).status_code == 403
    assert client.get(reverse("admin:accounts_organization_changelist")).status_code == 403
    assert client.get(reverse("admin:core_auditentry_changelist")).status_code == 403


def test_revoked_admin_membership_takes_the_admin_site_away(client, make_user):
    from accounts.services.memberships import membership_grant, membership_revoke

    operator = make_user("operator2", is_staff=True)
    membership = membership_grant(user=operator, organization=None, role="admin", actor=None)
    client.force_login(operator)
    assert client.get(reverse("admin:accounts_organization_changelist")).status_code == 200
    membership_revoke(membership=membership, actor=None)
    assert client.get(reverse("admin:accounts_organization_changelist")).status_code == 403


class TestHolidayAdmin:
    def test_platform_admin_edits(self, client, admin_member):
        client.force_login(admin_member)
        row = Holiday.objects.get(date="2026-02-14")
        response = client.post(reverse("admin:core_holiday_change", args=[row.pk]),
                               {"date": "2026-02-14", "name": "春节调休", "kind": "holiday"})
        assert response.status_code == 302
        row.refresh_from_db()
        assert row.kind == Holiday.Kind.HOLIDAY

    def test_other_staff_cannot(self, client, make_user):
        client.force_login(make_user("clerk", is_staff=True))
        row = Holiday.objects.get(date="2026-02-14")
        assert client.get(reverse("admin:core_holiday_changelist")).status_code == 403
        response = client.post(reverse("admin:core_holiday_change", args=[row.pk]),
                               {"date": "2026-02-14", "name": "x", "kind": "holiday"})
        assert response.status_code == 403
        row.refresh_from_db()
        assert row.kind == Holiday.Kind.WORKDAY


@pytest.mark.parametrize("model", ["notification", "storedfile", "document"])
def test_record_admins_are_read_only(client, superuser, model):
    client.force_login(superuser)
    assert client.get(reverse(f"admin:core_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:core_{model}_add")).status_code == 403
