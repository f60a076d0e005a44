"""Procurement methods in full (issue 7 item 10): the 邀请招标 invitation list (法34, 87号令14),
the 单一来源 named supplier and its 5-working-day notice (条例38), and the final-quote round
(最后报价) of 磋商 and 谈判 (磋商办法21–23, 74号令33–35, 法38(五))."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine

from core import authz
from core.exceptions import PermissionDenied, ServiceError
from core.models import AuditEntry, Notification
from evaluation.services.committees import committee_form
from evaluation.services.scoring import scores_submit
from procurement.models import Bid, FinalQuote, FinalQuoteRound, Tender, TenderInvitation
from procurement.services.awards import award_confirm
from procurement.services.bids import bid_submit, bids_open
from procurement.services.final_quotes import (
    final_prices,
    final_quote_round_close,
    final_quote_round_open,
    final_quote_submit,
)
from tests.worlds import (
    CASE_AND_EVENTS,
    TZ,
    bid_files,
    equal_scores,
    project_budget_confirmed,
    tender_opened,
    tender_published,
)

pytestmark = pytest.mark.django_db


def _bid(world, tender, i, price="280000.00"):
    return bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[i], organization=world.suppliers[i],
                      price=price, proposal=f"方案{i}")


# --- 邀请招标: at least 3 invited (87号令14), only the invited bid (法34) -----------------------


def test_invited_tender_needs_three_invitations_87_14(world):
    project = project_budget_confirmed(world)
    with pytest.raises(ServiceError, match="3家以上") as exc:
        tender_published(world, project, method="invited", invited=world.suppliers[:2])
    assert exc.value.code == "invited_count"
    assert not Tender.objects.exists() and not TenderInvitation.objects.exists()
    # The same organization twice is one invitation.
    with pytest.raises(ServiceError, match="3家以上"):
        tender_published(world, project, method="invited",
                         invited=[world.suppliers[0], world.suppliers[0], world.suppliers[1]])
    tender = tender_published(world, project, method="invited", invited=world.suppliers[:3])
    assert [i.organization for i in tender.invitations.all()] == world.suppliers[:3]
    entry = AuditEntry.objects.get(action="tender.invite")
    assert entry.after["organizations"] == [o.pk for o in world.suppliers[:3]]
    assert Notification.objects.filter(recipient=world.supplier_staff[0],
                                       title__startswith="投标邀请书").exists()
    assert not Notification.objects.filter(recipient=world.supplier_staff[3],
                                           title__startswith="投标邀请书").exists()


def test_only_invited_organizations_may_bid_law_34(world):
    tender = tender_published(world, method="invited", invited=world.suppliers[:3])
    with pytest.raises(ServiceError, match="政府采购法第三十四条") as exc:
        _bid(world, tender, 3)
    assert exc.value.code == "not_invited"
    assert not Bid.objects.exists()
    assert _bid(world, tender, 0).status == Bid.Status.SUBMITTED


def test_invitation_refuses_design_partner_and_other_methods_regulation_18(world):
    project = project_budget_confirmed(world, design=CASE_AND_EVENTS)
    partner = world.suppliers[0]
    project.design_partners.add(partner)
    with pytest.raises(ServiceError, match="第十八条") as exc:
        tender_published(world, project, method="invited", invited=world.suppliers[:3])
    assert exc.value.code == "design_partner"
    with pytest.raises(ServiceError, match="只有邀请招标和单一来源"):
        tender_published(world, project, method="open", invited=world.suppliers[1:4])
    with pytest.raises(ServiceError, match="不是有效的社会组织"):
        tender_published(world, project, method="invited",
                         invited=[world.purchaser_org, *world.suppliers[1:3]])
    assert not Tender.objects.exists()


# --- 单一来源: one named supplier, a 5-working-day notice before opening (条例38) -----------------


def test_single_source_names_exactly_one_supplier_regulation_38(world):
    project = project_budget_confirmed(world)
    for invited in ([], world.suppliers[:2]):
        with pytest.raises(ServiceError, match="第三十八条") as exc:
            tender_published(world, project, method="single_source", days=10,
                             price_weight=D("0"), invited=invited)
        assert exc.value.code == "single_source_supplier"
    tender = tender_published(world, project, method="single_source", days=10,
                              price_weight=D("0"), invited=[world.suppliers[1]])
    with pytest.raises(ServiceError, match="单一来源采购，只接受公示中载明的供应商") as exc:
        _bid(world, tender, 0)
    assert exc.value.code == "not_invited"
    assert _bid(world, tender, 1).organization == world.suppliers[1]


@pytest.mark.parametrize(("published", "first_ok"), [
    # 国庆 2026 (10-01..10-07 off, Saturday 10-10 worked): 10-08, 10-09, 10-10, 10-12, 10-13.
    (dt.datetime(2026, 9, 30, 10, 0, tzinfo=TZ), dt.datetime(2026, 10, 13, 10, 0, tzinfo=TZ)),
    # 春节 2026 (02-15..02-23 off, Saturday 02-14 worked): 02-14, 02-24, 02-25, 02-26, 02-27.
    (dt.datetime(2026, 2, 13, 10, 0, tzinfo=TZ), dt.datetime(2026, 2, 27, 10, 0, tzinfo=TZ)),
])
def test_single_source_notice_runs_five_working_days_regulation_38(world, clock, published,
                                                                    first_ok):
    project = project_budget_confirmed(world)
    clock.move_to(published)
    from procurement.services.tenders import tender_publish
    from tests.worlds import criteria

    def publish(deadline):
        return tender_publish(project=project, actor=world.purchaser, method="single_source",
                              bid_deadline=deadline, price_weight=D("0"), criteria=criteria(D("0")),
                              invited=[world.suppliers[0]])

    with pytest.raises(ServiceError, match="不得少于5个工作日"):
        publish(first_ok - dt.timedelta(days=1))
    tender = publish(first_ok)
    # The notice ends with the 5th working day; the opening waits for it.
    assert tender.announcement_ends_on == first_ok.date()
    _bid(world, tender, 0)
    clock.move_to(first_ok - dt.timedelta(minutes=1))
    with pytest.raises(ServiceError, match="投标截止时间未到") as exc:
        bids_open(tender=tender, actor=world.purchaser)
    assert exc.value.code == "before_deadline"
    clock.move_to(first_ok + dt.timedelta(minutes=1))
    tender = bids_open(tender=tender, actor=world.purchaser)
    assert tender.status == Tender.Status.OPENED  # one supplier suffices for 单一来源


# --- 最后报价 (磋商办法21–23, 74号令33–35) -------------------------------------------------------


@pytest.fixture
def consultation(world):
    """A 磋商 opened with three responsive bids (290,000 / 280,000 / 270,000)."""
    return tender_opened(world, method="consultation", price_weight=D("20"))


def _bids(tender):
    return list(tender.bids.order_by("organization__name", "pk"))


def _by_org(tender, org):
    return tender.bids.get(organization=org)


def _round(world, tender, hours=2):
    return final_quote_round_open(tender=tender, actor=world.purchaser,
                                  deadline=tender.bid_deadline + dt.timedelta(hours=hours))


def _in_round(tender, minutes=10):
    return time_machine.travel(tender.bid_deadline + dt.timedelta(minutes=minutes), tick=False)


def test_round_only_for_consultation_and_negotiation_by_purchaser_214_21(world):
    tender = tender_opened(world)  # 公开招标
    with _in_round(tender), pytest.raises(ServiceError, match="只有竞争性磋商和竞争性谈判"):
        _round(world, tender)
    consultation = tender_opened(world, method="consultation", price_weight=D("20"))
    with _in_round(consultation):
        with pytest.raises(PermissionDenied):
            final_quote_round_open(tender=consultation, actor=world.supplier_staff[0],
                                   deadline=consultation.bid_deadline + dt.timedelta(hours=1))
        with pytest.raises(PermissionDenied):
            final_quote_round_open(tender=consultation, actor=world.outsiders["purchaser"],
                                   deadline=consultation.bid_deadline + dt.timedelta(hours=1))
        with pytest.raises(ServiceError, match="晚于当前时间"):
            final_quote_round_open(tender=consultation, actor=world.purchaser,
                                   deadline=consultation.bid_deadline)
        round_ = _round(world, consultation)
        assert Notification.objects.filter(recipient=world.supplier_staff[0],
                                           title__startswith="请提交最后报价").exists()
        with pytest.raises(ServiceError, match="已发起过"):
            _round(world, consultation)
    assert round_.closed_at is None


def test_final_quotes_sealed_until_all_are_in_214_21(world, consultation):
    bids = {b.organization_id: b for b in consultation.bids.all()}
    with _in_round(consultation):
        round_ = _round(world, consultation)
        final_quote_submit(round=round_, actor=world.supplier_staff[0],
                           organization=world.suppliers[0], price="250000.00")
        # Sealed: the purchaser sees nothing, another bidder sees nothing, the bidder its own.
        seen = authz.scoped(world.purchaser, "procurement.view_finalquote", FinalQuote.objects.all())
        assert not seen.exists()
        assert not authz.scoped(world.supplier_staff[1], "procurement.view_finalquote",
                                FinalQuote.objects.all()).exists()
        assert authz.scoped(world.supplier_staff[0], "procurement.view_finalquote",
                            FinalQuote.objects.all()).count() == 1
        assert "250000" not in str(AuditEntry.objects.get(action="final_quote.submit").after)
        with pytest.raises(ServiceError, match="不能揭晓"):
            final_quote_round_close(round=round_, actor=world.purchaser)
        with pytest.raises(ServiceError, match="不得更改") as exc:
            final_quote_submit(round=round_, actor=world.supplier_staff[0],
                               organization=world.suppliers[0], price="240000.00")
        assert exc.value.code == "duplicate"
        final_quote_submit(round=round_, actor=world.supplier_staff[1],
                           organization=world.suppliers[1], price="260000.00")
        final_quote_submit(round=round_, actor=world.supplier_staff[2],
                           organization=world.suppliers[2], price="265000.00")
    round_.refresh_from_db()
    assert round_.closed_at is not None  # the last quote unseals them all
    assert authz.scoped(world.purchaser, "procurement.view_finalquote",
                        FinalQuote.objects.all()).count() == 3
    closing = AuditEntry.objects.get(action="final_quote_round.close")
    # Unsealed at once, in the record (JSON keys are the bid ids as text).
    assert closing.after["quotes"] == {str(bids[world.suppliers[0].pk].pk): "250000.00",
                                       str(bids[world.suppliers[1].pk].pk): "260000.00",
                                       str(bids[world.suppliers[2].pk].pk): "265000.00"}


def test_final_quote_form_budget_and_responsiveness_214_21(world, consultation):
    with _in_round(consultation):
        round_ = _round(world, consultation)
        # Same form as the bid price: never rounded (issue 7 item 6).
        with pytest.raises(ServiceError, match="两位小数") as exc:
            final_quote_submit(round=round_, actor=world.supplier_staff[0],
                               organization=world.suppliers[0], price="250000.005")
        assert exc.value.code == "price_decimals"
        with pytest.raises(ServiceError, match="超过采购预算") as exc:
            final_quote_submit(round=round_, actor=world.supplier_staff[0],
                               organization=world.suppliers[0],
                               price=str(consultation.budget_amount + D("0.01")))
        assert exc.value.code == "over_budget"
        # Another organization's staff cannot quote for it; a non-bidder is not responsive.
        with pytest.raises(PermissionDenied):
            final_quote_submit(round=round_, actor=world.supplier_staff[1],
                               organization=world.suppliers[0], price="250000.00")
        with pytest.raises(ServiceError, match="实质性响应") as exc:
            final_quote_submit(round=round_, actor=world.supplier_staff[3],
                               organization=world.suppliers[3], price="250000.00")
        # No cap at the earlier price (neither 磋商办法 nor 74号令 has one): 290,000 → 295,000.
        first = _by_org(consultation, world.suppliers[0])
        assert first.price == D("290000.00")
        quote = final_quote_submit(round=round_, actor=world.supplier_staff[0],
                                   organization=world.suppliers[0], price="295000.00")
        assert quote.price == D("295000.00")
        # A receipt (投标回执) to the second with the final quote's digest (issue 7 item 12).
        from procurement.digests import price_digest

        receipt = first.receipts.get(kind="final_quote")
        assert receipt.price_sha256 == price_digest(D("295000.00"))
        assert receipt.issued_at == quote.submitted_at.replace(microsecond=0)
    with _in_round(consultation, minutes=200), pytest.raises(ServiceError, match="截止时间已过"):
        final_quote_submit(round=round_, actor=world.supplier_staff[1],
                           organization=world.suppliers[1], price="250000.00")


def test_consultation_scores_the_final_quote_as_price_214_23(world, consultation):
    with _in_round(consultation):
        round_ = _round(world, consultation)
        committee = committee_form(tender=consultation, actor=world.purchaser, seed="fq")
        # Before the round closes no expert can score: the quotes are sealed.
        member = committee.members.first()
        with pytest.raises(ServiceError, match="最后报价尚未揭晓") as exc:
            scores_submit(member=member, actor=member.expert, scores=equal_scores(consultation))
        assert exc.value.code == "final_quotes_sealed"
        # 290,000 (supplier 0) comes down to 200,000; supplier 2 (270,000) gives no final quote.
        final_quote_submit(round=round_, actor=world.supplier_staff[0],
                           organization=world.suppliers[0], price="200000.00")
        final_quote_submit(round=round_, actor=world.supplier_staff[1],
                           organization=world.suppliers[1], price="280000.00")
    with _in_round(consultation, minutes=200):
        for member in committee.members.all():
            scores_submit(member=member, actor=member.expert, scores=equal_scores(consultation))
    round_.refresh_from_db()
    assert round_.closed_at is not None  # closed by the deadline, at the first scoring
    # The committee reads the unsealed quotes (evaluation's share of view_finalquote), a page too.
    expert = committee.members.first().expert
    assert authz.scoped(expert, "procurement.view_finalquote", FinalQuote.objects.all()).count() == 2
    from django.urls import reverse

    with _in_round(consultation, minutes=200):
        page = _client(expert).get(reverse("procurement:final-quotes", args=[consultation.pk]))
    assert page.status_code == 200 and "200,000.00" in page.content.decode()
    consultation.refresh_from_db()
    cheap = _by_org(consultation, world.suppliers[0])
    kept = _by_org(consultation, world.suppliers[2])
    assert final_prices(consultation, [cheap, kept]) == {cheap.pk: D("200000.00"),
                                                         kept.pk: D("270000.00")}
    assert cheap.price_score == D("20.00") and cheap.rank == 1
    assert kept.price_score == D("14.81")  # 200,000 / 270,000 × 20, the earlier price kept
    with time_machine.travel(consultation.evaluated_at + dt.timedelta(hours=1), tick=False):
        award = award_confirm(tender=consultation, actor=world.purchaser)
    assert award.amount == D("200000.00") and award.tender.award.bid == cheap
    assert award.contract.amount == D("200000.00")


def test_negotiation_awards_the_lowest_final_quote_law_38_5(world):
    tender = tender_opened(world, method="negotiation", price_weight=D("0"))
    dear = _by_org(tender, world.suppliers[0])  # 290,000 at first
    with _in_round(tender):
        round_ = _round(world, tender)
        committee = committee_form(tender=tender, actor=world.purchaser, seed="neg")
        for i, price in enumerate(("255000.00", "260000.00", "265000.00")):
            final_quote_submit(round=round_, actor=world.supplier_staff[i],
                               organization=world.suppliers[i], price=price)
        for member in committee.members.all():
            scores_submit(member=member, actor=member.expert, scores=equal_scores(tender))
    dear.refresh_from_db()
    assert dear.rank == 1  # the highest first price, the lowest final quote
    tender.refresh_from_db()
    with time_machine.travel(tender.evaluated_at + dt.timedelta(hours=1), tick=False):
        award = award_confirm(tender=tender, actor=world.purchaser)
    assert award.amount == D("255000.00")


def test_round_refused_after_scoring_started_and_for_fixed_price_214_21(world):
    fixed = project_budget_confirmed(world, fixed_price=True, design=CASE_AND_EVENTS)
    tender = tender_opened(world, method="consultation", price_weight=D("0"), project=fixed,
                           prices=(fixed.budget_amount,) * 3)
    with _in_round(tender), pytest.raises(ServiceError, match="固定价格"):
        _round(world, tender)
    consultation = tender_opened(world, method="consultation", price_weight=D("20"))
    with _in_round(consultation):
        committee = committee_form(tender=consultation, actor=world.purchaser, seed="s")
        member = committee.members.first()
        scores_submit(member=member, actor=member.expert, scores=equal_scores(consultation))
        with pytest.raises(ServiceError, match="已开始提交评分") as exc:
            _round(world, consultation)
    assert exc.value.code == "scored"
    assert not FinalQuoteRound.objects.exists()


# --- Pages ------------------------------------------------------------------------------------


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_final_quote_pages_purchaser_opens_bidder_quotes_sealed_214_21(world, consultation):
    from django.urls import reverse

    url = reverse("procurement:final-quotes", args=[consultation.pk])
    with _in_round(consultation):
        purchaser, bidder = _client(world.purchaser), _client(world.supplier_staff[0])
        for outsider in (world.outsiders["purchaser"], world.supplier_staff[3], world.community):
            assert _client(outsider).get(url).status_code == 404
        page = purchaser.get(url)
        assert page.status_code == 200 and "发起最后报价" in page.content.decode()
        deadline = timezone_local(consultation.bid_deadline + dt.timedelta(hours=2))
        confirm = purchaser.post(url, {"action": "open", "deadline": deadline})
        assert confirm.status_code == 200 and "请确认：发起最后报价" in confirm.content.decode()
        assert not FinalQuoteRound.objects.filter(tender=consultation).exists()
        response = purchaser.post(url, {"action": "open", "deadline": deadline, "confirmed": "1"})
        assert response.status_code == 302
        assert FinalQuoteRound.objects.filter(tender=consultation).exists()
        assert bidder.post(url, {"action": "open", "deadline": deadline}).status_code == 404
        own = _by_org(consultation, world.suppliers[0])
        refused = bidder.post(url, {"action": "quote", "bid": own.pk, "price": "250,000.00",
                                    "confirm": "on"})
        assert refused.status_code == 200 and "千位分隔符" in refused.content.decode()
        response = bidder.post(url, {"action": "quote", "bid": own.pk, "price": "250000.00",
                                     "confirm": "on"})
        assert response.status_code == 302
        # Sealed on the page: the purchaser sees the count, not the quote.
        body = purchaser.get(url).content.decode()
        assert "1 / 3" in body and "250000.00" not in body
        assert "250,000.00" in bidder.get(url).content.decode()
        assert "250000.00" not in _client(world.supplier_staff[1]).get(url).content.decode()
        tender_page = purchaser.get(reverse("procurement:tender-detail", args=[consultation.pk]))
        assert url in tender_page.content.decode()


def timezone_local(value):
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def test_invitation_list_on_tender_page_and_single_source_notice_on_portal_regulation_38(world):
    from django.test import Client
    from django.urls import reverse

    invited = tender_published(world, method="invited", invited=world.suppliers[:3])
    detail = reverse("procurement:tender-detail", args=[invited.pk])
    assert world.suppliers[2].name in _client(world.purchaser).get(detail).content.decode()
    # Bidders do not learn who else was invited.
    assert world.suppliers[2].name not in _client(world.supplier_staff[0]).get(
        detail).content.decode()
    single = tender_published(world, method="single_source", days=10, price_weight=D("0"),
                              invited=[world.suppliers[1]])
    body = Client().get(reverse("portal:tender-detail", args=[single.pk])).content.decode()
    assert "单一来源采购公示" in body and world.suppliers[1].name in body
    assert single.announcement_ends_on.isoformat() in body


def test_publish_step_passes_the_invitation_list_law_34(world):
    from types import SimpleNamespace

    from django.utils import timezone

    from office.formsets import formset_data
    from workflows.views.steps import DEFAULT_CRITERIA, TenderPublishStep

    project = project_budget_confirmed(world)
    step = TenderPublishStep.__new__(TenderPublishStep)
    step.user, step.task = world.purchaser, None
    step.process = SimpleNamespace(project=project)
    deadline = timezone.localtime() + dt.timedelta(days=21)
    form = step.make_form(data={
        "method": "invited", "bid_deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
        "price_weight": "10", **formset_data("criteria", DEFAULT_CRITERIA),
        "invited": [o.pk for o in world.suppliers[:3]]})
    assert form.is_valid(), form.errors
    step.perform(form.cleaned_data, form=form)
    tender = project.tenders.get()
    assert tender.method == "invited"
    assert {i.organization for i in tender.invitations.all()} == set(world.suppliers[:3])
