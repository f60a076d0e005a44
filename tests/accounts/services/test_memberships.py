import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from accounts.models import Membership, Organization
from accounts.roles import ROLE_ORGANIZATION_KINDS, Role
from accounts.services.memberships import (
    membership_delete,
    membership_grant,
    membership_revoke,
    membership_update,
)
from core.models import AuditEntry
from tests.factories import OrganizationFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

Kind = Organization.Kind


def group_names(user):
    return set(user.groups.values_list("name", flat=True))


@pytest.fixture
def admin():
    return UserFactory(superuser=True)


def test_grant_adds_group_and_audits(admin):
    user = UserFactory()
    org = OrganizationFactory(kind=Kind.PURCHASER)
    m = membership_grant(user=user, organization=org, role=Role.PURCHASER, actor=admin)
    assert group_names(user) == {"purchaser"}
    entry = AuditEntry.objects.get(action="membership.grant")
    assert (entry.actor, entry.target_id) == (admin, str(m.pk))
    # Granting again changes nothing and writes no second row.
    assert membership_grant(user=user, organization=org, role=Role.PURCHASER, actor=admin) == m
    assert AuditEntry.objects.filter(action="membership.grant").count() == 1


def test_revoke_removes_group_only_when_no_other_membership_keeps_it(admin):
    user = UserFactory()
    org1, org2 = OrganizationFactory(kind=Kind.COMMUNITY), OrganizationFactory(kind=Kind.COMMUNITY)
    m1 = membership_grant(user=user, organization=org1, role=Role.COMMUNITY, actor=admin)
    m2 = membership_grant(user=user, organization=org2, role=Role.COMMUNITY, actor=admin)
    membership_revoke(membership=m1, actor=admin)
    assert group_names(user) == {"community"}
    membership_revoke(membership=m2, actor=admin)
    assert group_names(user) == set()
    assert AuditEntry.objects.filter(action="membership.revoke").count() == 2
    m1.refresh_from_db()
    assert m1.is_active is False
    # Re-granting reactivates the same row.
    again = membership_grant(user=user, organization=org1, role=Role.COMMUNITY, actor=admin)
    assert again.pk == m1.pk and again.is_active
    assert group_names(user) == {"community"}


def test_non_role_groups_are_left_alone(admin):
    from django.contrib.auth.models import Group

    user = UserFactory()
    user.groups.add(Group.objects.create(name="newsletter"))
    m = membership_grant(user=user, organization=None, role=Role.EXPERT, actor=admin)
    membership_revoke(membership=m, actor=admin)
    assert group_names(user) == {"newsletter"}


ALL_KINDS = [*list(Kind), None]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("kind", ALL_KINDS)
def test_role_kind_matrix(admin, role, kind):
    org = OrganizationFactory(kind=kind) if kind else None
    expected_ok = {
        Role.RESIDENT: {Kind.COMMUNITY}, Role.COMMUNITY: {Kind.COMMUNITY},
        Role.PURCHASER: {Kind.PURCHASER}, Role.FINANCE: {Kind.FINANCE},
        Role.SOCIAL_ORG: {Kind.SOCIAL_ORG}, Role.SOCIAL_WORKER: {Kind.SOCIAL_ORG},
        Role.EVALUATOR: {Kind.EVALUATOR}, Role.EXPERT: {Kind.EVALUATOR, None},
        Role.SUPERVISOR: {Kind.SUPERVISOR}, Role.ADMIN: set(ALL_KINDS),
    }[role]
    assert (kind in expected_ok) == (kind in ROLE_ORGANIZATION_KINDS[role])
    user = UserFactory()
    if kind in expected_ok:
        membership_grant(user=user, organization=org, role=role, actor=admin)
        assert group_names(user) == {role.value}
    else:
        with pytest.raises(ValidationError):
            membership_grant(user=user, organization=org, role=role, actor=admin)
        assert not Membership.objects.filter(user=user).exists()
        assert group_names(user) == set()


