"""core.authz: rules registered per permission name, guardian grants, no superuser short-cut."""

import pytest
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import Organization
from accounts.roles import Role
from core import authz
from core.exceptions import PermissionDenied
from core.permissions import allow, deny
from tests.factories import OrganizationFactory, UserFactory, user_with_role

PERM = "accounts.change_organization_for_test"


@pytest.fixture
def test_rule():
    def same_name(user, org):
        if org is not None and user.username == org.name:
            return allow()
        return deny("名称不同")

    authz.rule(PERM)(same_name)
    yield same_name
    authz._RULES.pop(PERM, None)


@pytest.mark.django_db
def test_rule_answers_has_perm_with_reason(test_rule):
    org = OrganizationFactory(name="alice")
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    assert alice.has_perm(PERM, org)
    assert not bob.has_perm(PERM, org)
    assert authz.decide(bob, PERM, org).reason == "名称不同"
    with pytest.raises(PermissionDenied) as raised:
        authz.require(bob, PERM, org)
    assert raised.value.reason == "名称不同"


@pytest.mark.django_db
def test_superuser_gets_no_blanket_pass_on_objects(test_rule):
    org = OrganizationFactory(name="someone")
    root = UserFactory(superuser=True)
    assert not root.has_perm(PERM, org)
    # Model-level permissions without a rule keep Django's meaning (the admin site).
    assert root.has_perm("accounts.view_organization")


@pytest.mark.django_db
def test_inactive_and_anonymous_users_are_refused(test_rule):
    from django.contrib.auth.models import AnonymousUser

    org = OrganizationFactory(name="carol")
    carol = UserFactory(username="carol", is_active=False)
    assert not carol.has_perm(PERM, org)
    assert not authz.decide(AnonymousUser(), PERM, org)


@pytest.mark.django_db
def test_guardian_grant_allows_and_revocation_takes_it_back(django_assert_num_queries):
    org = OrganizationFactory(kind=Organization.Kind.PURCHASER)
    officer = user_with_role(Role.PURCHASER)
    perm = "accounts.view_organization"
    assert not authz.has_grant(officer, perm, org)
    assign_perm(perm, officer, org)
    authz.grants_reset(officer)
    assert officer.has_perm(perm, org)
    remove_perm(perm, officer, org)
    authz.grants_reset(officer)
    assert not officer.has_perm(perm, org)


@pytest.mark.django_db
def test_grants_prefetch_answers_a_list_in_one_query(django_assert_num_queries):
    orgs = [OrganizationFactory() for _ in range(5)]
    user = UserFactory()
    assign_perm("accounts.view_organization", user, orgs[2])
    authz.grants_reset(user)
    with django_assert_num_queries(1):
        authz.grants_prefetch(user, orgs)
    with django_assert_num_queries(0):
        granted = [o for o in orgs if authz.has_grant(user, "accounts.view_organization", o)]
    assert granted == [orgs[2]]


def test_every_app_permissions_module_is_discovered():
    # procurement.permissions registers its rules at start-up (via CoreConfig.ready).
    assert any(name.startswith("procurement.") for name in authz.registered_permissions())
