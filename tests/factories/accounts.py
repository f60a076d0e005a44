"""Factories of the accounts models, and user_with_role (a user holding a role through the real service).

Typical use::

    org = OrganizationFactory(kind=Organization.Kind.SOCIAL_ORG)
    user = user_with_role(Role.PURCHASER)            # creates a purchaser organization too
    expert = user_with_role(Role.EXPERT)             # experts need no organization
    client.login(username=user.username, password=DEFAULT_PASSWORD)
"""

import datetime
import functools

import factory
from django.contrib.auth.hashers import get_hasher, make_password
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import (
    AnnualInspection,
    CreditListing,
    Division,
    ExpertConflictDeclaration,
    ExpertProfile,
    ExpertRecusal,
    ExpertSpecialty,
    ExpertUnavailability,
    Membership,
    Organization,
    OrganizationIdentityChange,
    OrganizationRating,
    Qualification,
    SocialWorkerProfile,
    User,
)
from accounts.roles import Role
from accounts.validators import CREDIT_CODE_CHARSET, credit_code_check_char

DEFAULT_PASSWORD = "pass12345!"

# The kind of organization each role's membership is created in when none is given.
ROLE_DEFAULT_KIND = {
    Role.RESIDENT: Organization.Kind.COMMUNITY,
    Role.COMMUNITY: Organization.Kind.COMMUNITY,
    Role.PURCHASER: Organization.Kind.PURCHASER,
    Role.FINANCE: Organization.Kind.FINANCE,
    Role.SOCIAL_ORG: Organization.Kind.SOCIAL_ORG,
    Role.SOCIAL_WORKER: Organization.Kind.SOCIAL_ORG,
    Role.EVALUATOR: Organization.Kind.EVALUATOR,
    Role.SUPERVISOR: Organization.Kind.SUPERVISOR,
    Role.EXPERT: None,
    Role.ADMIN: None,
}

# Registration authority + category by organization kind (GB 32100: 5x 民政, 11 机关, 91 企业).
KIND_CATEGORY = {
    Organization.Kind.PURCHASER: "11",
    Organization.Kind.COMMUNITY: "Y1",
    Organization.Kind.SOCIAL_ORG: "52",
    Organization.Kind.FINANCE: "11",
    Organization.Kind.EVALUATOR: "91",
    Organization.Kind.SUPERVISOR: "11",
}


def _encode_body(n: int) -> str:
    """Return n as a 9-character organization code body over the credit-code charset."""
    base = len(CREDIT_CODE_CHARSET)
    chars = []
    for _ in range(9):
        n, digit = divmod(n, base)
        chars.append(CREDIT_CODE_CHARSET[digit])
    return "".join(reversed(chars))


_credit_code_counter = iter(range(10**9))


def make_credit_code(category: str = "52", area: str = "340403", body: str | None = None) -> str:
    """Return a valid 18-character credit code; body defaults to a fresh unique 9-char code."""
    if body is None:
        body = _encode_body(1000 + next(_credit_code_counter))
    first17 = f"{category}{area}{body}"
    assert len(first17) == 17, first17
    return first17 + credit_code_check_char(first17)


def make_bad_credit_code(**kwargs) -> str:
    """Return a well-formed credit code whose check character is wrong."""
    code = make_credit_code(**kwargs)
    wrong = next(c for c in CREDIT_CODE_CHARSET if c != code[17])
    return code[:17] + wrong


def huainan() -> Division:
    """Return 淮南市 (loaded by migration), creating it if a test flushed it."""
    city, _ = Division.objects.get_or_create(
        code="340400", defaults={"name": "淮南市", "level": Division.Level.CITY}
    )
    return city


def tianjiaan() -> Division:
    """Return 田家庵区 340403 (loaded by migration)."""
    district, _ = Division.objects.get_or_create(
        code="340403",
        defaults={"name": "田家庵区", "level": Division.Level.DISTRICT, "parent": huainan()},
    )
    return district


@functools.cache
def _default_password_hash(hasher: str) -> str:
    return make_password(DEFAULT_PASSWORD)


