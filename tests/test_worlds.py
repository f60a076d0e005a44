"""The test world: people built by the demo's cast builder, projects walked through the services."""

import pytest

from accounts.models import Membership
from accounts.roles import Role
from procurement.models import Contract, ServiceProject, Tender
from tests.factories import DEFAULT_PASSWORD
from tests.worlds import (
    EVALUATION_WORLD,
    PAGE_WORLD,
    ROW_STAGES,
    contract_signed,
    rows_at_stage,
    tender_opened,
    world_build,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return world_build(**EVALUATION_WORLD)


def test_opened_tender_and_signed_contract(world):
    tender = tender_opened(world)
    assert tender.status == Tender.Status.OPENED
    assert tender.bids.count() == 3
    contract = contract_signed(world, tender=tender)
    assert contract.status == Contract.Status.SIGNED
    assert contract.project.status == ServiceProject.Status.IN_DELIVERY
    assert contract.tranches.count() == 3


def test_people_hold_their_roles_in_their_organizations(world, client):
    held = {(m.user.username, m.role, m.organization_id)
            for m in Membership.objects.select_related("user")}
    assert ("purchaser", Role.PURCHASER, world.purchaser_org.pk) in held
    assert ("community", Role.COMMUNITY, world.community_org.pk) in held
    assert ("resident", Role.RESIDENT, world.community_org.pk) in held
    assert ("supplier2", Role.SOCIAL_ORG, world.suppliers[2].pk) in held
    assert all(e.expert_profile.is_active for e in world.experts) and len(world.experts) == 7
    assert world.purchaser.groups.filter(name=Role.PURCHASER).exists()
    assert client.login(username="finance", password=DEFAULT_PASSWORD)


def test_outsiders_and_a_second_world_live_in_other_districts(world):
    other = world_build(suffix="乙", **PAGE_WORLD)
    districts = {world.purchaser_org.division_id, other.purchaser_org.division_id,
                 world.outsiders["purchaser"].memberships.get().organization.division_id}
    assert len(districts) == 3
    assert other.envelope != world.envelope and other.purchaser != world.purchaser


@pytest.mark.parametrize("stage", ROW_STAGES)
def test_rows_at_stage_are_valid_rows(stage):
    world = world_build(**PAGE_WORLD)
    (project,) = rows_at_stage(world, 1, stage)
    project.full_clean()
    for tender in project.tenders.all():
        tender.full_clean()
    contract = Contract.objects.filter(project=project).first()
    if contract is not None:
        contract.full_clean()
        assert contract.status == (Contract.Status.DRAFT if stage == "awarded"
                                   else Contract.Status.SIGNED)
