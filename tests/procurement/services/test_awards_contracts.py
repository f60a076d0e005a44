import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from core.exceptions import PermissionDenied, ServiceError
from core.models import AuditEntry, Notification
from finance.models import PaymentTranche
from finance.services.tranches import tranche_plan
from procurement.models import Award, Contract, ServiceProject, Tender
from procurement.services.awards import award_confirm, award_confirm_due, contract_sign_due
from procurement.services.contracts import contract_sign
from tests.worlds import (
    TZ,
    audit_count,
    bids_opened_at_deadline,
    bids_submitted,
    tender_evaluated,
    tender_published,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluated(world, clock):
    tender = tender_published(world)
    bids_submitted(world, tender, prices=[Decimal("290000.00"), Decimal("280000.00"),
                                       Decimal("270000.01")])
    bids_opened_at_deadline(clock, tender)
    return tender_evaluated(world, tender=tender, technical=15, commercial=15, seed="fixed")


def test_tranche_plan_sums_exactly_with_remainder_on_last():
    plan = tranche_plan(Decimal("270000.01"))
    assert [p for _c, p, _a in plan] == [30, 40, 30]
    assert [c for c, _p, _a in plan] == ["on_signing", "mid_term", "final"]
    assert [a for _c, _p, a in plan] == [Decimal("81000.00"), Decimal("108000.00"),
                                         Decimal("81000.01")]
    assert sum(a for _c, _p, a in plan) == Decimal("270000.01")
    odd = tranche_plan(Decimal("100.00"), percents=[33.33, 33.33, 33.34])
    assert sum(a for _c, _p, a in odd) == Decimal("100.00")
    with pytest.raises(ServiceError):
        tranche_plan(Decimal("100.00"), percents=[30, 40, 20])


def test_award_confirm_creates_contract_and_tranches(world, evaluated):
    tender = evaluated
    assert tender.status == Tender.Status.EVALUATED
    winner = tender.bids.get(rank=1)
    assert winner.price == Decimal("270000.01")  # same technical scores: lowest price wins
    award = award_confirm(tender=tender, actor=world.purchaser, reason="排名第一")
    assert award.bid == winner and award.amount == winner.price
    contract = award.contract
    assert contract.code.startswith("HT2026-")
    assert contract.purchaser == world.purchaser_org and contract.supplier == winner.organization
    assert contract.amount == winner.price
    assert contract.start_date == dt.date(2026, 3, 23)  # the award day (after the deadline)
    assert contract.end_date == dt.date(2027, 3, 22)   # 12 months
    tranches = list(contract.tranches.order_by("sequence"))
    assert [t.percent for t in tranches] == [30, 40, 30]
    assert sum(t.amount for t in tranches) == contract.amount
    assert {t.status for t in tranches} == {PaymentTranche.Status.PENDING}
    tender.refresh_from_db()
    assert tender.status == Tender.Status.AWARDED
    assert tender.project.status == ServiceProject.Status.AWARDED
    assert audit_count("award.confirm") == 1
    staff = world.supplier_staff[world.suppliers.index(winner.organization)]
    assert Notification.objects.filter(recipient=staff, title__contains="中标通知").exists()
    loser = world.supplier_staff[0]
    assert Notification.objects.filter(recipient=loser, title__contains="未中标").exists()


@pytest.mark.parametrize("who", ["community", "other_purchaser", "finance", "social_org",
                                 "admin", "superuser"])
def test_award_denied(world, evaluated, who):
    before = audit_count()
    with pytest.raises(PermissionDenied):
        award_confirm(tender=evaluated, actor=world.users()[who])
    evaluated.refresh_from_db()
    assert evaluated.status == Tender.Status.EVALUATED
    assert not Award.objects.exists() and audit_count() == before


def test_award_refused_before_evaluation(world, clock):
    tender = tender_published(world)
    bids_submitted(world, tender)
    tender = bids_opened_at_deadline(clock, tender)
    with pytest.raises(ServiceError):
        award_confirm(tender=tender, actor=world.purchaser)


def test_contract_sign_both_parties(world, evaluated):
    contract = award_confirm(tender=evaluated, actor=world.purchaser).contract
    supplier = world.supplier_staff[world.suppliers.index(contract.supplier)]
    contract_sign(contract=contract, actor=world.purchaser)
    with pytest.raises(ServiceError, match="甲方已签订"):
        contract_sign(contract=contract, actor=world.purchaser)
    contract.refresh_from_db()
    assert contract.status == Contract.Status.DRAFT
    assert Notification.objects.filter(recipient=supplier, title__contains="请签订").exists()
    contract_sign(contract=contract, actor=supplier)
    contract.refresh_from_db()
    assert contract.status == Contract.Status.SIGNED
    assert contract.project.status == ServiceProject.Status.IN_DELIVERY
    statuses = list(contract.tranches.order_by("sequence").values_list("status", flat=True))
    assert statuses == ["due", "pending", "pending"]
    assert Notification.objects.filter(recipient=world.finance, title__contains="首期款").exists()
    assert audit_count("contract.sign") == 2


@pytest.mark.parametrize("who", ["community", "other_purchaser", "finance", "other_social_org",
                                 "admin", "superuser"])
def test_contract_sign_denied(world, evaluated, who):
    contract = award_confirm(tender=evaluated, actor=world.purchaser).contract
    losers = [s for s, o in zip(world.supplier_staff, world.suppliers, strict=True)
              if o != contract.supplier]
    before = audit_count()
    for actor in (world.users()[who], losers[0]):
        with pytest.raises(PermissionDenied):
            contract_sign(contract=contract, actor=actor)
    contract.refresh_from_db()
    assert contract.purchaser_signed_at is None and contract.supplier_signed_at is None
    assert audit_count() == before


def test_award_refuses_long_duration_without_secured_budget(world, evaluated):
    ServiceProject.objects.filter(pk=evaluated.project_id).update(duration_months=18)
    with pytest.raises(ServiceError, match="12个月"):
        award_confirm(tender=evaluated, actor=world.purchaser)
    ServiceProject.objects.filter(pk=evaluated.project_id).update(multi_year_budget_secured=True)
    contract = award_confirm(tender=evaluated, actor=world.purchaser).contract
    assert contract.end_date == dt.date(2027, 9, 22)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def test_sign_due_is_30_calendar_days_from_the_award_notice_law_46(world, evaluated):
    award = award_confirm(tender=evaluated, actor=world.purchaser)
    contract = award.contract
    assert timezone.localdate(award.confirmed_at) == dt.date(2026, 3, 23)  # notice sent
    assert contract.sign_due == dt.date(2026, 4, 22)
    supplier = world.supplier_staff[world.suppliers.index(contract.supplier)]
    notice = Notification.objects.get(recipient=supplier, title__contains="中标通知")
    assert "2026-04-22" in notice.body and "第四十六条" in notice.body
    assert AuditEntry.objects.get(action="award.confirm").after["sign_due"] == "2026-04-22"


def test_signing_on_the_30th_day_needs_no_reason_law_46(world, evaluated, clock, client):
    contract = award_confirm(tender=evaluated, actor=world.purchaser).contract
    clock.move_to(_at(dt.date(2026, 4, 22), 23, 59))
    contract_sign(contract=contract, actor=world.purchaser, late_reason="不会记录")
    contract.refresh_from_db()
    assert contract.purchaser_signed_at is not None and contract.purchaser_late_reason == ""
    assert not contract.signed_late
    contract_sign(contract=contract, actor=world.supplier_staff[
        world.suppliers.index(contract.supplier)])
    page = client.get(reverse("portal:contract-detail", args=[contract.pk])).content.decode()
    assert "2026-04-22" in page and 'data-late="signing"' not in page


def test_late_signature_needs_a_recorded_reason_law_46(world, evaluated, clock, client):
    contract = award_confirm(tender=evaluated, actor=world.purchaser).contract
    supplier = world.supplier_staff[world.suppliers.index(contract.supplier)]
    clock.move_to(_at(dt.date(2026, 4, 23), 0, 0))
    before = audit_count()
    for reason in ("", "   "):
        with pytest.raises(ServiceError, match="第四十六条") as error:
            contract_sign(contract=contract, actor=world.purchaser, late_reason=reason)
        assert "2026-04-22" in str(error.value.messages)
    contract.refresh_from_db()
    assert contract.purchaser_signed_at is None and audit_count() == before
    contract_sign(contract=contract, actor=world.purchaser, late_reason="中标人补充履约保证金")
    contract_sign(contract=contract, actor=supplier, late_reason="等待理事会授权")
    contract.refresh_from_db()
    assert contract.status == Contract.Status.SIGNED and contract.signed_late
    assert contract.purchaser_late_reason == "中标人补充履约保证金"
    assert contract.supplier_late_reason == "等待理事会授权"
    entry = AuditEntry.objects.filter(action="contract.sign").order_by("pk").first()
    assert entry.after["late"] is True and entry.after["sign_due"] == "2026-04-22"
    assert entry.after["late_reason"] == "中标人补充履约保证金"
    public = client.get(reverse("portal:contract-detail", args=[contract.pk])).content.decode()
    assert 'data-late="signing"' in public and "等待理事会授权" in public
    client.force_login(world.purchaser)
    office = client.get(reverse("procurement:contract-detail", args=[contract.pk])).content.decode()
    assert 'data-late="signing"' in office and "2026-04-22" in office


@pytest.mark.parametrize(("notice", "due"), [
    (dt.date(2026, 3, 23), dt.date(2026, 4, 22)),  # a Wednesday: 30 days exactly
    (dt.date(2026, 3, 7), dt.date(2026, 4, 7)),    # 04-06 is 清明 (04-04..06) → Tue 04-07
    (dt.date(2026, 1, 20), dt.date(2026, 2, 24)),  # 02-19 in 春节 (02-15..23) → Tue 02-24
    (dt.date(2026, 1, 29), dt.date(2026, 2, 28)),  # Sat 02-28 is a 调休 working day
    (dt.date(2026, 9, 7), dt.date(2026, 10, 8)),   # 10-07 in 国庆 (10-01..07) → Thu 10-08
    (dt.date(2026, 9, 10), dt.date(2026, 10, 10)),  # Sat 10-10 is a 调休 working day
    (dt.date(2026, 9, 11), dt.date(2026, 10, 12)),  # Sun 10-11 → Mon 10-12
])
def test_sign_due_on_the_2026_calendar_law_46(db, notice, due):
    assert contract_sign_due(_at(notice, 16)) == due


def test_confirm_due_is_5_working_days_after_the_report_regulation_43(world, evaluated, clock,
                                                                        client):
    assert timezone.localdate(evaluated.evaluated_at) == dt.date(2026, 3, 23)
    assert award_confirm_due(evaluated) == dt.date(2026, 3, 30)
    clock.move_to(_at(dt.date(2026, 3, 30), 23, 59))
    award = award_confirm(tender=evaluated, actor=world.purchaser, late_reason="不会记录")
    assert award.confirm_due == dt.date(2026, 3, 30) and award.late_reason == ""
    assert "late" not in AuditEntry.objects.get(action="award.confirm").after
    assert 'data-late="award"' not in client.get(reverse("portal:award-list")).content.decode()


def test_late_award_needs_a_recorded_reason_regulation_43(world, evaluated, clock, client):
    clock.move_to(_at(dt.date(2026, 3, 31), 0, 0))
    before = audit_count()
    with pytest.raises(ServiceError, match="第四十三条") as error:
        award_confirm(tender=evaluated, actor=world.purchaser, late_reason=" ")
    assert "2026-03-30" in str(error.value.messages)
    evaluated.refresh_from_db()
    assert evaluated.status == Tender.Status.EVALUATED and not Award.objects.exists()
    assert audit_count() == before
    award = award_confirm(tender=evaluated, actor=world.purchaser, late_reason="需复核评审报告")
    assert award.late_reason == "需复核评审报告"
    after = AuditEntry.objects.get(action="award.confirm").after
    assert after["late"] is True and after["confirm_due"] == "2026-03-30"
    assert 'data-late="award"' in client.get(reverse("portal:award-list")).content.decode()
    page = client.get(reverse("portal:tender-detail", args=[evaluated.pk])).content.decode()
    assert 'data-late="award"' in page and "需复核评审报告" in page


@pytest.mark.parametrize(("report", "due"), [
    (dt.date(2026, 2, 12), dt.date(2026, 2, 26)),  # 春节 02-15..23; Sat 02-14 worked
    (dt.date(2026, 9, 28), dt.date(2026, 10, 10)),  # 国庆 10-01..07; Sat 10-10 worked
    (dt.date(2026, 9, 23), dt.date(2026, 10, 8)),  # 中秋 09-25..27 and 国庆
])
def test_confirm_due_on_the_2026_calendar_regulation_43(db, report, due):
    assert award_confirm_due(SimpleNamespace(evaluated_at=_at(report, 16))) == due
    assert award_confirm_due(SimpleNamespace(evaluated_at=None)) is None
