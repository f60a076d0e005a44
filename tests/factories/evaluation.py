"""Factories of the evaluation models (committees, score sheets, performance evaluations)."""

from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from evaluation.models import (
    CommitteeMember,
    EvaluationCommittee,
    EvaluationParty,
    PartyScore,
    PerformanceEvaluation,
    SatisfactionResponse,
    ScoreCorrection,
    ScoreItem,
    ScoreSheet,
    TieDraw,
)
from tests.factories.accounts import UserFactory
from tests.factories.procurement import (
    BidFactory,
    ContractFactory,
    TenderCriterionFactory,
    TenderFactory,
)


class EvaluationCommitteeFactory(DjangoModelFactory):
    class Meta:
        model = EvaluationCommittee

    tender = factory.SubFactory(TenderFactory, opened=True)
    formed_by = factory.SubFactory(UserFactory)
    formed_at = factory.LazyFunction(timezone.now)
    draw_seed = factory.Sequence(lambda n: f"seed-{n}")


class CommitteeMemberFactory(DjangoModelFactory):
    class Meta:
        model = CommitteeMember

    committee = factory.SubFactory(EvaluationCommitteeFactory)
    expert = factory.SubFactory(UserFactory)

    class Params:
        chair = factory.Trait(is_chair=True)


class ScoreSheetFactory(DjangoModelFactory):
    """A draft sheet of one member for one bid of the committee's tender."""

    class Meta:
        model = ScoreSheet

    member = factory.SubFactory(CommitteeMemberFactory)
    bid = factory.SubFactory(BidFactory, tender=factory.SelfAttribute("..member.committee.tender"))

    class Params:
        submitted = factory.Trait(status=ScoreSheet.Status.SUBMITTED, total=Decimal("70"),
                                  submitted_at=factory.LazyFunction(timezone.now))


class ScoreItemFactory(DjangoModelFactory):
    class Meta:
        model = ScoreItem

    sheet = factory.SubFactory(ScoreSheetFactory)
    criterion = factory.SubFactory(TenderCriterionFactory, tender=factory.SelfAttribute("..sheet.bid.tender"))
    score = Decimal("40")


class ScoreCorrectionFactory(DjangoModelFactory):
    class Meta:
        model = ScoreCorrection

    item = factory.SubFactory(ScoreItemFactory)
    old_score = Decimal("95")
    new_score = factory.SelfAttribute("item.score")
    reason = ScoreCorrection.Reason.OUT_OF_RANGE
    explanation = "分项评分超出该项满分，按评标委员会意见更正。"
    corrected_by = factory.SubFactory(UserFactory)
    corrected_at = factory.LazyFunction(timezone.now)


class TieDrawFactory(DjangoModelFactory):
    class Meta:
        model = TieDraw

    tender = factory.SubFactory(TenderFactory, opened=True)
    seed = factory.Sequence(lambda n: f"tie-seed-{n}")
    groups = factory.LazyFunction(lambda: [{"rank": 1, "bids": [1, 2], "order": [2, 1]}])
    drawn_by = factory.SubFactory(UserFactory)
    drawn_at = factory.LazyFunction(timezone.now)


class PerformanceEvaluationFactory(DjangoModelFactory):
    """An open evaluation of a signed contract; ``finalized=True`` for one graded 优."""

    class Meta:
        model = PerformanceEvaluation

    contract = factory.SubFactory(ContractFactory, signed=True)
    opened_at = factory.LazyFunction(timezone.now)

    class Params:
        finalized = factory.Trait(
            status=PerformanceEvaluation.Status.FINALIZED, total=Decimal("91.50"),
            grade=PerformanceEvaluation.Grade.EXCELLENT, finalized_at=factory.LazyFunction(timezone.now),
        )


class PartyScoreFactory(DjangoModelFactory):
    class Meta:
        model = PartyScore

    evaluation = factory.SubFactory(PerformanceEvaluationFactory)
    party = EvaluationParty.PURCHASER
    organization = factory.SelfAttribute("evaluation.contract.purchaser")
    evaluator = factory.SubFactory(UserFactory)
    category_scores = factory.LazyFunction(lambda: {"budget": "9", "output": "46", "effect": "27",
                                                    "satisfaction": "9"})
    score = Decimal("91.00")
    submitted_at = factory.LazyFunction(timezone.now)


class SatisfactionResponseFactory(DjangoModelFactory):
    class Meta:
        model = SatisfactionResponse

    evaluation = factory.SubFactory(PerformanceEvaluationFactory)
    resident = factory.SubFactory(UserFactory)
    score = 92
    comment = "社工很耐心。"
