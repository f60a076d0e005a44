"""A district and a project at any procurement stage, built through the real services."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Organization
from accounts.roles import Role
from core import calendar
from core.models import AuditEntry
from finance.models import BudgetEnvelope
from finance.services.budget import budget_confirm
from procurement.models import Bid, ServiceProject, Tender
from procurement.services.bids import bid_submit, bids_open
from procurement.services.projects import project_approve, project_create, project_submit
from procurement.services.tenders import tender_publish
from tests.factories import (
    ExpertProfileFactory,
    OrganizationFactory,
    huainan,
    tianjiaan,
    user_with_role,
)

TZ = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # a Monday, no holiday nearby
YEAR = 2026
BUDGET = Decimal("300000.00")
PRICES = (Decimal("290000.00"), Decimal("280000.00"), Decimal("270000.00"))


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture
def clock():
    """Freeze time at START (Monday 2026-03-02 09:00 Asia/Shanghai); move it with clock.move_to."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


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
    # the same roles in other organizations, for "right role, other organization" denials
    other_purchaser: object = None
    other_community: object = None
    other_supplier_staff: object = None
    other_resident: object = None
    admin: object = None
    superuser: object = None
    experts: list = field(default_factory=list)

    def users(self) -> dict:
        return {
            "resident": self.resident, "community": self.community, "purchaser": self.purchaser,
            "finance": self.finance, "social_org": self.supplier_staff[0],
            "other_purchaser": self.other_purchaser, "other_community": self.other_community,
            "other_social_org": self.other_supplier_staff, "other_resident": self.other_resident,
            "admin": self.admin, "superuser": self.superuser,
        }


@pytest.fixture
def world(db, clock) -> World:
    district = tianjiaan()
    purchaser_org = OrganizationFactory(kind=Organization.Kind.PURCHASER, division=district)
    community_org = OrganizationFactory(kind=Organization.Kind.COMMUNITY, division=district)
    finance_org = OrganizationFactory(kind=Organization.Kind.FINANCE, division=huainan())
    suppliers = [OrganizationFactory(kind=Organization.Kind.SOCIAL_ORG) for _ in range(4)]
    envelope = BudgetEnvelope.objects.create(
        fiscal_year=YEAR, funding_source="fiscal", division=huainan(), finance_bureau=finance_org,
        name="2026年社区服务购买预算", amount=Decimal("10000000.00"),
    )
    w = World(
        purchaser_org=purchaser_org, community_org=community_org, finance_org=finance_org,
        suppliers=suppliers,
        purchaser=user_with_role(Role.PURCHASER, purchaser_org, username="purchaser"),
        community=user_with_role(Role.COMMUNITY, community_org, username="community"),
        finance=user_with_role(Role.FINANCE, finance_org, username="finance"),
        supplier_staff=[user_with_role(Role.SOCIAL_ORG, org, username=f"supplier{i}")
                        for i, org in enumerate(suppliers)],
        resident=user_with_role(Role.RESIDENT, community_org, username="resident"),
        envelope=envelope,
    )
    w.other_purchaser = user_with_role(Role.PURCHASER, username="other_purchaser")
    w.other_community = user_with_role(Role.COMMUNITY, username="other_community")
    w.other_supplier_staff = user_with_role(Role.SOCIAL_ORG, username="other_supplier")
    w.other_resident = user_with_role(Role.RESIDENT, username="other_resident")
    w.admin = user_with_role(Role.ADMIN, username="platform_admin")
    from tests.factories import UserFactory

    w.superuser = UserFactory(username="root", superuser=True)
    return w


def make_project(w: World, *, budget=BUDGET, duration_months=12, **kw) -> ServiceProject:
    personnel = (budget * Decimal("0.70")).quantize(Decimal("0.01"))
    management = (budget * Decimal("0.10")).quantize(Decimal("0.01"))
    args = dict(
        actor=w.community, community=w.community_org, purchaser=w.purchaser_org,
        title="老年人关爱服务项目", category="elderly", objectives="提升社区老年人生活质量",
        target_groups="独居老人", fiscal_year=YEAR, funding_source="fiscal",
        duration_months=duration_months,
        deliverables=[
            {"activity_type": "case", "description": "个案服务", "quantity": 10, "unit": "个",
             "unit_price": Decimal("300.00"), "min_quality": "每个个案不少于6次跟进"},
        ],
        indicators=[
            {"category": "output", "name": "个案服务数", "target": Decimal("10"), "unit": "个",
             "deliverable_index": 0},
        ],
        budget_lines=[
            {"category": "personnel", "amount": personnel},
            {"category": "management", "amount": management},
            {"category": "activities", "amount": budget - personnel - management},
        ],
    )
    args.update(kw)
    return project_create(**args)


def approved_project(w: World, **kw) -> ServiceProject:
    project = make_project(w, **kw)
    project_submit(project=project, actor=w.community)
    project_approve(project=project, actor=w.purchaser)
    project.refresh_from_db()
    return project


def confirmed_project(w: World, **kw) -> ServiceProject:
    """Return a project whose budget finance confirmed through finance.services.budget_confirm."""
    project = approved_project(w, **kw)
    budget_confirm(project=project, envelope=w.envelope, actor=w.finance)
    project.refresh_from_db()
    return project


def criteria(price_weight=Decimal("10")):
    price_weight = Decimal(price_weight)
    return [
        {"name": "服务方案", "kind": "technical", "max_score": Decimal("50")},
        {"name": "团队与经验", "kind": "commercial", "max_score": Decimal("50") - price_weight},
        {"name": "价格", "kind": "price", "max_score": price_weight},
    ]


def publish(w: World, project=None, *, method="open", days=21, price_weight=Decimal("10"),
            **kw) -> Tender:
    from django.utils import timezone

    project = project or confirmed_project(w)
    return tender_publish(project=project, actor=w.purchaser, method=method,
                          bid_deadline=timezone.now() + dt.timedelta(days=days),
                          price_weight=price_weight, criteria=criteria(price_weight), **kw)


def submit_bids(w: World, tender: Tender, prices=PRICES) -> list[Bid]:
    return [
        bid_submit(tender=tender, actor=w.supplier_staff[i], organization=w.suppliers[i],
                   price=price, proposal=f"服务方案{i}")
        for i, price in enumerate(prices)
    ]


def open_at_deadline(clock, tender: Tender, actor=None) -> Tender:
    clock.move_to(tender.bid_deadline + dt.timedelta(minutes=1))
    return bids_open(tender=tender, actor=actor)


def audit_count(action=None) -> int:
    qs = AuditEntry.objects.all()
    return qs.filter(action=action).count() if action else qs.count()


def evaluate(w: World, tender: Tender) -> Tender:
    """Form the committee and have every expert score, through the evaluation services."""
    from evaluation.services.committees import committee_form
    from evaluation.services.scoring import scores_submit

    for _ in range(5 - len(w.experts)):
        user = user_with_role(Role.EXPERT)
        ExpertProfileFactory(user=user)
        w.experts.append(user)
    committee = committee_form(tender=tender, actor=w.purchaser, seed="fixed")
    criteria_ids = [c.pk for c in tender.criteria.all() if c.kind != "price"]
    bids = list(tender.bids.filter(status=Bid.Status.QUALIFIED))
    for member in committee.members.all():
        scores = {b.pk: {cid: Decimal("15") for cid in criteria_ids} for b in bids}
        scores_submit(member=member, actor=member.expert, scores=scores)
    tender.refresh_from_db()
    return tender
