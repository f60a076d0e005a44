"""Ranking by evaluation method (法38(五)) and ties settled by a recorded draw (87号令 57)."""

from decimal import Decimal as D

import pytest

from core.exceptions import PermissionDenied, ServiceError
from core.models import AuditEntry, Notification
from evaluation.models import ScoreItem, TieDraw
from evaluation.rules import draw_order
from evaluation.services.committees import committee_form
from evaluation.services.scoring import score_correct, scores_submit
from evaluation.services.ties import tender_ties, tie_draw
from procurement.models import Award, Bid, Tender
from procurement.services.awards import award_confirm
from tests.worlds import (
    CASE_AND_EVENTS,
    PROCUREMENT_WORLD,
    criteria,
    project_budget_confirmed,
    tender_evaluated,
    tender_opened,
    world_build,
)

pytestmark = pytest.mark.django_db

# Two bids at the same lowest price: with equal scores they tie at the first rank.
TIED_PRICES = (D("270000.00"), D("270000.00"), D("290000.00"))


def _score(tender, per_bid):
    """Every expert gives each bid (technical, commercial) from per_bid {bid: (t, c)}."""
    kinds = {c.kind: c.pk for c in tender.criteria.all()}
    for member in tender.committee.members.all():
        scores_submit(member=member, actor=member.expert, scores={
            bid.pk: {kinds["technical"]: t, kinds["commercial"]: c}
            for bid, (t, c) in per_bid.items()})
    tender.refresh_from_db()


def _bids(tender):
    return sorted(tender.bids.all(), key=lambda b: (b.price, b.pk))


@pytest.fixture
def tied(world):
    """Return an evaluated tender (tie rule: draw) whose two cheapest bids tie at rank 1."""
    tender = tender_opened(world, prices=TIED_PRICES, tie_rule=Tender.TieRule.DRAW)
    return tender_evaluated(world, tender=tender)


def test_equal_score_and_price_is_a_tie_not_earlier_submission_87_57(world, tied):
    a, b, c = _bids(tied)
    assert (a.final_score, a.price) == (b.final_score, b.price)
    assert (a.rank, b.rank, c.rank) == (1, 1, 3)
    assert tender_ties(tied) == {1: sorted([a.pk, b.pk])}


def test_award_refused_while_first_rank_is_tied_87_57(world, tied):
    with pytest.raises(ServiceError, match="随机抽签") as exc:
        award_confirm(tender=tied, actor=world.purchaser)
    assert exc.value.code == "tie"
    tied.refresh_from_db()
    assert tied.status == Tender.Status.EVALUATED
    assert not Award.objects.exists()


def test_tie_rule_technical_stated_at_publication_settles_equal_totals_87_57(world):
    tender = tender_opened(world, prices=TIED_PRICES)  # default rule: technical first
    assert tender.tie_rule == Tender.TieRule.TECHNICAL
    committee_form(tender=tender, actor=world.purchaser, seed="t")
    a, b, c = _bids(tender)
    # Equal totals and prices; b has the higher technical score.
    _score(tender, {a: (D("40"), D("30")), b: (D("45"), D("25")), c: (D("40"), D("30"))})
    a.refresh_from_db(), b.refresh_from_db()
    assert a.final_score == b.final_score
    assert (b.rank, a.rank) == (1, 2)
    assert tender_ties(tender) == {}
    assert award_confirm(tender=tender, actor=world.purchaser).bid == b


def test_tie_draw_records_seed_and_result_and_replays_87_57(world, tied):
    a, b, _c = _bids(tied)
    draw = tie_draw(tender=tied, actor=world.purchaser, seed="2026-03-02 定标会")
    order = draw_order([a.pk, b.pk], seed="2026-03-02 定标会", rank=1)
    assert draw.seed == "2026-03-02 定标会" and draw.drawn_by == world.purchaser
    assert draw.groups == [{"rank": 1, "bids": sorted([a.pk, b.pk]), "order": order}]
    ranks = dict(Bid.objects.filter(pk__in=order).values_list("pk", "rank"))
    assert ranks == {order[0]: 1, order[1]: 2}
    entry = AuditEntry.objects.get(action="tie.draw", target_id=str(tied.pk))
    assert entry.after["seed"] == draw.seed and entry.after["groups"] == draw.groups
    assert entry.actor == world.purchaser
    assert Notification.objects.filter(title__contains="随机抽签", recipient__in=world.supplier_staff[:2]).exists()
    assert tender_ties(tied) == {}
    award = award_confirm(tender=tied, actor=world.purchaser)
    assert award.bid_id == order[0]


def test_tie_draw_without_seed_records_a_random_one(world, tied):
    draw = tie_draw(tender=tied, actor=world.purchaser)
    assert len(draw.seed) == 32
    assert draw.groups[0]["order"] == draw_order(draw.groups[0]["bids"], seed=draw.seed, rank=1)


def test_tie_draw_only_once_and_only_when_tied(world, tied):
    tie_draw(tender=tied, actor=world.purchaser, seed="x")
    with pytest.raises(ServiceError, match="不能重抽"):
        tie_draw(tender=tied, actor=world.purchaser, seed="y")
    assert TieDraw.objects.get().seed == "x"


