"""Fast row builders for page tests: many projects at chosen stages, written with the ORM.

Query-count pins need dozens of rows in every state; walking each through the services would
make the suite slow, so these builders write the rows directly (the chain tests walk the
services). Every row is consistent with the model constraints.
"""

import contextlib
import datetime
import importlib
from dataclasses import dataclass, field
from decimal import Decimal
from unittest import mock

from django.utils import timezone

from accounts.models import Organization
from accounts.roles import Role
from evaluation.models import CommitteeMember, EvaluationCommittee, PerformanceEvaluation
from finance.models import BudgetCommitment, BudgetEnvelope, Payment, PaymentTranche
from procurement.models import (
    Award,
    Bid,
    Contract,
    Deliverable,
    FundingSource,
    Need,
    NeedSupport,
    ServiceProject,
    Tender,
    TenderCriterion,
)
from tests.factories import (
    DivisionFactory,
    OrganizationFactory,
    SocialWorkerProfileFactory,
    tianjiaan,
    user_with_role,
)


@dataclass
class World:
    """Organizations and one user per role, shared by the rows of a test."""

    purchaser: Organization
    community: Organization
    finance: Organization
    supplier: Organization
    rival: Organization
    users: dict = field(default_factory=dict)
    envelope: BudgetEnvelope | None = None


def world_create(suffix: str = "") -> World:
    """Create the organizations of one district and a user for each role.

    A second world (suffix given) lives in its own street division with its own envelope.
    """
    division = DivisionFactory() if suffix else tianjiaan()
    w = World(
        purchaser=OrganizationFactory(purchaser=True, name=f"田家庵区民政局{suffix}",
                                      division=division),
        community=OrganizationFactory(community=True, name=f"舜耕社区居委会{suffix}",
                                      division=division),
        finance=OrganizationFactory(finance=True, name=f"田家庵区财政局{suffix}",
                                    division=division),
        supplier=OrganizationFactory(social_org=True, name=f"淮南市阳光社会工作服务中心{suffix}",
                                     division=division),
        rival=OrganizationFactory(social_org=True, name=f"淮南市同心社工服务社{suffix}",
                                  division=division),
    )
    w.users = {
        "purchaser": user_with_role(Role.PURCHASER, w.purchaser),
        "community": user_with_role(Role.COMMUNITY, w.community),
        "resident": user_with_role(Role.RESIDENT, w.community),
        "finance": user_with_role(Role.FINANCE, w.finance),
        "social_org": user_with_role(Role.SOCIAL_ORG, w.supplier),
        "rival": user_with_role(Role.SOCIAL_ORG, w.rival),
        "social_worker": user_with_role(Role.SOCIAL_WORKER, w.supplier),
        "expert": user_with_role(Role.EXPERT),
    }
    SocialWorkerProfileFactory(user=w.users["social_worker"], organization=w.supplier)
    year = timezone.localdate().year
    w.envelope = BudgetEnvelope.objects.create(
        fiscal_year=year, funding_source=FundingSource.FISCAL, division=division,
        finance_bureau=w.finance, name=f"{year}年社区服务购买预算", amount=Decimal("100000000"),
    )
    return w


_seq = iter(range(1, 10**6))

STAGES = ("draft", "submitted", "budget_confirmed", "published", "opened", "awarded", "signed",
          "closed")


