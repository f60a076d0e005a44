"""Pure scoring rules: price score, bid totals, ranking and ties, grade bands, achievement steps.

Every function takes and returns Decimal, rounding half up to 2 places (RULES.md).
"""

import random
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

TWO_PLACES = Decimal("0.01")


def q2(value: Decimal) -> Decimal:
    """Return value rounded half up to 2 decimal places."""
    return Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def price_scores(prices: Mapping[Hashable, Decimal], price_weight: Decimal) -> dict[Hashable, Decimal]:
    """Return each bid's price score by 低价优先法 (87号令 art 55).

    base = lowest price among the qualified bids given; score = base ÷ price × weight, where the
    weight is in points (a 10 % price weight is 10 points), so 9.00 / 9.47 / 10.00 for
    1,000,000 / 950,000 / 900,000 at 10.
    """
    if not prices:
        return {}
    values = {key: Decimal(price) for key, price in prices.items()}
    if any(price <= 0 for price in values.values()):
        raise ValueError("prices must be positive")
    base = min(values.values())
    weight = Decimal(price_weight)
    return {key: q2(base / price * weight) for key, price in values.items()}


def bid_final_score(totals: Sequence[Decimal]) -> Decimal:
    """Return the arithmetic mean of the experts' totals, 2 places."""
    if not totals:
        raise ValueError("no totals")
    return q2(sum((Decimal(t) for t in totals), Decimal(0)) / len(totals))


@dataclass(frozen=True)
class RankRow:
    """One bid as the ranking sees it."""

    key: Hashable
    total: Decimal
    price: Decimal
    technical: Decimal = Decimal(0)


COMPREHENSIVE = "comprehensive"
LOWEST_PRICE = "lowest_price"
TECHNICAL_TIE_RULE = "technical"


def rank_bids(rows: Iterable[RankRow], *, method: str = COMPREHENSIVE,
              tie_rule: str = TECHNICAL_TIE_RULE) -> dict[Hashable, int]:
    """Return rank (1 = best); bids the method and the tie rule cannot tell apart share a rank.

    综合评分法: total desc, then lower price (87号令 57). 最低报价法 (法38(五)): price asc only,
    the scores play no part. The tender's tie rule ``technical`` then prefers the higher mean
    technical score. What remains equal is a tie (并列, standard competition ranking 1, 1, 3),
    settled by a recorded random draw (``draw_order``), never by submission time.
    """
    use_technical = tie_rule == TECHNICAL_TIE_RULE

    def sort_key(row: RankRow) -> tuple:
        technical = -Decimal(row.technical) if use_technical else Decimal(0)
        if method == LOWEST_PRICE:
            return (Decimal(row.price), technical)
        return (-Decimal(row.total), Decimal(row.price), technical)

    ordered = sorted(rows, key=sort_key)
    ranks: dict[Hashable, int] = {}
    previous = None
    for position, row in enumerate(ordered, start=1):
        key = sort_key(row)
        if key != previous:
            rank, previous = position, key
        ranks[row.key] = rank
    return ranks


def tied_groups(ranks: Mapping[Hashable, int]) -> dict[int, list]:
    """Return {rank: keys ascending} for every rank that more than one bid shares."""
    groups: dict[int, list] = {}
    for key, rank in ranks.items():
        groups.setdefault(rank, []).append(key)
    return {rank: sorted(keys) for rank, keys in sorted(groups.items()) if len(keys) > 1}


def draw_order(keys: Iterable[Hashable], *, seed: str, rank: int) -> list:
    """Return the tied keys in drawn order: random.Random(f"{seed}:{rank}") shuffles them sorted.

    A string seed makes the draw the same on every machine and Python run, so the recorded seed
    replays the recorded result.
    """
    ordered = sorted(keys)
    random.Random(f"{seed}:{rank}").shuffle(ordered)  # noqa: S311 - reproducible draw, not crypto
    return ordered


def grade_for(total: Decimal) -> str:
    """Return the grade (PerformanceEvaluation.Grade value) for a total by the grade bands."""
    total = Decimal(total)
    bands = sorted(settings.PLATFORM_RULES["GRADE_BANDS"], key=lambda band: band[1], reverse=True)
    for grade, lower in bands:
        if total >= Decimal(lower):
            return grade
    return bands[-1][0]


def achievement_score(actual: Decimal, target: Decimal, full: Decimal) -> Decimal:
    """Return the marks for an achievement ratio actual ÷ target by ACHIEVEMENT_STEPS."""
    target = Decimal(target)
    if target <= 0:
        raise ValueError("target must be positive")
    ratio = Decimal(actual) / target
    steps = sorted(settings.PLATFORM_RULES["ACHIEVEMENT_STEPS"], key=lambda s: s[0], reverse=True)
    for threshold, fraction in steps:
        if ratio >= Decimal(threshold):
            return q2(Decimal(full) * Decimal(fraction))
    return q2(Decimal(0))
