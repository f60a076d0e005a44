"""Which status changes exist for finance's models: budget commitments and payment tranches.

Tranches are created pending by finance when a contract is drafted (finance.receivers); the
signing, the mid-term acceptance (delivery) and the final evaluation (evaluation) make them due.
"""


from core.states import StatusFlow, status_state
from finance.models import BudgetCommitment, PaymentTranche

M = BudgetCommitment.Status
T = PaymentTranche.Status


class BudgetCommitmentStates(StatusFlow):
    """Money of an envelope reserved for a project; released when nothing was paid at its end."""

    model = BudgetCommitment
    status = status_state(M)

    @status.transition(source=M.COMMITTED, target=M.RELEASED)
    def release(self):
        """The project ended with nothing paid: the envelope regains the whole amount."""

    @status.transition(source=M.RELEASED, target=M.COMMITTED)
    def recommit(self):
        """Finance confirms the budget again on a released commitment row."""


class PaymentTrancheStates(StatusFlow):
    """One payment of a contract: due when its condition is met, approved, then paid."""

    model = PaymentTranche
    status = status_state(T)

    @status.transition(source=T.PENDING, target=T.DUE)
    def make_due(self):
        """Its condition is met: signing, mid-term acceptance, or a final grade paying > 0 %."""

    @status.transition(source=T.PENDING, target=T.WITHHELD)
    def withhold(self):
        """The final grade pays nothing of the final tranche (扣减)."""

    @status.transition(source=T.DUE, target=T.APPROVED)
    def approve(self):
        """Finance approves the due tranche for payment."""

    @status.transition(source=T.APPROVED, target=T.PAID)
    def pay(self):
        """Finance records the payment with its voucher."""
