"""The ledger's totals on each envelope: committed (已占用), contracted (已签合同), paid (已拨付).

The ledger, the finance dashboard and the annual report show them for every envelope; summed
over the rows at each read they grew with the projects an envelope funds (issue 11 item 3: 2×
slower at 10,000). They are kept on the envelope instead, and always recomputed from the rows,
never added to, so a total cannot drift by a missed increment: finance.receivers calls
envelope_totals_refresh in the transaction of every save or delete of a commitment, a contract
or a payment. Rows written around the models' save (bulk_create: benchmarks/citygen.py, a
restore of selected tables) need ``manage.py ledger_totals``; ``--check`` reports any drift.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from finance.models import BudgetCommitment, BudgetEnvelope, Payment
from procurement.models import Contract

ZERO = Decimal("0.00")


def envelope_totals(envelope_ids) -> dict[int, tuple[Decimal, Decimal, Decimal]]:
    """Return {envelope id: (committed, contracted, paid)} summed from the rows, three queries:
    live commitments; contracts not terminated of projects whose commitment is live; payments."""
    ids = list(envelope_ids)
    live = {"project__budget_commitment__status": BudgetCommitment.Status.COMMITTED}
    committed = dict(
        BudgetCommitment.objects.filter(envelope_id__in=ids,
                                        status=BudgetCommitment.Status.COMMITTED)
        .values_list("envelope_id").annotate(total=Sum("amount"))
        .values_list("envelope_id", "total"))
    envelope = "project__budget_commitment__envelope_id"
    contracted = dict(
        Contract.objects.filter(**{f"{envelope}__in": ids}, **live)
        .exclude(status=Contract.Status.TERMINATED)
        .values_list(envelope).annotate(total=Sum("amount")).values_list(envelope, "total"))
    envelope = "tranche__contract__project__budget_commitment__envelope_id"
    paid = dict(
        Payment.objects.filter(**{f"{envelope}__in": ids})
        .values_list(envelope).annotate(total=Sum("amount")).values_list(envelope, "total"))
    return {pk: (committed.get(pk) or ZERO, contracted.get(pk) or ZERO, paid.get(pk) or ZERO)
            for pk in ids}


@transaction.atomic
def envelope_totals_refresh(envelope_ids=None) -> int:
    """Recompute and store the totals of the envelopes (all when None); return how many.

    The envelopes are locked first, in id order: a payment and a commitment changing one
    envelope at once each sum what the other committed (a new snapshot after the lock, under
    PostgreSQL's READ COMMITTED), and two refreshes never wait for each other crosswise."""
    rows = BudgetEnvelope.objects.select_for_update().order_by("pk")
    if envelope_ids is not None:
        ids = {pk for pk in envelope_ids if pk is not None}
        if not ids:
            return 0
        rows = rows.filter(pk__in=ids)
    locked = list(rows.values_list("pk", flat=True))
    for pk, (committed, contracted, paid) in envelope_totals(locked).items():
        BudgetEnvelope.objects.filter(pk=pk).update(
            committed_total=committed, contracted_total=contracted, paid_total=paid)
    return len(locked)


def envelope_totals_drift() -> list[tuple[BudgetEnvelope, tuple, tuple]]:
    """Return (envelope, stored, summed) for every envelope whose stored totals differ."""
    envelopes = list(BudgetEnvelope.objects.order_by("pk"))
    summed = envelope_totals([e.pk for e in envelopes])
    drift = []
    for envelope in envelopes:
        stored = tuple(getattr(envelope, name) for name in BudgetEnvelope.TOTALS)
        if stored != summed[envelope.pk]:
            drift.append((envelope, stored, summed[envelope.pk]))
    return drift
