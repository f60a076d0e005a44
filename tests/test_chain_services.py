"""One project walked from a resident's need to its final payment and closure, services only.

Every step asserts the state it changed, the audit rows it wrote (action and actor) and the
notifications it left for the next actor — exactly those recipients, nobody else.
"""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine

from accounts.roles import Role
from core.audit import verify_chain
from core.models import AuditEntry, Notification
from demo.cast import cast_build
from demo.projects import CRITERIA, PARTY_SCORES, PRICE_WEIGHT, project_rows
from demo.stages import aware
from tests.worlds import bid_files

pytestmark = pytest.mark.django_db

START = aware(2026, 3, 2, 9)  # a Monday


class Ledger:
    """The audit rows and notifications written since the previous call."""

    def __init__(self):
        self.audit_mark = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        self.note_mark = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def take(self):
        audits = list(AuditEntry.objects.filter(pk__gt=self.audit_mark).order_by("pk"))
        notes = list(Notification.objects.filter(pk__gt=self.note_mark).select_related("recipient")
                     .order_by("pk"))
        if audits:
            self.audit_mark = audits[-1].pk
        if notes:
            self.note_mark = notes[-1].pk
        return [(a.action, a.actor.username if a.actor_id else None) for a in audits], notes

    def step(self, actions, notified=None):
        """Assert the audit rows since the last step and return {title: recipients}."""
        audits, notes = self.take()
        assert audits == actions
        by_title = {}
        for note in notes:
            by_title.setdefault(note.title, set()).add(note.recipient.username)
        if notified is not None:
            assert {u for users in by_title.values() for u in users} == set(notified), by_title
        return by_title


def _titled(by_title, prefix) -> set:
    matches = [users for title, users in by_title.items() if title.startswith(prefix)]
    assert matches, f"no notification titled {prefix!r}… in {list(by_title)}"
    return set().union(*matches)


@pytest.fixture
def traveller():
    with time_machine.travel(START, tick=False) as frozen:
        yield frozen


