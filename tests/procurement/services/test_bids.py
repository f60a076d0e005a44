import datetime as dt
from decimal import Decimal

import pytest

from core.exceptions import PermissionDenied, ServiceError
from core.models import AuditEntry, Notification
from procurement.models import Bid, BidFlag, ServiceProject, Tender
from procurement.selectors import bid_flag_list_for_user
from procurement.services.bids import bid_submit, bid_withdraw, bids_open
from procurement.signals import tender_opened
from tests.worlds import (
    audit_count,
    bid_files,
    bids_opened_at_deadline,
    bids_submitted,
    project_budget_confirmed,
    tender_published,
)

pytestmark = pytest.mark.django_db


def test_submit_and_audit_has_no_price(world):
    tender = tender_published(world)
    bid = bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[0], organization=world.suppliers[0],
                     price=Decimal("280000"), proposal="方案")
    assert bid.status == Bid.Status.SUBMITTED
    entry = AuditEntry.objects.get(action="bid.submit")
    assert "280000" not in str(entry.after) and "方案" not in str(entry.after)
    # nobody outside the bidder is told anything before the deadline
    assert not Notification.objects.filter(recipient=world.purchaser, title__contains="投标").exists()


@pytest.mark.parametrize("who", ["purchaser", "community", "other_social_org", "admin",
                                 "superuser", "resident"])
def test_submit_denied(world, who):
    tender = tender_published(world)
    before = audit_count()
    with pytest.raises(PermissionDenied):
        bid_submit(files=bid_files(), tender=tender, actor=world.users()[who], organization=world.suppliers[0],
                   price=Decimal("1000"), proposal="x")
    assert not Bid.objects.exists() and audit_count() == before


def test_design_partner_and_community_cannot_bid(world):
    project = project_budget_confirmed(world, design_partners=[world.suppliers[0]])
    tender = tender_published(world, project)
    with pytest.raises(ServiceError, match="第十八条"):
        bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[0], organization=world.suppliers[0],
                   price=Decimal("1000"), proposal="x")
    # the designing community itself (kind community) is refused before that
    from accounts.roles import Role
    from tests.factories import user_with_role

    with pytest.raises(PermissionDenied):
        bid_submit(files=bid_files(), tender=tender, actor=user_with_role(Role.SOCIAL_ORG),
                   organization=world.community_org, price=Decimal("1000"), proposal="x")
    assert not Bid.objects.exists()


def test_no_bids_after_deadline_and_one_per_org(world, clock):
    tender = tender_published(world)
    bids_submitted(world, tender, prices=[Decimal("1000")])
    with pytest.raises(ServiceError):
        bids_submitted(world, tender, prices=[Decimal("900")])
    clock.move_to(tender.bid_deadline)
    with pytest.raises(ServiceError, match="截止"):
        bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[1], organization=world.suppliers[1],
                   price=Decimal("1000"), proposal="x")


def test_withdraw_then_resubmit(world, clock):
    tender = tender_published(world)
    bid = bids_submitted(world, tender, prices=[Decimal("1000")])[0]
    with pytest.raises(PermissionDenied):
        bid_withdraw(bid=bid, actor=world.supplier_staff[1])
    with pytest.raises(PermissionDenied):
        bid_withdraw(bid=bid, actor=world.purchaser)
    bid_withdraw(bid=bid, actor=world.supplier_staff[0])
    bid.refresh_from_db()
    assert bid.status == Bid.Status.WITHDRAWN
    again = bids_submitted(world, tender, prices=[Decimal("900")])[0]
    assert again.pk == bid.pk and again.status == Bid.Status.SUBMITTED
    clock.move_to(tender.bid_deadline)
    with pytest.raises(ServiceError):
        bid_withdraw(bid=again, actor=world.supplier_staff[0])


def test_open_refuses_before_deadline(world):
    tender = tender_published(world)
    bids_submitted(world, tender)
    with pytest.raises(ServiceError, match="未到"):
        bids_open(tender=tender)
    tender.refresh_from_db()
    assert tender.status == Tender.Status.PUBLISHED and tender.opened_at is None


def test_open_three_bids_twice_is_one_audit_row_and_one_signal(world, clock,
                                                              django_capture_on_commit_callbacks):
    tender = tender_published(world)
    bids_submitted(world, tender)
    received = []
    tender_opened.connect(lambda sender, tender, failed, **kw: received.append((tender.pk, failed)),
                          weak=False, dispatch_uid="test-opened")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            bids_opened_at_deadline(clock, tender)
        with django_capture_on_commit_callbacks(execute=True):
            bids_open(tender=tender)
    finally:
        tender_opened.disconnect(dispatch_uid="test-opened")
    tender.refresh_from_db()
    assert tender.status == Tender.Status.OPENED and tender.opened_at is not None
    assert tender.project.status == ServiceProject.Status.EVALUATING
    assert audit_count("tender.open") == 1
    assert received == [(tender.pk, False)]
    assert set(tender.bids.values_list("status", flat=True)) == {Bid.Status.QUALIFIED}
    assert Notification.objects.filter(recipient=world.purchaser, title__contains="评标委员会").exists()


