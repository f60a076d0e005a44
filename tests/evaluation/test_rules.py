import datetime as dt
from decimal import Decimal as D

import pytest

from evaluation.rules import (
    RankRow,
    achievement_score,
    bid_final_score,
    grade_for,
    price_scores,
    rank_bids,
)


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


def test_rank_tie_rule_technical_then_submission_time():
    t0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    rows = [RankRow("a", D("88"), D("900"), technical=D("40"), submitted_at=t0),
            RankRow("b", D("88"), D("900"), technical=D("45"), submitted_at=t0 + dt.timedelta(hours=1))]
    assert rank_bids(rows) == {"b": 1, "a": 2}
    # A tie rule without 技术 falls back to the earlier submission.
    assert rank_bids(rows, tie_rule="先递交者优先") == {"a": 1, "b": 2}


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
