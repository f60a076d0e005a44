"""A district with every role of the chain, plus rivals from other organizations."""

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from accounts.models import Organization
from accounts.roles import Role
from finance.models import BudgetEnvelope
from tests.factories import (
    ExpertProfileFactory,
    OrganizationFactory,
    huainan,
    tianjiaan,
    user_with_role,
)

YEAR = 2026


@dataclass
class World:
    purchaser_org: Organization
    community_org: Organization
    finance_org: Organization
    suppliers: list
    purchaser: object
    community: object
    finance: object
    supplier_staff: list
    resident: object
    envelope: BudgetEnvelope
    experts: list = field(default_factory=list)
    rivals: dict = field(default_factory=dict)

    def everyone(self) -> dict:
        people = {"purchaser": self.purchaser, "community": self.community,
                  "finance": self.finance, "resident": self.resident}
        people.update({f"supplier{i}": u for i, u in enumerate(self.supplier_staff)})
        people.update({f"expert{i}": u for i, u in enumerate(self.experts)})
        people.update({f"rival_{k}": u for k, u in self.rivals.items()})
        return people


def make_world(*, experts: int = 6, suppliers: int = 3) -> World:
    """Return one district's organizations and users, and users of the same roles elsewhere."""
    district = tianjiaan()
    purchaser_org = OrganizationFactory(kind=Organization.Kind.PURCHASER, division=district)
    community_org = OrganizationFactory(kind=Organization.Kind.COMMUNITY, division=district)
    finance_org = OrganizationFactory(kind=Organization.Kind.FINANCE, division=huainan())
    supplier_orgs = [OrganizationFactory(kind=Organization.Kind.SOCIAL_ORG) for _ in range(suppliers)]
    envelope = BudgetEnvelope.objects.create(
        fiscal_year=YEAR, funding_source="fiscal", division=huainan(), finance_bureau=finance_org,
        name="2026年社区服务购买预算", amount=Decimal("1000000.00"),
    )
    world = World(
        purchaser_org=purchaser_org, community_org=community_org, finance_org=finance_org,
        suppliers=supplier_orgs,
        purchaser=user_with_role(Role.PURCHASER, purchaser_org, username="purchaser"),
        community=user_with_role(Role.COMMUNITY, community_org, username="community"),
        finance=user_with_role(Role.FINANCE, finance_org, username="finance"),
        supplier_staff=[user_with_role(Role.SOCIAL_ORG, org, username=f"supplier{i}")
                        for i, org in enumerate(supplier_orgs)],
        resident=user_with_role(Role.RESIDENT, community_org, username="resident"),
        envelope=envelope,
    )
    for i in range(experts):
        user = user_with_role(Role.EXPERT, username=f"expert{i}")
        ExpertProfileFactory(user=user)
        world.experts.append(user)
    # Same roles in other organizations: they must never see this project's tasks.
    world.rivals = {
        "purchaser": user_with_role(Role.PURCHASER, username="rival_purchaser"),
        "community": user_with_role(Role.COMMUNITY, username="rival_community"),
        "finance": user_with_role(Role.FINANCE, username="rival_finance"),
        "social_org": user_with_role(Role.SOCIAL_ORG, username="rival_social_org"),
        "admin": user_with_role(Role.ADMIN, username="rival_admin", superuser=True),
    }
    return world


@pytest.fixture
def world(db) -> World:
    return make_world()