@pytest.mark.parametrize("who", ["community", "other_purchaser", "social_org", "admin",
                                 "superuser"])
def test_open_by_wrong_user_denied(world, clock, who):
    tender = tender_published(world)
    bids_submitted(world, tender)
    clock.move_to(tender.bid_deadline + dt.timedelta(minutes=1))
    with pytest.raises(PermissionDenied):
        bids_open(tender=tender, actor=world.users()[who])
    tender.refresh_from_db()
    assert tender.status == Tender.Status.PUBLISHED and audit_count("tender.open") == 0
    assert bids_open(tender=tender, actor=world.purchaser).status == Tender.Status.OPENED


def test_two_bids_fail_open_tender_and_every_bidder_is_told(world, clock):
    tender = tender_published(world)
    bids_submitted(world, tender, prices=[Decimal("1000"), Decimal("2000")])
    tender = bids_opened_at_deadline(clock, tender)
    assert tender.status == Tender.Status.FAILED
    assert "不足3家" in tender.failure_reason
    for staff in world.supplier_staff[:2]:
        assert Notification.objects.filter(recipient=staff, title__contains="废标",
                                           body=tender.failure_reason).exists()
    assert tender.project.status == ServiceProject.Status.TENDERING


def test_consultation_two_bids_proceed_one_fails(world, clock):
    tender = tender_published(world, method="consultation", days=10, price_weight=Decimal("20"))
    bids_submitted(world, tender, prices=[Decimal("1000"), Decimal("2000")])
    assert bids_opened_at_deadline(clock, tender).status == Tender.Status.OPENED
    other = tender_published(world, project_budget_confirmed(world), method="consultation", days=10,
                    price_weight=Decimal("20"))
    bids_submitted(world, other, prices=[Decimal("1000")])
    assert bids_opened_at_deadline(clock, other).status == Tender.Status.FAILED


def test_over_budget_bids_disqualified(world, clock):
    tender = tender_published(world)
    bids = bids_submitted(world, tender, prices=[Decimal("1000"), Decimal("2000"), Decimal("3000")])
    bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[3], organization=world.suppliers[3],
               price=tender.budget_amount + 1, proposal="贵")
    tender = bids_opened_at_deadline(clock, tender)
    assert tender.status == Tender.Status.OPENED
    over = Bid.objects.get(organization=world.suppliers[3])
    assert over.status == Bid.Status.DISQUALIFIED and "超过采购预算" in over.disqualification_reason
    assert {b.status for b in Bid.objects.filter(pk__in=[b.pk for b in bids])} == {"qualified"}


def test_all_bids_over_budget_fail(world, clock):
    tender = tender_published(world)
    over = tender.budget_amount + 1
    bids_submitted(world, tender, prices=[over, over + 1, over + 2])
    tender = bids_opened_at_deadline(clock, tender)
    assert tender.status == Tender.Status.FAILED
    assert "均超过采购预算" in tender.failure_reason
    assert set(tender.bids.values_list("status", flat=True)) == {Bid.Status.DISQUALIFIED}


# 条例第十八条: suppliers with the same legal representative may not bid on the same tender. The
# check runs at opening and flags both bids for the committee; submission reveals nothing.

def _set_legal_representatives(world, *names):
    for org, name in zip(world.suppliers, names, strict=False):
        org.legal_representative = name
        org.save(update_fields=["legal_representative"])


def test_same_legal_representative_bids_are_accepted_and_nothing_revealed_law_18(world):
    _set_legal_representatives(world, "张 伟", "张伟　")
    tender = tender_published(world)
    bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[0], organization=world.suppliers[0],
               price=Decimal("280000"), proposal="方案")
    second = bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[1],
                        organization=world.suppliers[1], price=Decimal("270000"), proposal="方案")
    assert second.status == Bid.Status.SUBMITTED
    # Each bidder is told exactly the same thing, and nothing about the other bid.
    bidders = [u.pk for u in world.supplier_staff]
    told = {(n.title, n.body) for n in Notification.objects.filter(recipient_id__in=bidders)}
    assert len(told) == 1
    assert not BidFlag.objects.exists()