class UserFactory(DjangoModelFactory):
    """A user whose password is DEFAULT_PASSWORD, or UserFactory(password="...")."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    language = "zh-hans"
    password = DEFAULT_PASSWORD

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Hashing the default password once keeps the suite fast (PBKDF2 is slow on purpose).
        raw = kwargs.pop("password")
        if raw == DEFAULT_PASSWORD:
            kwargs["password"] = _default_password_hash(get_hasher().algorithm)
        else:
            kwargs["password"] = make_password(raw)
        return super()._create(model_class, *args, **kwargs)

    class Params:
        superuser = factory.Trait(is_superuser=True, is_staff=True)
        staff = factory.Trait(is_staff=True)


class DivisionFactory(DjangoModelFactory):
    """A street (街道) under 田家庵区 by default; use the community trait for a 社区."""

    class Meta:
        model = Division

    name = factory.Sequence(lambda n: f"测试街道{n}")
    level = Division.Level.STREET
    parent = factory.LazyFunction(tianjiaan)
    code = factory.Sequence(lambda n: f"340403{n % 1000:03d}")

    class Params:
        community = factory.Trait(
            level=Division.Level.COMMUNITY,
            name=factory.Sequence(lambda n: f"测试社区{n}"),
            parent=factory.SubFactory("tests.factories.accounts.DivisionFactory"),
            code=factory.LazyAttributeSequence(
                lambda o, n: f"{o.parent.code}{n % 1000:03d}" if o.parent.code else None
            ),
        )


class OrganizationFactory(DjangoModelFactory):
    """An organization of the given kind (default social organization) with a valid credit code."""

    class Meta:
        model = Organization

    kind = Organization.Kind.SOCIAL_ORG
    name = factory.LazyAttributeSequence(
        lambda o, n: f"测试{Organization.Kind(o.kind).label}{n}"
    )
    division = factory.LazyFunction(tianjiaan)
    credit_code = factory.LazyAttribute(
        lambda o: make_credit_code(category=KIND_CATEGORY[o.kind], area=o.division.code[:6]
                                   if o.division.code else "340403")
    )
    legal_representative = factory.Sequence(lambda n: f"法人{n}")
    contact_person = factory.Sequence(lambda n: f"联系人{n}")
    contact_phone = "0554-1234567"

    class Params:
        purchaser = factory.Trait(kind=Organization.Kind.PURCHASER)
        community = factory.Trait(kind=Organization.Kind.COMMUNITY)
        social_org = factory.Trait(kind=Organization.Kind.SOCIAL_ORG)
        finance = factory.Trait(kind=Organization.Kind.FINANCE)
        evaluator = factory.Trait(kind=Organization.Kind.EVALUATOR)
        supervisor = factory.Trait(kind=Organization.Kind.SUPERVISOR)


class MembershipFactory(DjangoModelFactory):
    """A raw membership row; prefer user_with_role(), which also sets the role group."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.SOCIAL_ORG


class SocialWorkerProfileFactory(DjangoModelFactory):
    class Meta:
        model = SocialWorkerProfile

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.SOCIAL_ORG)
    qualification = SocialWorkerProfile.Qualification.INTERMEDIATE
    certificate_number = factory.Sequence(lambda n: f"SW{n:08d}")
    code = factory.Sequence(lambda n: f"W{n:02d}")


class ExpertProfileFactory(DjangoModelFactory):
    class Meta:
        model = ExpertProfile

    user = factory.SubFactory(UserFactory)
    specialties = "社会工作,社区服务"
    # Every service category, like the demo cast's experts; tests narrow it where it matters.
    categories = factory.LazyFunction(lambda: list(ExpertSpecialty.values))
    employer = None
    is_active = True


class ExpertUnavailabilityFactory(DjangoModelFactory):
    class Meta:
        model = ExpertUnavailability

    expert = factory.SubFactory(ExpertProfileFactory)
    starts_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + datetime.timedelta(days=7))
    reason = "出差"


