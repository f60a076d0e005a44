"""Build a project at any stage of the chain for the finance/evaluation/delivery tests.

Every stage goes through the real services (project_create … budget_confirm, tender_publish,
bid_submit, bids_open, committee_form, scores_submit, award_confirm, contract_sign).
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import time_machine
from django.utils import timezone

from accounts.models import Organization
from accounts.roles import Role
from evaluation.services.committees import committee_form
from evaluation.services.scoring import scores_submit
from finance.models import BudgetEnvelope
from finance.services.budget import budget_confirm
from procurement.models import Bid, Contract, ServiceProject, Tender
from procurement.services.awards import award_confirm
from procurement.services.bids import bid_submit, bids_open
from procurement.services.contracts import contract_sign
from procurement.services.projects import project_approve, project_create, project_submit
from procurement.services.tenders import tender_publish
from tests.factories import (
    ExpertProfileFactory,
    OrganizationFactory,
    SocialWorkerProfileFactory,
    huainan,
    tianjiaan,
    user_with_role,
)

YEAR = 2026
BUDGET = Decimal("300000.00")


@dataclass
class World:
    """The organizations and users of one district."""

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


def make_world(*, experts: int = 7, suppliers: int = 3, envelope_amount=Decimal("1000000.00")) -> World:
    """Return a district with purchaser, community, finance bureau, suppliers, experts."""
    district = tianjiaan()
    purchaser_org = OrganizationFactory(kind=Organization.Kind.PURCHASER, division=district)
    community_org = OrganizationFactory(kind=Organization.Kind.COMMUNITY, division=district)
    finance_org = OrganizationFactory(kind=Organization.Kind.FINANCE, division=huainan())
    supplier_orgs = [OrganizationFactory(kind=Organization.Kind.SOCIAL_ORG) for _ in range(suppliers)]
    envelope = BudgetEnvelope.objects.create(
        fiscal_year=YEAR, funding_source="fiscal", division=huainan(), finance_bureau=finance_org,
        name="2026年社区服务购买预算", amount=envelope_amount,
    )
    world = World(
        purchaser_org=purchaser_org, community_org=community_org, finance_org=finance_org,
        suppliers=supplier_orgs,
        purchaser=user_with_role(Role.PURCHASER, purchaser_org),
        community=user_with_role(Role.COMMUNITY, community_org),
        finance=user_with_role(Role.FINANCE, finance_org),
        supplier_staff=[user_with_role(Role.SOCIAL_ORG, org) for org in supplier_orgs],
        resident=user_with_role(Role.RESIDENT, community_org),
        envelope=envelope,
    )
    for _ in range(experts):
        user = user_with_role(Role.EXPERT)
        ExpertProfileFactory(user=user)
        world.experts.append(user)
    return world


def social_worker(world: World, supplier_index: int = 0, code: str = "W01"):
    """Return a social worker (role + profile) of a supplier."""
    org = world.suppliers[supplier_index]
    user = user_with_role(Role.SOCIAL_WORKER, org)
    SocialWorkerProfileFactory(user=user, organization=org, code=code)
    return user


def approved_project(world: World, *, budget=BUDGET, fiscal_year=YEAR) -> ServiceProject:
    """Return a project approved by the purchaser, waiting for budget review."""
    personnel = (budget * Decimal("0.70")).quantize(Decimal("0.01"))
    management = (budget * Decimal("0.10")).quantize(Decimal("0.01"))
    project = project_create(
        actor=world.community, community=world.community_org, purchaser=world.purchaser_org,
        title="老年人关爱服务项目", category="elderly", objectives="提升社区老年人生活质量",
        target_groups="独居老人", fiscal_year=fiscal_year, funding_source="fiscal",
        duration_months=12,
        deliverables=[
            {"activity_type": "case", "description": "个案服务", "quantity": 10, "unit": "个",
             "unit_price": Decimal("300.00"), "min_quality": "每个个案不少于6次跟进"},
            {"activity_type": "small_event", "description": "社区小型活动", "quantity": 4,
             "unit": "场", "unit_price": Decimal("2000.00"), "min_quality": "每场不少于25人"},
        ],
        indicators=[
            {"category": "output", "name": "个案服务数", "target": Decimal("10"), "unit": "个",
             "deliverable_index": 0},
            {"category": "output", "name": "社区活动场次", "target": Decimal("4"), "unit": "场",
             "deliverable_index": 1},
            {"category": "satisfaction", "name": "服务对象满意度", "target": Decimal("90"), "unit": "%"},
        ],
        budget_lines=[
            {"category": "personnel", "amount": personnel},
            {"category": "management", "amount": management},
            {"category": "activities", "amount": budget - personnel - management},
        ],
    )
    project_submit(project=project, actor=world.community)
    project_approve(project=project, actor=world.purchaser)
    project.refresh_from_db()
    return project


def budget_confirmed_project(world: World, **kw) -> ServiceProject:
    """Return a project whose budget finance has committed."""
    project = approved_project(world, **kw)
    budget_confirm(project=project, envelope=world.envelope, actor=world.finance)
    project.refresh_from_db()
    return project


DEFAULT_PRICES = (Decimal("290000.00"), Decimal("280000.00"), Decimal("270000.00"))


def opened_tender(world: World, *, prices=DEFAULT_PRICES, method="open", price_weight=Decimal("10"),
                  project=None) -> Tender:
    """Return a tender whose bids (one per supplier, at prices) were submitted and opened."""
    project = project or budget_confirmed_project(world)
    deadline = timezone.now() + dt.timedelta(days=21)
    criteria = [
        {"name": "服务方案", "kind": "technical", "max_score": Decimal("50")},
        {"name": "团队与经验", "kind": "commercial", "max_score": 100 - Decimal("50") - Decimal(price_weight)},
        {"name": "价格", "kind": "price", "max_score": Decimal(price_weight)},
    ]
    tender = tender_publish(project=project, actor=world.purchaser, method=method, bid_deadline=deadline,
                            price_weight=price_weight, criteria=criteria)
    for i, price in enumerate(prices):
        bid_submit(tender=tender, actor=world.supplier_staff[i], organization=world.suppliers[i],
                   price=price, proposal="服务方案")
    with time_machine.travel(deadline + dt.timedelta(minutes=1)):
        bids_open(tender=tender, actor=None)
    tender.refresh_from_db()
    return tender


def equal_scores(tender: Tender) -> dict:
    """Return a scores payload giving every bid 40 technical + 30 commercial points."""
    criteria = {c.kind: c for c in tender.criteria.all()}
    return {bid.pk: {criteria["technical"].pk: Decimal("40"), criteria["commercial"].pk: Decimal("30")}
            for bid in tender.bids.filter(status=Bid.Status.QUALIFIED)}


def evaluated_tender(world: World, *, tender: Tender | None = None) -> Tender:
    """Return a tender scored by its whole committee with equal scores (the lowest price ranks first)."""
    tender = tender or opened_tender(world)
    committee = committee_form(tender=tender, actor=world.purchaser, seed="builders")
    for member in committee.members.all():
        scores_submit(member=member, actor=member.expert, scores=equal_scores(tender))
    tender.refresh_from_db()
    return tender


def signed_contract(world: World, *, tender: Tender | None = None, start=None) -> Contract:
    """Return a contract awarded and signed by both parties (first tranche due), project in delivery."""
    tender = evaluated_tender(world, tender=tender)
    award = award_confirm(tender=tender, actor=world.purchaser)
    contract = award.contract
    contract_sign(contract=contract, actor=world.purchaser)
    contract_sign(contract=contract, actor=supplier_staff_of(world, contract))
    if start is not None:
        Contract.objects.filter(pk=contract.pk).update(start_date=start, end_date=start + dt.timedelta(days=364))
    contract.refresh_from_db()
    return contract


def supplier_staff_of(world: World, contract: Contract):
    """Return the staff user of the contract's supplier."""
    return world.supplier_staff[world.suppliers.index(contract.supplier)]
