"""Reads of envelopes, the ledger and payment tranches, scoped to the user."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from accounts.roles import Role
from accounts.selectors import organization_members, user_memberships
from core.authz import scope_q
from finance.models import BudgetCommitment, BudgetEnvelope, PaymentTranche

ZERO = Decimal("0.00")


def _org_ids(user, role) -> set[int]:
    return {m.organization_id for m in user_memberships(user) if m.role == role and m.organization_id}


def envelope_list_for_user(*, user) -> QuerySet[BudgetEnvelope]:
    """Return the envelopes of the user's finance bureaus."""
    return BudgetEnvelope.objects.filter(scope_q(user, "finance.view_budgetenvelope")).select_related(
        "division", "finance_bureau")


@dataclass(frozen=True)
class LedgerRow:
    """One envelope's money: amount → committed → contracted → paid."""

    envelope: BudgetEnvelope
    amount: Decimal
    committed: Decimal
    contracted: Decimal
    paid: Decimal

    @property
    def available(self) -> Decimal:
        return self.amount - self.committed


def ledger_for_user(*, user) -> list[LedgerRow]:
    """Return the ledger of the user's envelopes in one query, whatever their number."""
    return ledger_rows(envelopes=envelope_list_for_user(user=user))


def ledger_rows(*, envelopes) -> list[LedgerRow]:
    """Return the ledger rows of the given envelopes (already scoped): their amounts and the
    totals kept on each (finance.services.ledger), no query beyond the envelopes' own."""
    return [LedgerRow(envelope=e, amount=e.amount, committed=e.committed_total,
                      contracted=e.contracted_total, paid=e.paid_total) for e in envelopes]


def tranche_list_for_user(*, user, status: str | None = None) -> QuerySet[PaymentTranche]:
    """Return tranches the user may see: finance of the funding bureau, purchaser or supplier."""
    qs = PaymentTranche.objects.filter(scope_q(user, "finance.view_paymenttranche")).select_related(
        "contract__project", "contract__supplier", "contract__purchaser", "payment"
    ).order_by("contract_id", "sequence")
    if status:
        qs = qs.filter(status=status)
    return qs


def tranche_get_for_user(*, user, pk: int) -> PaymentTranche:
    """Return one visible tranche or raise PaymentTranche.DoesNotExist (views answer 404)."""
    return tranche_list_for_user(user=user).get(pk=pk)


def tranches_due_for_user(*, user) -> QuerySet[PaymentTranche]:
    """Return the tranches waiting for this finance user's approval or payment."""
    return tranche_list_for_user(user=user).filter(
        contract__project__budget_commitment__envelope__finance_bureau_id__in=_org_ids(user, Role.FINANCE),
        status__in=[PaymentTranche.Status.DUE, PaymentTranche.Status.APPROVED],
    )


def finance_staff_for_contract(contract) -> QuerySet:
    """Return the finance staff of the bureau whose envelope funds the contract's project."""
    commitment = (
        BudgetCommitment.objects.select_related("envelope__finance_bureau")
        .filter(project_id=contract.project_id).first()
    )
    if commitment is None:
        return get_user_model().objects.none()
    return organization_members(commitment.envelope.finance_bureau, Role.FINANCE)
