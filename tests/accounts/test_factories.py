import pytest
from django.contrib.auth.models import Group

from accounts.models import Division, Organization
from accounts.roles import Role
from accounts.selectors import user_organizations, user_roles
from accounts.validators import validate_credit_code
from tests.factories import (
    DEFAULT_PASSWORD,
    DivisionFactory,
    ExpertProfileFactory,
    ExpertRecusalFactory,
    OrganizationFactory,
    SocialWorkerProfileFactory,
    UserFactory,
    make_bad_credit_code,
    make_credit_code,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def test_make_credit_code_is_valid_and_unique():
    codes = {make_credit_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        validate_credit_code(code)
        assert code.startswith("52340403")


def test_make_credit_code_category_and_area():
    code = make_credit_code(category="51", area="340422")
    assert code[:8] == "51340422"
    validate_credit_code(code)


def test_make_bad_credit_code_fails_only_the_check():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        validate_credit_code(make_bad_credit_code())
    assert exc.value.code == "credit_code_check"


def test_user_factory_password_and_traits():
    user = UserFactory()
    assert user.check_password(DEFAULT_PASSWORD)
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
    assert UserFactory(superuser=True).is_superuser
    custom = UserFactory(password="other-pass-987")
    custom.refresh_from_db()
    assert custom.check_password("other-pass-987")


@pytest.mark.parametrize("kind", list(Organization.Kind))
def test_organization_factory_kind_is_clean(kind):
    org = OrganizationFactory(kind=kind)
    org.full_clean()
    assert org.kind == kind


def test_organization_factory_traits():
    assert OrganizationFactory(purchaser=True).kind == Organization.Kind.PURCHASER
    assert OrganizationFactory(finance=True).kind == Organization.Kind.FINANCE


def test_division_factory_street_and_community_are_clean():
    street = DivisionFactory()
    street.full_clean()
    community = DivisionFactory(community=True)
    community.full_clean()
    assert community.parent.level == Division.Level.STREET
    assert len(community.code) == 12


@pytest.mark.parametrize("role", list(Role))
def test_user_with_role_grants_membership_and_group(role):
    user = user_with_role(role)
    assert user_roles(user) == {role.value}
    assert user.groups.filter(name=role.value).exists()
    if role in (Role.EXPERT, Role.ADMIN):
        assert not user_organizations(user).exists()
    else:
        assert user_organizations(user, role=role).count() == 1


def test_user_with_role_uses_given_organization():
    org = OrganizationFactory(kind=Organization.Kind.COMMUNITY)
    user = user_with_role(Role.RESIDENT, organization=org, language="en")
    assert list(user_organizations(user)) == [org]
    assert user.language == "en"


def test_profile_factories():
    worker = SocialWorkerProfileFactory()
    assert worker.organization.kind == Organization.Kind.SOCIAL_ORG
    recusal = ExpertRecusalFactory(expert=ExpertProfileFactory())
    recusal.full_clean()
    assert Group.objects.filter(name="admin").exists()
