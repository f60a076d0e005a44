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


# Registered names ------------------------------------------------------------------------------

def test_every_registered_name_is_app_action_model_of_a_real_model():
    from django.apps import apps

    names = authz.registered_permissions()
    assert len(names) > 40
    for name in names:
        app_label, _, codename = name.partition(".")
        action, _, model_name = codename.rpartition("_")
        assert action and model_name, name
        # A LookupError names the permission whose model does not exist in its app.
        apps.get_model(app_label, model_name)


def test_every_app_predicate_is_registered():
    """No predicate of a permissions module is left outside the one path."""
    import importlib

    registered = {r for name in authz.registered_permissions() for r in authz.registered_rules(name)}
    for module_name in ("accounts.permissions", "procurement.permissions",
                        "procurement.permissions.questions", "finance.permissions",
                        "evaluation.permissions", "delivery.permissions",
                        "workflows.permissions"):
        module = importlib.import_module(module_name)
        for attr, value in vars(module).items():
            if attr.startswith("can_") and callable(value) and value.__module__ == module_name:
                assert value in registered, f"{module_name}.{attr} is not a registered rule"


def test_one_platform_admin_predicate():
    import subprocess
    from pathlib import Path

    found = subprocess.run(["grep", "-rn", "--include=*.py", "def is_platform_admin",
                            "accounts", "core", "procurement", "finance", "evaluation",
                            "delivery", "workflows", "portal", "office"],
                           capture_output=True, text=True, check=False,
                           cwd=Path(__file__).resolve().parents[2]).stdout.splitlines()
    assert [line.split(":")[0] for line in found] == ["accounts/selectors.py"]


# Scopes and model-level rules ------------------------------------------------------------------

SCOPED = "accounts.view_organization_for_test"


@pytest.fixture
def test_scope():
    from django.db.models import Q

    def named_like_user(user):
        return Q(name=user.username)

    authz.scope(SCOPED, reason="不是你的机构")(named_like_user)
    yield named_like_user
    authz._SCOPES.pop(SCOPED, None)
    authz._RULES.pop(SCOPED, None)


@pytest.mark.django_db
def test_scope_filters_lists_and_answers_objects_from_one_relationship(
        test_scope, django_assert_num_queries):
    mine, other = OrganizationFactory(name="dora"), OrganizationFactory(name="erin")
    dora = UserFactory(username="dora")
    assert list(authz.scoped(dora, SCOPED, Organization.objects.all())) == [mine]
    with django_assert_num_queries(1):
        assert dora.has_perm(SCOPED, mine)
    assert not dora.has_perm(SCOPED, other)
    assert authz.decide(dora, SCOPED, other).reason == "不是你的机构"
    # No object: a scope is an object question, not a model-level one.
    assert not authz.decide(dora, SCOPED)


@pytest.mark.django_db
def test_scope_is_empty_for_inactive_and_anonymous_users(test_scope):
    from django.contrib.auth.models import AnonymousUser

    OrganizationFactory(name="frank")
    frank = UserFactory(username="frank", is_active=False)
    assert not authz.scoped(frank, SCOPED, Organization.objects.all()).exists()
    assert not authz.scoped(AnonymousUser(), SCOPED, Organization.objects.all()).exists()


@pytest.mark.django_db
def test_object_rules_are_not_asked_without_an_object(test_rule):
    # test_rule would fail on obj=None (org.name); decide must not call it.
    alice = UserFactory(username="alice")
    assert not authz.decide(alice, PERM)
    assert not alice.has_perm(PERM)


@pytest.mark.django_db
def test_platform_admin_rule_is_model_level():
    operator = user_with_role(Role.ADMIN)
    assert operator.has_perm("accounts.administer_user")
    assert UserFactory(superuser=True).has_perm("accounts.administer_user")
    assert not user_with_role(Role.PURCHASER).has_perm("accounts.administer_user")