class ExpertConflictDeclarationFactory(DjangoModelFactory):
    class Meta:
        model = ExpertConflictDeclaration

    expert = factory.SubFactory(ExpertProfileFactory)
    organization = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.SOCIAL_ORG)
    reason = "配偶在该机构任职"
    declared_at = factory.LazyFunction(timezone.now)


class ExpertRecusalFactory(DjangoModelFactory):
    class Meta:
        model = ExpertRecusal

    expert = factory.SubFactory(ExpertProfileFactory)
    credit_code = factory.LazyFunction(make_credit_code)
    unit_name = factory.Sequence(lambda n: f"回避单位{n}")
    reason = "近三年曾任职"


def user_with_role(role: str, organization: Organization | None = None, **kw) -> User:
    """Create a user holding role (via membership_grant, so groups and audit are real).

    Without organization one of the right kind is created (none for experts and admins).
    Extra keyword arguments go to UserFactory (username=, language=, superuser=True, ...).
    """
    from accounts.services.memberships import membership_grant

    if organization is None and ROLE_DEFAULT_KIND[role] is not None:
        organization = OrganizationFactory(kind=ROLE_DEFAULT_KIND[role])
    if role == Role.ADMIN:
        kw.setdefault("is_staff", True)
    user = UserFactory(**kw)
    membership_grant(user=user, organization=organization, role=role, actor=None)
    return user


class OrganizationIdentityChangeFactory(DjangoModelFactory):
    """A pending request to change an organization's legal representative."""

    class Meta:
        model = OrganizationIdentityChange

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.LazyAttribute(lambda o: o.organization.name)
    credit_code = factory.LazyAttribute(lambda o: o.organization.credit_code)
    legal_representative = factory.Sequence(lambda n: f"新法人{n}")
    before = factory.LazyAttribute(lambda o: {
        "name": o.organization.name, "credit_code": o.organization.credit_code,
        "legal_representative": o.organization.legal_representative})
    reason = "民政部门核准变更登记"
    requested_by = factory.SubFactory(UserFactory)
    requested_at = factory.LazyFunction(timezone.now)


# The supplier registry (issue 7 item 9): field-level rows, as the services would record them.


class OrganizationRatingFactory(DjangoModelFactory):
    class Meta:
        model = OrganizationRating

    organization = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.SOCIAL_ORG)
    grade = OrganizationRating.Grade.choices[2][0]
    rated_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    valid_until = factory.LazyAttribute(lambda o: o.rated_on + datetime.timedelta(days=5 * 365))
    assessor = "淮南市民政局"
    recorded_by = factory.SubFactory(UserFactory)


class AnnualInspectionFactory(DjangoModelFactory):
    class Meta:
        model = AnnualInspection

    organization = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.SOCIAL_ORG)
    year = factory.LazyFunction(lambda: timezone.localdate().year - 1)
    result = AnnualInspection.Result.choices[0][0]
    concluded_on = factory.LazyAttribute(lambda o: datetime.date(o.year + 1, 5, 31))
    recorded_by = factory.SubFactory(UserFactory)


class QualificationFactory(DjangoModelFactory):
    class Meta:
        model = Qualification

    organization = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.SOCIAL_ORG)
    kind = Qualification.Kind.choices[0][0]
    number = factory.Sequence(lambda n: f"ZZ-{n:06d}")
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=365))
    valid_until = factory.LazyAttribute(lambda o: o.valid_from + datetime.timedelta(days=3 * 365))
    recorded_by = factory.SubFactory(UserFactory)


class CreditListingFactory(DjangoModelFactory):
    class Meta:
        model = CreditListing

    organization = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.SOCIAL_ORG)
    kind = CreditListing.Kind.choices[0][0]
    source = CreditListing.Source.choices[0][0]
    decision = "行政处罚决定书"
    listed_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=10))
    excluded_from = factory.LazyAttribute(lambda o: o.listed_on)
    excluded_until = factory.LazyAttribute(lambda o: o.listed_on + datetime.timedelta(days=365))
    queried_on = factory.LazyFunction(timezone.localdate)
    recorded_by = factory.SubFactory(UserFactory)