def projects_create(w: World, n: int, stage: str = "closed") -> list[ServiceProject]:
    """Create n projects of the world resting at stage (one of STAGES), with related rows."""
    now = timezone.now()
    user = w.users["community"]
    status = {
        "draft": ServiceProject.Status.DRAFT, "submitted": ServiceProject.Status.SUBMITTED,
        "budget_confirmed": ServiceProject.Status.BUDGET_CONFIRMED,
        "published": ServiceProject.Status.TENDERING, "opened": ServiceProject.Status.EVALUATING,
        "awarded": ServiceProject.Status.AWARDED, "signed": ServiceProject.Status.IN_DELIVERY,
        "closed": ServiceProject.Status.CLOSED,
    }[stage]
    level = STAGES.index(stage)
    projects = []
    for _ in range(n):
        i = next(_seq)
        need = Need.objects.create(
            title=f"老年人助餐需求{i}", category="elderly", target_group="独居老人",
            community=w.community, description="希望社区提供助餐服务。",
            submitted_by=w.users["resident"], status=Need.Status.ACCEPTED,
        )
        NeedSupport.objects.create(need=need, user=w.users["community"])
        Need.objects.create(
            title=f"广场舞音响需求{i}", category="culture", target_group="居民",
            community=w.community, description="购买音响。", submitted_by=w.users["resident"],
            status=Need.Status.DECLINED, decision_reason="不属于政府购买服务范围。",
            decided_at=now,
        )
        p = ServiceProject.objects.create(
            code=f"XM{i:06d}", title=f"舜耕社区居家养老服务项目{i}", category="elderly",
            community=w.community, purchaser=w.purchaser, objectives="为独居老人提供助餐和探访。",
            target_groups="独居老人", fiscal_year=w.envelope.fiscal_year,
            funding_source=FundingSource.FISCAL, budget_amount=Decimal("100000.00"),
            duration_months=12, status=status, created_by=user,
        )
        p.needs.add(need)
        d = Deliverable.objects.create(project=p, activity_type="case", description="个案服务",
                                       quantity=20, unit="个", unit_price=Decimal("300"))
        projects.append(p)
        if level < STAGES.index("budget_confirmed"):
            continue
        BudgetCommitment.objects.create(envelope=w.envelope, project=p, amount=p.budget_amount,
                                        committed_by=w.users["finance"], committed_at=now)
        if level < STAGES.index("published"):
            continue
        opened = level >= STAGES.index("opened")
        deadline = now - datetime.timedelta(days=1) if opened else now + datetime.timedelta(days=20)
        t = Tender.objects.create(
            project=p, code=f"CG{i:06d}", title=p.title, method=Tender.Method.CONSULTATION,
            budget_amount=p.budget_amount, price_weight=Decimal("10"), bid_deadline=deadline,
            status=Tender.Status.PUBLISHED, published_at=deadline - datetime.timedelta(days=20),
            published_by=w.users["purchaser"],
        )
        TenderCriterion.objects.create(tender=t, name="价格", kind="price", max_score=10)
        TenderCriterion.objects.create(tender=t, name="服务方案", kind="technical", max_score=90)
        bid = Bid.objects.create(tender=t, organization=w.supplier, price=Decimal("95000.00"),
                                 proposal="方案甲", submitted_by=w.users["social_org"],
                                 submitted_at=deadline - datetime.timedelta(days=2))
        Bid.objects.create(tender=t, organization=w.rival, price=Decimal("98000.00"),
                           proposal="方案乙", submitted_by=w.users["rival"],
                           submitted_at=deadline - datetime.timedelta(days=2))
        if not opened:
            continue
        t.status = Tender.Status.OPENED
        t.opened_at = deadline
        t.save(update_fields=["status", "opened_at"])
        committee = EvaluationCommittee.objects.create(tender=t, formed_by=w.users["purchaser"],
                                                       formed_at=now, draw_seed="x")
        CommitteeMember.objects.create(committee=committee, expert=w.users["expert"],
                                       is_chair=True)
        if level < STAGES.index("awarded"):
            continue
        t.status = Tender.Status.AWARDED
        t.save(update_fields=["status"])
        award = Award.objects.create(tender=t, bid=bid, amount=bid.price,
                                     confirmed_by=w.users["purchaser"], confirmed_at=now)
        signed = level >= STAGES.index("signed")
        c = Contract.objects.create(
            award=award, project=p, code=f"HT{i:06d}", purchaser=w.purchaser, supplier=w.supplier,
            amount=bid.price, start_date=timezone.localdate(),
            end_date=timezone.localdate() + datetime.timedelta(days=360),
            status=Contract.Status.SIGNED if signed else Contract.Status.DRAFT,
            purchaser_signed_by=w.users["purchaser"] if signed else None,
            purchaser_signed_at=now if signed else None,
            supplier_signed_by=w.users["social_org"] if signed else None,
            supplier_signed_at=now if signed else None,
        )
        closed = level >= STAGES.index("closed")
        for seq, (cond, pct) in enumerate(
            [("on_signing", 30), ("mid_term", 40), ("final", 30)], start=1
        ):
            tr = PaymentTranche.objects.create(
                contract=c, sequence=seq, condition=cond, percent=Decimal(pct),
                amount=(c.amount * pct / 100).quantize(Decimal("0.01")),
                status=PaymentTranche.Status.PAID if closed else PaymentTranche.Status.PENDING,
            )
            if closed:
                Payment.objects.create(tranche=tr, amount=tr.amount, voucher_number=f"PZ{i}-{seq}",
                                       paid_by=w.users["finance"], paid_at=now)
        if closed:
            from delivery.models import MilestoneReport, ServiceRecord

            MilestoneReport.objects.create(
                contract=c, kind="final", summary="终期报告", status="accepted",
                submitted_by=w.users["social_org"], submitted_at=now,
                decided_by=w.users["purchaser"], decided_at=now,
            )

            ServiceRecord.objects.create(
                contract=c, deliverable=d, code=f"CASE-{c.code}-{i}", served_on=timezone.localdate(),
                site="舜耕", participants=1, description="入户探访", recorded_at=now,
                social_worker=w.users["social_worker"],
            )
            PerformanceEvaluation.objects.create(
                contract=c, status=PerformanceEvaluation.Status.FINALIZED, opened_at=now,
                total=Decimal("91.50"), grade=PerformanceEvaluation.Grade.EXCELLENT,
                finalized_at=now,
            )
    return projects


@contextlib.contextmanager
def fake_builder(name: str, data: bytes = b"%PDF-1.7 fake"):
    """Replace the document builder <name> with a mock returning data (fast header tests)."""
    module = importlib.import_module(
        "procurement.documents" if name.startswith("contract_") else "evaluation.documents")
    with mock.patch.object(module, name, return_value=data) as builder:
        yield builder