def test_tie_draw_refused_without_tie_or_before_evaluation(world):
    evaluated = tender_evaluated(world)  # distinct prices: no tie
    with pytest.raises(ServiceError, match="没有并列") as exc:
        tie_draw(tender=evaluated, actor=world.purchaser)
    assert exc.value.code == "no_tie"
    opened = tender_opened(world, prices=TIED_PRICES, project=None)
    with pytest.raises(ServiceError, match="评审完成"):
        tie_draw(tender=opened, actor=world.purchaser)
    assert not TieDraw.objects.exists()


def test_tie_draw_denied_to_bidders_and_experts(world, tied):
    for user in (world.supplier_staff[0], world.experts[0], world.community):
        with pytest.raises(PermissionDenied):
            tie_draw(tender=tied, actor=user, seed="x")
    assert not TieDraw.objects.exists()
    assert set(Bid.objects.filter(tender=tied).values_list("rank", flat=True)) == {1, 3}


def test_scores_cannot_be_corrected_after_the_draw(world, tied):
    tie_draw(tender=tied, actor=world.purchaser, seed="x")
    item = (ScoreItem.objects.select_related("sheet__member__expert")
            .filter(sheet__bid__tender=tied, criterion__kind="technical").first())
    with pytest.raises(ServiceError, match="不能再修改评分"):
        score_correct(item=item, actor=item.sheet.member.expert, new_score=D("10"), reason="abnormal",
                      explanation="x")
    item.refresh_from_db()
    assert item.score == D("40.00")


# --- 竞争性谈判: the lowest responsive price wins (法38(五)) ------------------------------------


def test_negotiation_awards_lowest_price_law_38_5(world):
    tender = tender_opened(world, method="negotiation", price_weight=D("0"))
    assert tender.evaluation_method == Tender.EvaluationMethod.LOWEST_PRICE
    assert tender.get_evaluation_method_display() == "最低报价法"
    assert not tender.criteria.filter(kind="price").exists()
    committee = committee_form(tender=tender, actor=world.purchaser, seed="n")
    assert committee.members.count() == 3
    cheap, mid, dear = _bids(tender)
    # The committee rates the dearest bid best: under 谈判 the scores never decide.
    _score(tender, {cheap: (D("20"), D("20")), mid: (D("30"), D("30")), dear: (D("50"), D("50"))})
    for bid in (cheap, mid, dear):
        bid.refresh_from_db()
    assert dear.final_score > mid.final_score > cheap.final_score
    assert (cheap.rank, mid.rank, dear.rank) == (1, 2, 3)
    assert cheap.price_score == D("0.00")
    award = award_confirm(tender=tender, actor=world.purchaser)
    assert award.bid == cheap and award.amount == cheap.price


def test_negotiation_ignores_disqualified_lower_price_law_38_5(db):
    # Over budget is not responsive: disqualified at opening, never ranked.
    world = world_build(**PROCUREMENT_WORLD)
    prices = (D("310000.00"), D("280000.00"), D("290000.00"), D("295000.00"))  # budget 300,000
    tender = tender_opened(world, method="negotiation", price_weight=D("0"), prices=prices)
    over = tender.bids.get(price=D("310000.00"))
    assert over.status == Bid.Status.DISQUALIFIED
    committee_form(tender=tender, actor=world.purchaser, seed="n")
    _score(tender, {b: (D("40"), D("40")) for b in tender.bids.filter(status=Bid.Status.QUALIFIED)})
    over.refresh_from_db()
    assert over.rank is None
    assert award_confirm(tender=tender, actor=world.purchaser).bid.price == D("280000.00")


@pytest.mark.parametrize(("method", "expected"), [
    ("open", "comprehensive"), ("invited", "comprehensive"), ("consultation", "comprehensive"),
    ("negotiation", "lowest_price"), ("single_source", "lowest_price"),
])
def test_evaluation_method_follows_procurement_method_law_38_5(method, expected):
    assert Tender(method=method).evaluation_method == expected


def test_open_tender_still_ranks_by_comprehensive_score_87_55(world):
    tender = tender_opened(world)
    committee_form(tender=tender, actor=world.purchaser, seed="o")
    cheap, mid, dear = _bids(tender)
    _score(tender, {cheap: (D("20"), D("20")), mid: (D("30"), D("30")), dear: (D("45"), D("40"))})
    dear.refresh_from_db()
    assert dear.rank == 1
    assert criteria(D("10"))[-1]["kind"] == "price"


# --- fixed-price projects: price is not scored (87号令 55 last paragraph, 214号 24) -------------


def test_fixed_price_tender_ranks_by_score_alone_87_55(world):
    project = project_budget_confirmed(world, design=CASE_AND_EVENTS, fixed_price=True)
    budget = project.budget_amount
    tender = tender_opened(world, project=project, price_weight=D("0"), prices=(budget,) * 3)
    assert tender.criteria.filter(kind="price").count() == 0
    committee_form(tender=tender, actor=world.purchaser, seed="f")
    a, b, c = _bids(tender)
    _score(tender, {a: (D("30"), D("30")), b: (D("45"), D("40")), c: (D("45"), D("40"))})
    for bid in (a, b, c):
        bid.refresh_from_db()
    assert {bid.price_score for bid in (a, b, c)} == {D("0.00")}
    assert (b.final_score, a.final_score) == (D("85.00"), D("60.00"))
    # b and c: equal totals, prices and technical scores → a tie for the draw, a last.
    assert (b.rank, c.rank, a.rank) == (1, 1, 3)
    draw = tie_draw(tender=tender, actor=world.purchaser, seed="f")
    assert award_confirm(tender=tender, actor=world.purchaser).bid_id == draw.groups[0]["order"][0]
