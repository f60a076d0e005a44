"""Signals the procurement services send after their transaction commits."""

from django.dispatch import Signal

# Sent on commit by bids_open with ``tender`` (re-read) and ``failed`` (True when 废标).
tender_opened = Signal()

# Sent on commit by tender_cancel with ``tender`` (re-read): the project's flow ends.
tender_cancelled = Signal()
