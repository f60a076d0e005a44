"""evaluation's answers to delivery's and procurement's signals (connected in EvaluationConfig.ready).

delivery sits below evaluation and never imports it; it sends ``final_report_accepted`` inside
milestone_accept's transaction, so the evaluation opened here commits or rolls back with it.
"""

from delivery.signals import final_report_accepted
from evaluation.services.committees import seats_available
from evaluation.services.performance import performance_evaluation_open
from procurement.signals import committee_seats_wanted


def open_performance_evaluation_on_final_report(sender, *, contract, actor=None, **kwargs) -> None:
    """Open the contract's performance evaluation once its final report is accepted."""
    performance_evaluation_open(contract=contract, actor=actor)


def seats_for_tender(sender, *, project, method, specialties=(), on_date=None,
                     **kwargs) -> tuple[int, int]:
    """Answer procurement: (committee size needed, experts the draw could seat before bidding)."""
    return seats_available(project=project, method=method, specialties=specialties,
                           on_date=on_date)


def connect() -> None:
    """Connect evaluation's receivers to delivery's and procurement's signals."""
    committee_seats_wanted.connect(seats_for_tender, dispatch_uid="evaluation.committee_seats")
    final_report_accepted.connect(open_performance_evaluation_on_final_report,
                                  dispatch_uid="evaluation.open_performance_evaluation")
