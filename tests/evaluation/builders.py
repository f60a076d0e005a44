"""Build a project at any stage of the chain for the finance/evaluation/delivery tests.

Stages up to an opened tender go through the real services that exist (project_create …
budget_confirm, tender_publish, bid_submit, bids_open). Bids, awards and contracts fall back to
minimal rows while procurement.services.bids / awards are not available.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import time_machine
from django.utils import timezone

from accounts.models import Organization
from accounts.roles import Role
from finance.models import BudgetEnvelope, PaymentTranche
from finance.services.budget import budget_confirm
from procurement.models import Award, Bid, Contract, ServiceProject, Tender
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
    """Return a tender whose bids (one per supplier, at prices) have been opened."""
    project = project or budget_confirmed_project(world)
    now = timezone.now()
    deadline = now + dt.timedelta(days=21)
    criteria = [
        {"name": "服务方案", "kind": "technical", "max_score": Decimal("50")},
        {"name": "团队与经验", "kind": "commercial", "max_score": 100 - Decimal("50") - Decimal(price_weight)},
        {"name": "价格", "kind": "price", "max_score": Decimal(price_weight)},
    ]
    tender = tender_publish(project=project, actor=world.purchaser, method=method, bid_deadline=deadline,
                            price_weight=price_weight, criteria=criteria)
    for i, price in enumerate(prices):
        Bid.objects.create(tender=tender, organization=world.suppliers[i], price=price,
                           proposal="服务方案", submitted_by=world.supplier_staff[i],
                           submitted_at=now + dt.timedelta(minutes=i))
    with time_machine.travel(deadline + dt.timedelta(minutes=1)):
        Tender.objects.filter(pk=tender.pk).update(status=Tender.Status.OPENED, opened_at=timezone.now())
    ServiceProject.objects.filter(pk=project.pk).update(status=ServiceProject.Status.EVALUATING)
    tender.refresh_from_db()
    return tender


def signed_contract(world: World, *, tender: Tender | None = None, start=None) -> Contract:
    """Return a signed contract with the default tranches (first one due), project in delivery."""
    tender = tender or opened_tender(world)
    bid = tender.bids.order_by("price").first()
    now = timezone.now()
    Tender.objects.filter(pk=tender.pk).update(status=Tender.Status.AWARDED)
    award = Award.objects.create(tender=tender, bid=bid, amount=bid.price, confirmed_by=world.purchaser,
                                 confirmed_at=now)
    start = start or (timezone.localdate() - dt.timedelta(days=30))
    contract = Contract.objects.create(
        award=award, project=tender.project, code=f"HT{YEAR}-{tender.pk:05d}",
        purchaser=tender.project.purchaser, supplier=bid.organization, amount=bid.price,
        start_date=start, end_date=start + dt.timedelta(days=364), status=Contract.Status.SIGNED,
        purchaser_signed_by=world.purchaser, purchaser_signed_at=now,
        supplier_signed_by=world.supplier_staff[world.suppliers.index(bid.organization)],
        supplier_signed_at=now,
    )
    conditions = [PaymentTranche.Condition.ON_SIGNING, PaymentTranche.Condition.MID_TERM,
                  PaymentTranche.Condition.FINAL]
    for seq, (percent, condition) in enumerate(zip((30, 40, 30), conditions, strict=True), start=1):
        PaymentTranche.objects.create(
            contract=contract, sequence=seq, condition=condition, percent=Decimal(percent),
            amount=(bid.price * percent / 100).quantize(Decimal("0.01")),
            status=PaymentTranche.Status.DUE if seq == 1 else PaymentTranche.Status.PENDING,
        )
    ServiceProject.objects.filter(pk=tender.project_id).update(status=ServiceProject.Status.IN_DELIVERY)
    contract.refresh_from_db()
    return contract


def supplier_staff_of(world: World, contract: Contract):
    """Return the staff user of the contract's supplier."""
    return world.supplier_staff[world.suppliers.index(contract.supplier)]
