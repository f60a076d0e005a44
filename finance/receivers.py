"""finance's answers to procurement's signals (connected in FinanceConfig.ready).

procurement sits below finance and never imports it; it sends these signals inside its
service's transaction, so what finance does here commits or rolls back with the step.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils.translation import gettext as _

from core.exceptions import ServiceError
from finance.models import BudgetCommitment, Payment, PaymentTranche
from finance.permissions import project_budget_reviewer
from finance.services.budget import commitment_settle
from finance.services.ledger import envelope_totals_refresh
from finance.services.tranches import SETTLED, tranches_make_due, tranches_plan
from procurement.models import Contract
from procurement.signals import (
    budget_reviewer_wanted,
    contract_drafted,
    contract_signed,
    contract_voided,
    project_ended,
)


def plan_tranches_on_contract_drafted(sender, *, contract, **kwargs) -> None:
    """Plan the payment tranches of the contract award_confirm just drafted."""
    tranches_plan(contract=contract)


@transaction.atomic
def delete_tranches_on_contract_voided(sender, *, contract, **kwargs) -> None:
    """Delete the planned tranches of an unsigned contract a challenge remedy voids."""
    tranches = PaymentTranche.objects.select_for_update().filter(contract=contract)
    if tranches.exclude(status=PaymentTranche.Status.PENDING).exists():
        raise ServiceError(_("合同已有到期或已支付的付款节点，不能作废。"), code="tranches")
    tranches.delete()


@transaction.atomic
def first_tranche_due_on_contract_signed(sender, *, contract, **kwargs) -> dict:
    """Make the contract's first tranche due once both parties signed; report it for the audit."""
    first = (PaymentTranche.objects.select_for_update()
             .filter(contract=contract).order_by("sequence").first())
    if first is not None and first.status == PaymentTranche.Status.PENDING:
        tranches_make_due([first])
    return {"first_tranche": first.pk if first is not None else None}


def settle_on_project_ended(sender, *, project, actor=None, **kwargs) -> None:
    """Refuse to end a project with an open tranche; shrink its commitment to what was paid."""
    if PaymentTranche.objects.filter(contract__project=project).exclude(
            status__in=SETTLED).exists():
        raise ServiceError(_("仍有未支付的付款节点，不能结项。"), code="tranches")
    commitment_settle(project=project, actor=actor)


def budget_reviewer_for_project(sender, *, project, **kwargs):
    """Answer procurement: the finance bureau that reviews (or funds) the project's budget."""
    return project_budget_reviewer(project)


# The ledger's totals (finance.services.ledger), refreshed in the transaction of each change.

def remember_commitment_envelope(sender, *, instance, **kwargs) -> None:
    """Note the envelope a saved commitment had: a recommitted one may move to another."""
    instance._ledger_envelope_before = (
        BudgetCommitment.objects.filter(pk=instance.pk).values_list("envelope_id", flat=True)
        .first() if instance.pk else None)


def totals_on_commitment(sender, *, instance, **kwargs) -> None:
    envelope_totals_refresh({instance.envelope_id,
                             getattr(instance, "_ledger_envelope_before", None)})


def totals_on_contract(sender, *, instance, update_fields=None, **kwargs) -> None:
    """A contract counts by its amount and status: other saves (a signature's date, the team)
    leave the totals alone."""
    if update_fields is not None and not {"amount", "status"} & set(update_fields):
        return
    envelope_totals_refresh(BudgetCommitment.objects.filter(project_id=instance.project_id)
                            .values_list("envelope_id", flat=True))


def totals_on_payment(sender, *, instance, **kwargs) -> None:
    envelope_totals_refresh(
        PaymentTranche.objects.filter(pk=instance.tranche_id)
        .values_list("contract__project__budget_commitment__envelope_id", flat=True))


def connect() -> None:
    """Connect finance's receivers to procurement's signals, and the ledger's totals to the
    saves and deletes of the rows they sum."""
    pre_save.connect(remember_commitment_envelope, sender=BudgetCommitment,
                     dispatch_uid="finance.ledger.commitment_before")
    for model, receiver in ((BudgetCommitment, totals_on_commitment),
                            (Contract, totals_on_contract), (Payment, totals_on_payment)):
        for signal, when in ((post_save, "saved"), (post_delete, "deleted")):
            signal.connect(receiver, sender=model,
                           dispatch_uid=f"finance.ledger.{model._meta.model_name}.{when}")
    contract_drafted.connect(plan_tranches_on_contract_drafted,
                             dispatch_uid="finance.plan_tranches")
    contract_voided.connect(delete_tranches_on_contract_voided,
                            dispatch_uid="finance.delete_tranches")
    contract_signed.connect(first_tranche_due_on_contract_signed,
                            dispatch_uid="finance.first_tranche_due")
    project_ended.connect(settle_on_project_ended, dispatch_uid="finance.settle_commitment")
    budget_reviewer_wanted.connect(budget_reviewer_for_project,
                                   dispatch_uid="finance.budget_reviewer")