def test_database_refuses_organization_less_role():
    with pytest.raises(IntegrityError):
        Membership.objects.create(user=UserFactory(), organization=None, role=Role.PURCHASER)


def test_only_admins_grant_except_social_org_staff_grant_social_workers():
    org = OrganizationFactory(kind=Kind.SOCIAL_ORG)
    manager = user_with_role(Role.SOCIAL_ORG, organization=org)
    worker = UserFactory()
    membership_grant(user=worker, organization=org, role=Role.SOCIAL_WORKER, actor=manager)
    assert group_names(worker) == {"social_worker"}
    with pytest.raises(PermissionDenied):
        membership_grant(user=worker, organization=org, role=Role.SOCIAL_ORG, actor=manager)
    other_org = OrganizationFactory(kind=Kind.SOCIAL_ORG)
    with pytest.raises(PermissionDenied):
        membership_grant(user=worker, organization=other_org, role=Role.SOCIAL_WORKER,
                         actor=manager)
    with pytest.raises(PermissionDenied):
        membership_grant(user=UserFactory(), organization=None, role=Role.ADMIN,
                         actor=user_with_role(Role.PURCHASER))
    assert not AuditEntry.objects.filter(action="membership.grant", actor=manager).exclude(
        after__role="social_worker"
    ).exists()


def test_update_and_delete_keep_groups_in_sync(admin):
    user = user_with_role(Role.RESIDENT)
    m = Membership.objects.get(user=user)
    m.role = Role.COMMUNITY
    membership_update(membership=m, actor=admin)
    assert group_names(user) == {"community"}
    assert AuditEntry.objects.get(action="membership.update").before["role"] == "resident"
    membership_delete(membership=m, actor=admin)
    assert group_names(user) == set()
    assert AuditEntry.objects.filter(action="membership.delete").count() == 1


def test_admin_inline_goes_through_services(client, admin):
    from django.urls import reverse

    user = UserFactory()
    org = OrganizationFactory(kind=Kind.FINANCE)
    client.force_login(admin)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "username": user.username, "real_name": "张三", "mobile": "13800000000",
        "language": "zh-hans", "is_active": "on", "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-organization": org.pk, "memberships-0-role": "finance",
        "memberships-0-is_active": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert group_names(user) == {"finance"}
    assert AuditEntry.objects.filter(action="membership.grant", actor=admin).exists()
    # A wrong kind is refused by the inline form.
    data["memberships-0-role"] = "purchaser"
    data["memberships-0-organization"] = OrganizationFactory(kind=Kind.COMMUNITY).pk
    data["username"] = user.username
    response = client.post(url, data)
    assert response.status_code == 200
    assert "不能属于该类型的机构" in response.content.decode()


def test_admin_membership_add_validates_kind(client, admin):
    from django.urls import reverse

    client.force_login(admin)
    user = UserFactory()
    url = reverse("admin:accounts_membership_add")
    data = {"user": user.pk, "organization": OrganizationFactory(kind=Kind.PURCHASER).pk,
            "role": "resident", "is_active": "on"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "不能属于该类型的机构" in response.content.decode()
    data["organization"] = OrganizationFactory(kind=Kind.COMMUNITY).pk
    assert client.post(url, data).status_code == 302
    assert group_names(user) == {"resident"}


def test_head_flag_is_granted_changed_and_audited(admin):
    """Membership.is_head marks the organization's head (负责人), to whom overdue tasks escalate."""
    user = UserFactory()
    org = OrganizationFactory(kind=Kind.COMMUNITY)
    m = membership_grant(user=user, organization=org, role=Role.COMMUNITY, actor=admin,
                         is_head=True)
    assert Membership.objects.get(pk=m.pk).is_head
    assert AuditEntry.objects.get(action="membership.grant").after["is_head"] is True
    m.is_head = False
    membership_update(membership=m, actor=admin)
    assert not Membership.objects.get(pk=m.pk).is_head
    entry = AuditEntry.objects.get(action="membership.update")
    assert (entry.before["is_head"], entry.after["is_head"]) == (True, False)
