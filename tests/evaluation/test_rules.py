from decimal import Decimal as D

import pytest

from evaluation.rules import (
    RankRow,
    achievement_score,
    bid_final_score,
    draw_order,
    grade_for,
    price_scores,
    rank_bids,
    tied_groups,
)

# random.Random("2026-03-02-public:1").shuffle([7, 12, 31]); stable across Python 3 releases.
PINNED_DRAW = [7, 31, 12]


def test_price_score_rules_md_example():
    scores = price_scores({"a": D("1000000"), "b": D("950000"), "c": D("900000")}, D("10"))
    assert scores == {"a": D("9.00"), "b": D("9.47"), "c": D("10.00")}


def test_price_score_rounds_half_up():
    # 1 / 8 × 10 = 1.25 exactly; 2/3 × 10 = 6.666… → 6.67
    assert price_scores({"x": D("8"), "y": D("1")}, D("10"))["x"] == D("1.25")
    assert price_scores({"x": D("3"), "y": D("2")}, D("10"))["x"] == D("6.67")


def test_price_score_rejects_non_positive_price():
    with pytest.raises(ValueError):
        price_scores({"x": D("0")}, D("10"))


def test_bid_final_score_is_mean_2dp():
    assert bid_final_score([D("80"), D("81"), D("81")]) == D("80.67")
    with pytest.raises(ValueError):
        bid_final_score([])


def test_rank_total_then_lower_price():
    rows = [RankRow("a", D("88.00"), D("1000")), RankRow("b", D("88.00"), D("900")),
            RankRow("c", D("90.00"), D("1100"))]
    assert rank_bids(rows) == {"c": 1, "b": 2, "a": 3}


def test_rank_tie_rule_technical_then_tie_never_submission_time_87_57():
    rows = [RankRow("a", D("88"), D("900"), technical=D("40")),
            RankRow("b", D("88"), D("900"), technical=D("45"))]
    assert rank_bids(rows) == {"b": 1, "a": 2}
    # The draw rule (or equal technical scores) leaves them tied (并列), whoever submitted first.
    assert rank_bids(rows, tie_rule="draw") == {"a": 1, "b": 1}
    same = [RankRow("a", D("88"), D("900"), technical=D("45")),
            RankRow("b", D("88"), D("900"), technical=D("45"))]
    assert rank_bids(same) == {"a": 1, "b": 1}


def test_tied_bids_share_a_rank_and_the_next_rank_skips_87_57():
    rows = [RankRow("a", D("90"), D("1000")), RankRow("b", D("88"), D("900")),
            RankRow("c", D("88"), D("900")), RankRow("d", D("80"), D("800"))]
    ranks = rank_bids(rows, tie_rule="draw")
    assert ranks == {"a": 1, "b": 2, "c": 2, "d": 4}
    assert tied_groups(ranks) == {2: ["b", "c"]}
    assert tied_groups({"a": 1, "b": 2}) == {}


def test_negotiation_ranks_by_lowest_price_not_score_law_38_5():
    rows = [RankRow("rich", D("95"), D("300000")), RankRow("cheap", D("60"), D("250000")),
            RankRow("mid", D("99"), D("280000"))]
    assert rank_bids(rows, method="lowest_price") == {"cheap": 1, "mid": 2, "rich": 3}
    assert rank_bids(rows) == {"mid": 1, "rich": 2, "cheap": 3}
    # Equal lowest prices: the tie rule (technical) first, then a tie.
    equal = [RankRow("x", D("60"), D("250000"), technical=D("30")),
             RankRow("y", D("90"), D("250000"), technical=D("40"))]
    assert rank_bids(equal, method="lowest_price") == {"y": 1, "x": 2}
    assert rank_bids(equal, method="lowest_price", tie_rule="draw") == {"x": 1, "y": 1}


def test_draw_order_is_reproducible_from_the_seed_87_57():
    keys = [31, 7, 12]
    first = draw_order(keys, seed="2026-03-02-public", rank=1)
    assert sorted(first) == [7, 12, 31]
    assert draw_order(list(reversed(keys)), seed="2026-03-02-public", rank=1) == first
    # Pinned: the same seed gives the same order on every machine and Python run.
    assert first == PINNED_DRAW
    orders = {tuple(draw_order(keys, seed=f"s{i}", rank=1)) for i in range(20)}
    assert len(orders) > 1


@pytest.mark.parametrize(("total", "grade"), [
    (D("100"), "excellent"), (D("90"), "excellent"), (D("89.99"), "good"), (D("80"), "good"),
    (D("79.99"), "fair"), (D("60"), "fair"), (D("59.99"), "poor"), (D("0"), "poor"),
])
def test_grade_bands(total, grade):
    assert grade_for(total) == grade


@pytest.mark.parametrize(("actual", "score"), [
    (D("12"), D("30.00")), (D("10"), D("30.00")), (D("9"), D("20.00")), (D("8"), D("20.00")),
    (D("7.9"), D("10.00")), (D("6"), D("10.00")), (D("5.9"), D("0.00")), (D("0"), D("0.00")),
])
def test_achievement_steps(actual, score):
    assert achievement_score(actual, D("10"), D("30")) == score


def test_grade_bands_follow_settings(settings):
    settings.PLATFORM_RULES = {**settings.PLATFORM_RULES,
                               "GRADE_BANDS": [("excellent", 95), ("good", 80), ("fair", 60), ("poor", 0)]}
    assert grade_for(D("92")) == "good"
