"""Signals the delivery services send, for the apps above delivery to react.

delivery sits below evaluation and never imports it (docs/architecture.md).

- ``final_report_accepted``: sent *inside* milestone_accept's transaction with ``report`` (the
  accepted final report), ``contract`` and ``actor``; evaluation opens the performance
  evaluation. A receiver raising ServiceError (no independent expert to draw) refuses the
  acceptance as a whole.
"""

from django.dispatch import Signal

final_report_accepted = Signal()
