import pytest
from django.urls import reverse

from core.models import Holiday
from core.permissions import is_platform_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_member(make_user):
    from tests.factories import MembershipFactory, OrganizationFactory

    user = make_user("platformop", is_staff=True)
    MembershipFactory(user=user, organization=OrganizationFactory(), role="admin")
    return user


def test_admin_membership_counts_as_platform_admin(admin_member, make_user):
    assert is_platform_admin(admin_member)
    assert not is_platform_admin(make_user("plain", is_staff=True))


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