def test_one_project_from_need_to_final_payment(traveller):
    from delivery.models import MilestoneReport
    from delivery.services.milestones import milestone_accept, milestone_submit
    from delivery.services.records import service_record_add
    from evaluation.models import PerformanceEvaluation
    from evaluation.services.committees import committee_form
    from evaluation.services.performance import party_score_submit, satisfaction_submit
    from evaluation.services.scoring import scores_submit
    from finance.models import BudgetCommitment, PaymentTranche
    from finance.services.budget import budget_confirm
    from finance.services.tranches import tranche_approve, tranche_pay
    from procurement.models import Bid, Contract, Need, ServiceProject, Tender
    from procurement.services.awards import award_confirm
    from procurement.services.bids import bid_submit
    from procurement.services.contracts import contract_sign
    from procurement.services.needs import need_accept, need_submit, need_support
    from procurement.services.projects import (
        project_approve,
        project_close,
        project_create,
        project_submit,
    )
    from procurement.services.tenders import tender_publish
    from procurement.tasks import open_due_tenders

    cast = cast_build()
    users = cast.users
    longquan = cast.communities["龙泉社区"]
    purchaser_staff = {"mz_wang", "mz_li"}
    ledger = Ledger()

    def at(days, hour=10):
        traveller.move_to(START + datetime.timedelta(days=days, hours=hour - 9))

    # 1. 居民提出需求 ----------------------------------------------------------------------------
    need = need_submit(actor=users["jm_chen"], community=longquan, title="独居老人需要上门探访",
                       category="elderly", target_group="独居老人",
                       description="楼里有不少独居老人，希望社工定期上门。")
    assert need.status == Need.Status.SUBMITTED and need.submitted_by == users["jm_chen"]
    ledger.step([("need.submit", "jm_chen")], notified={"sq_longquan"})

    need_support(need=need, actor=users["jm_liu"])
    assert need.supports.count() == 1
    ledger.step([("need.support", "jm_liu")], notified=set())

    need_accept(need=need, actor=users["sq_longquan"], reason="纳入年度项目")
    need.refresh_from_db()
    assert need.status == Need.Status.ACCEPTED and need.decided_by == users["sq_longquan"]
    ledger.step([("need.accept", "sq_longquan")], notified={"jm_chen"})

    # 2. 社区设计项目 ----------------------------------------------------------------------------
    at(1)
    from demo.projects import PROJECTS

    rows = project_rows(PROJECTS[0])
    project = project_create(
        actor=users["sq_longquan"], community=longquan, purchaser=cast.purchaser,
        title="龙泉社区居家养老服务项目", category="elderly", objectives="探访关怀",
        target_groups="独居老人", fiscal_year=2026, funding_source="fiscal", duration_months=3,
        needs=[need], **rows,
    )
    assert project.status == ServiceProject.Status.DRAFT
    assert project.budget_amount == sum(line["amount"] for line in rows["budget_lines"]) == Decimal("200000.00")
    assert list(project.needs.all()) == [need]
    ledger.step([("project.create", "sq_longquan")], notified=set())

    project_submit(project=project, actor=users["sq_longquan"])
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.SUBMITTED
    ledger.step([("project.submit", "sq_longquan")], notified=purchaser_staff)

    # 3. 立项与预算审核 --------------------------------------------------------------------------
    at(2)
    project_approve(project=project, actor=users["mz_wang"], comment="同意")
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.APPROVED and project.approved_at is not None
    notes = ledger.step([("project.approve", "mz_wang")], notified={"cz_zhao", "cz_qian", "sq_longquan"})
    assert _titled(notes, "服务项目待预算审核") == {"cz_zhao", "cz_qian"}

    at(3)
    envelope = cast.envelopes["fiscal"]
    commitment = budget_confirm(project=project, envelope=envelope, actor=users["cz_zhao"])
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.BUDGET_CONFIRMED
    assert (commitment.envelope, commitment.amount, commitment.status) == (
        envelope, Decimal("200000.00"), BudgetCommitment.Status.COMMITTED)
    ledger.step([("budget.confirm", "cz_zhao")], notified=purchaser_staff)

    # 4. 采购 ---------------------------------------------------------------------------------
    at(4)
    deadline = aware(2026, 3, 20, 10)  # 14 days after publication (磋商: ≥ 10)
    tender = tender_publish(project=project, actor=users["mz_wang"], method=Tender.Method.CONSULTATION,
                            bid_deadline=deadline, price_weight=PRICE_WEIGHT, criteria=CRITERIA)
    project.refresh_from_db()
    assert tender.status == Tender.Status.PUBLISHED and project.status == ServiceProject.Status.TENDERING
    assert tender.budget_amount == project.budget_amount and tender.criteria.count() == 4
    ledger.step([("tender.publish", "mz_wang")], notified={"sq_longquan"})

    # 5. 投标 ---------------------------------------------------------------------------------
    at(6)
    prices = {"yangguang": Decimal("188000"), "hemei": Decimal("192000"), "chunhui": Decimal("196000")}
    bids = {}
    for key, price in prices.items():
        org = cast.social_orgs[key]
        staff = f"org_{key}"
        bids[key] = bid_submit(files=bid_files(), tender=tender, actor=users[staff],
                               organization=org, price=price, proposal=f"{org.name}的服务方案")
        assert bids[key].status == Bid.Status.SUBMITTED
        audits, notes = ledger.take()
        # The bid's document is stored (and audited) first, inside the same transaction.
        assert audits == [("file.upload", staff), ("bid.submit", staff)]
        # The audit log is readable before the opening: it never carries the price.
        assert str(price) not in str(AuditEntry.objects.order_by("-pk").first().after)
        assert {n.recipient.username for n in notes} == {staff}

    # The deadline has not passed: the beat task opens nothing.
    at(15)
    assert open_due_tenders() == []
    tender.refresh_from_db()
    assert tender.status == Tender.Status.PUBLISHED
    ledger.step([], notified=set())

    traveller.move_to(deadline + datetime.timedelta(minutes=1))
    assert open_due_tenders() == [tender.pk]
    tender.refresh_from_db()
    project.refresh_from_db()
    assert tender.status == Tender.Status.OPENED and tender.opened_at is not None
    assert project.status == ServiceProject.Status.EVALUATING
    assert set(tender.bids.values_list("status", flat=True)) == {Bid.Status.QUALIFIED}
    # The opening decrypts the sealed bids (procurement.sealing), then opens the tender.
    notes = ledger.step([("tender.bids_unseal", None), ("tender.open", None)],
                        notified=purchaser_staff | {"org_yangguang", "org_hemei", "org_chunhui"})
    assert _titled(notes, "已开标，请组建评标委员会") == purchaser_staff
    # A second run of the beat task changes nothing.
    assert open_due_tenders() == []
    ledger.step([], notified=set())

    # 6. 评审 ---------------------------------------------------------------------------------
    at(18, 11)
    committee = committee_form(tender=tender, actor=users["mz_wang"], seed="chain-test")
    members = list(committee.members.select_related("expert").order_by("pk"))
    experts = {m.expert.username for m in members}
    assert len(members) == 3 and experts <= {"zj_qian", "zj_sun", "zj_zhou", "zj_wu", "zj_he", "zj_ma"}
    assert "zj_zheng" not in experts  # recused from 阳光 (a bidder)
    tender.refresh_from_db()
    assert tender.status == Tender.Status.EVALUATING
    ledger.step([("committee.form", "mz_wang")], notified=experts)

    criteria = [c for c in tender.criteria.all() if c.kind != "price"]
    quality = {"yangguang": Decimal("0.9"), "hemei": Decimal("0.8"), "chunhui": Decimal("0.7")}
    for index, member in enumerate(members):
        at(18, 14 + index)
        scores = {bids[k].pk: {c.pk: c.max_score * q for c in criteria} for k, q in quality.items()}
        scores_submit(member=member, actor=member.expert, scores=scores)
        last = index == len(members) - 1
        expected = [("scores.submit", member.expert.username)]
        if last:
            expected.append(("tender.evaluated", None))
        ledger.step(expected, notified=purchaser_staff if last else set())
    tender.refresh_from_db()
    assert tender.status == Tender.Status.EVALUATED
    ranked = list(tender.bids.order_by("rank").values_list("organization__name", "rank", "price_score"))
    assert ranked[0][:2] == (cast.social_orgs["yangguang"].name, 1)
    assert ranked[0][2] == Decimal("20.00")  # lowest price gets the full price weight

    # 7. 授标与合同 ----------------------------------------------------------------------------
    at(19)
    award = award_confirm(tender=tender, actor=users["mz_wang"])
    contract = award.contract
    project.refresh_from_db()
    tender.refresh_from_db()
    assert award.bid == bids["yangguang"] and award.amount == Decimal("188000.00")
    assert tender.status == Tender.Status.AWARDED and project.status == ServiceProject.Status.AWARDED
    assert contract.status == Contract.Status.DRAFT and contract.supplier == cast.social_orgs["yangguang"]
    tranches = list(contract.tranches.order_by("sequence"))
    assert [t.percent for t in tranches] == [30, 40, 30]
    assert sum(t.amount for t in tranches) == contract.amount
    notes = ledger.step([("award.confirm", "mz_wang")],
                        notified=purchaser_staff | {"org_yangguang", "org_hemei", "org_chunhui",
                                                    "sq_longquan"})
    assert _titled(notes, "中标通知") == {"org_yangguang"}
    assert _titled(notes, "未中标通知") == {"org_hemei", "org_chunhui"}

    at(24)
    contract_sign(contract=contract, actor=users["mz_wang"])
    contract.refresh_from_db()
    assert contract.status == Contract.Status.DRAFT and contract.purchaser_signed_by == users["mz_wang"]
    ledger.step([("contract.sign", "mz_wang")], notified={"org_yangguang"})

    at(24, 15)
    contract_sign(contract=contract, actor=users["org_yangguang"])
    contract.refresh_from_db()
    project.refresh_from_db()
    assert contract.status == Contract.Status.SIGNED
    assert project.status == ServiceProject.Status.IN_DELIVERY
    assert contract.tranches.get(sequence=1).status == PaymentTranche.Status.DUE
    notes = ledger.step([("contract.sign", "org_yangguang")],
                        notified=purchaser_staff | {"cz_zhao", "cz_qian", "org_yangguang", "sq_longquan"})
    assert _titled(notes, "合同已签订，首期款待审核") == {"cz_zhao", "cz_qian"}

    def pay(sequence, day, *, last=False):
        tranche = contract.tranches.get(sequence=sequence)
        at(day)
        tranche_approve(tranche=tranche, actor=users["cz_zhao"])
        tranche.refresh_from_db()
        assert tranche.status == PaymentTranche.Status.APPROVED
        ledger.step([("tranche.approve", "cz_zhao")], notified=set())
        at(day + 1)
        payment = tranche_pay(tranche=tranche, actor=users["cz_qian"], voucher_number=f"PZ-{sequence}")
        tranche.refresh_from_db()
        assert tranche.status == PaymentTranche.Status.PAID
        assert payment.amount == (tranche.payable_amount or tranche.amount)
        notes = ledger.step([("tranche.pay", "cz_qian")],
                            notified={"org_yangguang"} | (purchaser_staff if last else set()))
        if last:
            assert _titled(notes, "项目 ") == purchaser_staff
        return payment

    pay(1, 25)

    # 8. 社工执行 -----------------------------------------------------------------------------
    at(27, 18)
    deliverable = project.deliverables.get(activity_type="large_event")
    record = service_record_add(contract=contract, actor=users["sg_lin"], deliverable=deliverable,
                                served_on=datetime.date(2026, 3, 29), site="龙泉社区活动中心",
                                participants=230, description="重阳敬老大型活动")
    assert re.fullmatch(rf"LEV-C{contract.pk:03d}-20260329-S01-W01", record.code)
    assert record.is_late is False
    ledger.step([("service_record.add", "sg_lin")], notified=set())

    at(55)
    mid = milestone_submit(contract=contract, actor=users["org_yangguang"], kind="mid_term",
                           summary="中期执行情况")
    assert mid.status == MilestoneReport.Status.SUBMITTED
    ledger.step([("milestone.submit", "org_yangguang")], notified=purchaser_staff)

    at(57)
    milestone_accept(report=mid, actor=users["mz_wang"], comment="通过")
    assert contract.tranches.get(sequence=2).status == PaymentTranche.Status.DUE
    ledger.step([("milestone.accept", "mz_wang")], notified={"org_yangguang", "cz_zhao", "cz_qian"})
    pay(2, 58)

    at(85)
    final = milestone_submit(contract=contract, actor=users["org_yangguang"], kind="final",
                             summary="终期执行情况")
    ledger.step([("milestone.submit", "org_yangguang")], notified=purchaser_staff)

    # 9. 多方绩效评价 --------------------------------------------------------------------------
    at(87)
    milestone_accept(report=final, actor=users["mz_wang"], comment="履约验收合格")
    project.refresh_from_db()
    evaluation = PerformanceEvaluation.objects.get(contract=contract)
    assert project.status == ServiceProject.Status.PERFORMANCE_REVIEW
    third = evaluation.third_party_expert.username
    assert third != "zj_zheng"  # recused from the supplier
    notes = ledger.step([("milestone.accept", "mz_wang"), ("performance.open", "mz_wang")],
                        notified=purchaser_staff | {"org_yangguang", "sq_longquan", third,
                                                    "jm_chen", "jm_liu"})
    assert {"jm_chen", "jm_liu"} <= _titled(notes, "绩效评价")

    at(88)
    for resident, score in (("jm_chen", 95), ("jm_liu", 85)):
        satisfaction_submit(evaluation=evaluation, actor=users[resident], score=score)
        ledger.step([("performance.satisfaction", resident)], notified=set())
    parties = [("purchaser", "mz_wang"), ("community", "sq_longquan"), ("self", "org_yangguang"),
               ("third_party", third)]
    for index, (party, username) in enumerate(parties):
        party_score_submit(evaluation=evaluation, party=party, actor=users[username],
                           category_scores={k: Decimal(v) for k, v in PARTY_SCORES[party].items()})
        last = index == len(parties) - 1
        expected = [("performance.party_score", username)]
        if last:
            expected.append(("performance.finalize", None))
        notes = ledger.step(expected,
                            notified=(purchaser_staff | {"cz_zhao", "cz_qian", "org_yangguang"}) if last else set())
    evaluation.refresh_from_db()
    project.refresh_from_db()
    # (30×91 purchaser + 20×93 community + 30×89 third party + 10×90 residents' mean
    #  + 10×95 self) / 100 = 91.10 → 优
    assert evaluation.status == PerformanceEvaluation.Status.FINALIZED
    assert evaluation.total == Decimal("91.10") and evaluation.grade == "excellent"
    assert project.status == ServiceProject.Status.SETTLEMENT
    final_tranche = contract.tranches.get(sequence=3)
    assert final_tranche.status == PaymentTranche.Status.DUE
    assert final_tranche.payable_amount == final_tranche.amount  # 优 → 100 %
    assert _titled(notes, "绩效评价完成，尾款待审核") == {"cz_zhao", "cz_qian"}

    # 10. 资金拨付与结项 -----------------------------------------------------------------------
    pay(3, 90, last=True)

    at(92)
    project_close(project=project, actor=users["mz_wang"])
    project.refresh_from_db()
    contract.refresh_from_db()
    commitment.refresh_from_db()
    assert project.status == ServiceProject.Status.CLOSED and project.closed_at is not None
    assert contract.status == Contract.Status.COMPLETED
    paid = sum(t.payment.amount for t in contract.tranches.all())
    assert paid == contract.amount == commitment.amount  # the unspent 12,000 went back
    ledger.step([("project.close", "mz_wang"), ("budget.settle", "mz_wang")],
                notified={"sq_longquan", "org_yangguang"})

    # Nobody outside the chain was ever notified; the audit chain is intact.
    outsiders = {"admin", "operator", *[u for u, p in cast.people.items() if p.role == Role.SOCIAL_WORKER]}
    assert not Notification.objects.filter(recipient__username__in=outsiders).exists()
    assert verify_chain() == (True, None, "ok")
