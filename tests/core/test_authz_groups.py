"""core.authz with organization grants: guardian group grants answered like user grants."""

import pytest
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import Organization
from accounts.roles import Role
from accounts.services.memberships import membership_revoke
from accounts.services.organization_groups import organization_group
from core import authz
from tests.factories import OrganizationFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

PERM = "accounts.view_organization"


def test_group_grant_allows_members_and_follows_memberships():
    evaluator_org = OrganizationFactory(kind=Organization.Kind.EVALUATOR)
    member = user_with_role(Role.EVALUATOR, evaluator_org)
    target = OrganizationFactory()
    assign_perm(PERM, organization_group(organization=evaluator_org), target)
    assert authz.has_grant(member, PERM, target)
    assert member.has_perm(PERM, target)
    # A member joining later is added to the group; one leaving is removed.
    later = user_with_role(Role.EVALUATOR, evaluator_org)
    assert authz.has_grant(later, PERM, target)
    membership_revoke(membership=member.memberships.get(), actor=None)
    member = type(member).objects.get(pk=member.pk)
    assert not authz.has_grant(member, PERM, target)
    assert not authz.has_grant(user_with_role(Role.EVALUATOR), PERM, target)


def test_organization_group_is_created_with_current_members_only_once():
    org = OrganizationFactory(kind=Organization.Kind.EVALUATOR)
    first, second = (user_with_role(Role.EVALUATOR, org) for _ in range(2))
    group = organization_group(organization=org)
    assert set(group.user_set.all()) == {first, second}
    assert organization_group(organization=org) == group
    assert Group.objects.filter(name=f"organization:{org.pk}").count() == 1


def test_grants_prefetch_reads_user_and_group_grants_in_one_query(django_assert_num_queries):
    org = OrganizationFactory(kind=Organization.Kind.SUPERVISOR)
    user = user_with_role(Role.SUPERVISOR, org)
    targets = [OrganizationFactory() for _ in range(6)]
    assign_perm(PERM, user, targets[1])
    assign_perm(PERM, organization_group(organization=org), targets[4])
    user = type(user).objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        authz.grants_prefetch(user, targets)
    with django_assert_num_queries(0):
        granted = [t for t in targets if authz.has_grant(user, PERM, t)]
    assert granted == [targets[1], targets[4]]


def test_granted_q_adds_no_query_and_ignores_other_users(django_assert_num_queries):
    org = OrganizationFactory(kind=Organization.Kind.SUPERVISOR)
    user = user_with_role(Role.SUPERVISOR, org)
    stranger = UserFactory()
    targets = [OrganizationFactory() for _ in range(4)]
    assign_perm(PERM, user, targets[0])
    assign_perm(PERM, organization_group(organization=org), targets[2])
    assign_perm(PERM, stranger, targets[3])
    with django_assert_num_queries(1):
        rows = list(Organization.objects.filter(authz.granted_q(user, PERM, Organization)))
    assert sorted(o.pk for o in rows) == sorted([targets[0].pk, targets[2].pk])
    remove_perm(PERM, organization_group(organization=org), targets[2])
    assert list(Organization.objects.filter(authz.granted_q(user, PERM, Organization))) == [
        targets[0]]
