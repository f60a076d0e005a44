"""evaluation's answers to delivery's signals (connected in EvaluationConfig.ready).

delivery sits below evaluation and never imports it; it sends ``final_report_accepted`` inside
milestone_accept's transaction, so the evaluation opened here commits or rolls back with it.
"""

from delivery.signals import final_report_accepted
from evaluation.services.performance import performance_evaluation_open


def open_performance_evaluation_on_final_report(sender, *, contract, actor=None, **kwargs) -> None:
    """Open the contract's performance evaluation once its final report is accepted."""
    performance_evaluation_open(contract=contract, actor=actor)


def connect() -> None:
    """Connect evaluation's receivers to delivery's signals."""
    final_report_accepted.connect(open_performance_evaluation_on_final_report,
                                  dispatch_uid="evaluation.open_performance_evaluation")
