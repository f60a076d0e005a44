"""Which status changes exist for evaluation's models: score sheets and performance evaluations."""


from core.states import StatusFlow, status_state
from evaluation.models import PerformanceEvaluation, ScoreSheet

S = ScoreSheet.Status
E = PerformanceEvaluation.Status


class ScoreSheetStates(StatusFlow):
    """One expert's scores of one bid: submitted once, never edited after."""

    model = ScoreSheet
    status = status_state(S)

    @status.transition(source=S.DRAFT, target=S.SUBMITTED)
    def submit(self):
        """The expert submits the scores of every bid at once."""


class PerformanceEvaluationStates(StatusFlow):
    """A contract's multi-party performance evaluation: open until the last party scores."""

    model = PerformanceEvaluation
    status = status_state(E)

    @status.transition(source=E.OPEN, target=E.FINALIZED)
    def finalize(self):
        """Every scoring party is in: total, grade and the final tranche are fixed."""
