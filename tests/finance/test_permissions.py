"""City and district finance: a bureau sees and acts on what its envelopes fund (docs/roles.md).

The world's purchaser sits in 田家庵区; the world's finance bureau is the city's (淮南市) with a
city envelope. A district bureau (田家庵区财政局) with its own envelope takes the district's
projects: it reviews them, funds them, sees their contracts and pays their tranches; the city
bureau sees none of it. Without a district envelope the city bureau reviews and funds.
"""
# The procurement world's fixtures are imported under their own names (world, clock), which
# ruff reads as redefinitions where tests take them as arguments.
# ruff: noqa: F811

from dataclasses import dataclass
from decimal import Decimal

import pytest

from accounts.models import Organization
from accounts.roles import Role
from core.exceptions import PermissionDenied
from finance.models import BudgetEnvelope, PaymentTranche
from finance.selectors import ledger_for_user, tranche_list_for_user
from finance.services.budget import budget_confirm, budget_reject
from finance.services.tranches import tranche_approve
from procurement.selectors import contract_list_for_user, project_list_for_user
from procurement.services.awards import award_confirm
from procurement.services.contracts import contract_sign
from procurement.services.projects import project_approve, project_submit
from tests.factories import OrganizationFactory, huainan, tianjiaan, user_with_role
from tests.procurement.conftest import (  # noqa: F401  (fixtures of the procurement world)
    _fresh_calendar_cache,
    clock,
    world,
)
from tests.worlds import (
    YEAR,
    bids_opened_at_deadline,
    bids_submitted,
    project_approved,
    project_draft,
    tender_evaluated,
    tender_published,
)
from workflows.permissions import project_finance_bureau

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _city_bureau(world):
    """Make the world's finance bureau and envelope the city's (淮南市), as this module assumes."""
    Organization.objects.filter(pk=world.finance_org.pk).update(name="淮南市财政局",
                                                                 division=huainan())
    BudgetEnvelope.objects.filter(pk=world.envelope.pk).update(division=huainan())
    world.finance_org.refresh_from_db()
    world.envelope.refresh_from_db()


@dataclass
class District:
    bureau: Organization
    staff: object
    envelope: BudgetEnvelope | None


def _district(with_envelope: bool) -> District:
    bureau = OrganizationFactory(kind=Organization.Kind.FINANCE, division=tianjiaan(),
                                 name="田家庵区财政局")
    envelope = BudgetEnvelope.objects.create(
        fiscal_year=YEAR, funding_source="fiscal", division=tianjiaan(), finance_bureau=bureau,
        name="2026年田家庵区社区服务购买预算", amount=Decimal("5000000.00"),
    ) if with_envelope else None
    return District(bureau=bureau, staff=user_with_role(Role.FINANCE, bureau, username="dt_cz"),
                    envelope=envelope)


def _sees_project(user, project) -> bool:
    listed = project_list_for_user(user=user).filter(pk=project.pk).exists()
    assert listed == user.has_perm("procurement.view_serviceproject", project)
    return listed


def _signed_contract(world, project):
    tender = tender_published(world, project)
    bids_submitted(world, tender)
    bids_opened_at_deadline(world.clock, tender)
    contract = award_confirm(tender=tender_evaluated(world, tender=tender), actor=world.purchaser).contract
    contract_sign(contract=contract, actor=world.purchaser)
    contract_sign(contract=contract,
                  actor=world.supplier_staff[world.suppliers.index(contract.supplier)])
    return contract


@pytest.fixture
def district_world(world, clock):
    world.clock = clock
    return world, _district(with_envelope=True)


def test_district_envelope_makes_the_district_bureau_the_reviewer(district_world):
    world, district = district_world
    project = project_approved(world)
    assert project_finance_bureau(project) == district.bureau
    assert _sees_project(district.staff, project)
    assert not _sees_project(world.finance, project)
    # The city bureau may neither return nor fund it, not even from its own (covering) envelope.
    with pytest.raises(PermissionDenied):
        budget_reject(project=project, actor=world.finance, reason="额度不足")
    with pytest.raises(PermissionDenied):
        budget_confirm(project=project, envelope=world.envelope, actor=world.finance)
    budget_confirm(project=project, envelope=district.envelope, actor=district.staff)
    assert _sees_project(district.staff, project)
    assert not _sees_project(world.finance, project)


def test_district_funded_contract_and_tranches_belong_to_the_district_bureau(district_world):
    world, district = district_world
    project = project_approved(world)
    budget_confirm(project=project, envelope=district.envelope, actor=district.staff)
    contract = _signed_contract(world, project)
    assert district.staff.has_perm("procurement.view_contract", contract)
    assert not world.finance.has_perm("procurement.view_contract", contract)
    assert list(contract_list_for_user(user=district.staff)) == [contract]
    assert not contract_list_for_user(user=world.finance).exists()
    due = contract.tranches.get(status=PaymentTranche.Status.DUE)
    assert list(tranche_list_for_user(user=world.finance)) == []
    assert due in tranche_list_for_user(user=district.staff)
    with pytest.raises(PermissionDenied):
        tranche_approve(tranche=due, actor=world.finance)
    tranche_approve(tranche=due, actor=district.staff)
    (city_row,) = ledger_for_user(user=world.finance)
    (district_row,) = ledger_for_user(user=district.staff)
    assert city_row.committed == Decimal("0.00")
    assert district_row.envelope == district.envelope
    assert district_row.committed == project.budget_amount


def test_city_bureau_reviews_where_the_district_has_no_envelope(world):
    district = _district(with_envelope=False)
    project = project_approved(world)
    assert project_finance_bureau(project) == world.finance_org
    assert _sees_project(world.finance, project)
    assert not _sees_project(district.staff, project)
    with pytest.raises(PermissionDenied):
        budget_reject(project=project, actor=district.staff, reason="额度不足")
    budget_reject(project=project, actor=world.finance, reason="额度不足")


def test_a_bureau_sees_a_project_only_from_its_budget_review_on(world):
    project = project_draft(world)
    project_submit(project=project, actor=world.community)
    assert not _sees_project(world.finance, project)  # still at the purchaser
    project_approve(project=project, actor=world.purchaser)
    assert _sees_project(world.finance, project)


@pytest.mark.parametrize("count", [1, 6])
def test_project_list_of_a_finance_user_asks_a_constant_number_of_queries(
        world, django_assert_max_num_queries, count):
    for _ in range(count):
        project_approved(world)
    fresh = type(world.finance).objects.get(pk=world.finance.pk)
    # memberships, the budget reviewers of the projects at review (4), the list, its tenders
    with django_assert_max_num_queries(7):
        assert len(list(project_list_for_user(user=fresh))) == count