def test_same_legal_representative_flagged_for_the_committee_at_opening_law_18(world, clock):
    _set_legal_representatives(world, "张 伟", "张伟　", "李娜", "")
    tender = tender_published(world)
    bids = bids_submitted(world, tender, prices=[Decimal("280000"), Decimal("270000"),
                                                  Decimal("260000"), Decimal("250000")])
    before = set(Notification.objects.values_list("pk", flat=True))
    tender = bids_opened_at_deadline(clock, tender)
    assert tender.status == Tender.Status.OPENED  # never an automatic rejection
    [flag] = BidFlag.objects.all()
    assert flag.kind == BidFlag.Kind.SAME_LEGAL_REPRESENTATIVE
    assert set(flag.bids.all()) == {bids[0], bids[1]}
    assert "张伟" in flag.reason and "第十八条" in flag.reason
    assert world.suppliers[0].name in flag.reason and world.suppliers[1].name in flag.reason
    assert set(Bid.objects.values_list("status", flat=True)) == {Bid.Status.QUALIFIED}
    entry = AuditEntry.objects.get(action="tender.open")
    assert entry.after["flags"] == [flag.pk]
    # The bidders are told only that the bids were opened; the purchaser that a flag exists.
    new = Notification.objects.exclude(pk__in=before)
    bidders = [u.pk for u in world.supplier_staff]
    for note in new.filter(recipient_id__in=bidders):
        assert "十八" not in note.body + note.title and "提示" not in note.body + note.title
    assert new.filter(recipient=world.purchaser, body__contains="开标提示 1 条").exists()


def test_same_legal_representative_flag_read_by_purchaser_and_committee_only_law_18(world, clock):
    from tests.factories import CommitteeMemberFactory, EvaluationCommitteeFactory

    _set_legal_representatives(world, "王芳", "王芳")
    tender = tender_published(world)
    bids_submitted(world, tender, prices=[Decimal("280000"), Decimal("270000"),
                                          Decimal("260000")])
    assert not bid_flag_list_for_user(user=world.purchaser, tender=tender).exists()
    tender = bids_opened_at_deadline(clock, tender)
    assert bid_flag_list_for_user(user=world.purchaser, tender=tender).count() == 1
    for bidder in world.supplier_staff:
        assert not bid_flag_list_for_user(user=bidder, tender=tender).exists()
    expert = world.experts[0]
    assert not bid_flag_list_for_user(user=expert, tender=tender).exists()
    committee = EvaluationCommitteeFactory(tender=tender, formed_by=world.purchaser)
    CommitteeMemberFactory(committee=committee, expert=expert, chair=True)
    assert bid_flag_list_for_user(user=expert, tender=tender).count() == 1


def test_same_legal_representative_withdrawn_or_other_tender_not_flagged_law_18(world, clock):
    _set_legal_representatives(world, "赵磊", "赵磊", "孙强", "周敏")
    first_tender = tender_published(world)
    second_tender = tender_published(world)
    withdrawn = bid_submit(files=bid_files(), tender=first_tender, actor=world.supplier_staff[0],
                           organization=world.suppliers[0], price=Decimal("280000"),
                           proposal="方案")
    bid_withdraw(bid=withdrawn, actor=world.supplier_staff[0])
    for i in (1, 2, 3):
        bid_submit(files=bid_files(), tender=first_tender, actor=world.supplier_staff[i],
                   organization=world.suppliers[i], price=Decimal("270000"), proposal="方案")
    bid_submit(files=bid_files(), tender=second_tender, actor=world.supplier_staff[0],
               organization=world.suppliers[0], price=Decimal("280000"), proposal="方案")
    bids_opened_at_deadline(clock, first_tender)
    assert not BidFlag.objects.exists()


def test_design_partner_rule_still_applies_with_legal_representatives(world):
    _set_legal_representatives(world, "孙强", "周敏")
    project = project_budget_confirmed(world, design_partners=[world.suppliers[0]])
    tender = tender_published(world, project)
    with pytest.raises(ServiceError, match="需求调研或项目设计") as error:
        bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[0], organization=world.suppliers[0],
                   price=Decimal("1000"), proposal="x")
    assert error.value.code == "design_partner"


def test_fixed_price_offer_must_be_the_budget_87_55(world):
    project = project_budget_confirmed(world, fixed_price=True)
    tender = tender_published(world, project, price_weight=Decimal("0"))
    with pytest.raises(ServiceError, match="固定价格") as exc:
        bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[0], organization=world.suppliers[0],
                   price=tender.budget_amount - Decimal("0.01"), proposal="方案")
    assert exc.value.code == "fixed_price"
    assert not Bid.objects.exists()
    bid = bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[0], organization=world.suppliers[0],
                     price=tender.budget_amount, proposal="方案")
    assert bid.price == tender.budget_amount


def test_same_legal_representative_flag_shown_on_the_tender_page_to_purchaser_only_law_18(
        client, world, clock):
    from django.urls import reverse

    _set_legal_representatives(world, "王芳", "王芳")
    tender = tender_published(world)
    bids_submitted(world, tender, prices=[Decimal("280000"), Decimal("270000"),
                                          Decimal("260000")])
    tender = bids_opened_at_deadline(clock, tender)
    url = reverse("procurement:tender-detail", args=[tender.pk])
    client.force_login(world.purchaser)
    html = client.get(url).content.decode()
    assert "开标提示（供评标委员会核实）" in html and "“王芳”" in html
    for bidder in world.supplier_staff[:3]:
        client.force_login(bidder)
        html = client.get(url).content.decode()
        assert "开标提示" not in html and "王芳" not in html
