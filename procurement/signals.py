"""Signals the procurement services send, for the apps above procurement to react.

procurement sits below finance, delivery, evaluation and workflows and never imports them
(docs/architecture.md). Where a procurement step must cause something in a higher app, the
service sends one of these and the higher app connects its receiver in its AppConfig.ready.

Sent *inside* the service's transaction (a receiver's write commits or rolls back with the
step; a receiver raising ServiceError refuses the whole step):

- ``contract_drafted``: award_confirm drafted ``contract``; finance plans its payment tranches.
- ``contract_voided``: a remedy after an upheld challenge (remedies) voids the unsigned
  ``contract``; finance deletes its planned tranches (refuses when one is no longer pending).
- ``contract_signed``: contract_sign got the second signature on ``contract`` (``project`` now
  in delivery); finance makes the first tranche due. A receiver may return a dict of facts,
  merged into the ``contract.sign`` audit row.
- ``project_ended``: project_close or tender_cancel ended ``project`` (closed or cancelled);
  finance refuses while a tranche is still open, then settles the budget commitment.

Asked (a receiver returns the answer):

- ``budget_reviewer_wanted``: with ``project``; finance returns the finance bureau (an
  Organization, or None) that reviews the project's budget or funds it, to notify its staff.
- ``committee_seats_wanted``: with ``project``, ``method``, ``specialties`` (the tender's
  required expert specialties) and ``on_date`` (the day of opening); evaluation returns
  ``(needed, available)``: the lawful committee size for the method and budget and the number
  of active experts with a required specialty, available that day and free of the project's
  purchaser and designing community. tender_publish
  refuses an open or invited tender the pool cannot seat.

Sent *on commit* (the step is final; receivers advance the flows):

- ``tender_opened``: bids_open, with ``tender`` (re-read) and ``failed`` (True when 废标).
- ``tender_cancelled``: tender_cancel, with ``tender`` (re-read): the project's flow ends.
- ``challenge_remedied``: a remedy after an upheld challenge (remedies), with ``tender``
  (re-read) and ``remedy`` (``Challenge.Remedy``): the project's flow goes back to the step the
  remedy reopens (the award, the signatures, or the publication of a new tender).
"""

from django.dispatch import Signal

contract_drafted = Signal()
contract_voided = Signal()
contract_signed = Signal()
project_ended = Signal()

budget_reviewer_wanted = Signal()
committee_seats_wanted = Signal()

tender_opened = Signal()
tender_cancelled = Signal()
challenge_remedied = Signal()
