"""The ledger's totals kept on each envelope (finance.services.ledger, issue 11 item 3): every
save or delete of a commitment, a contract or a payment recomputes them from the rows, in the
same transaction; an envelope saved from a stale copy keeps them; the command repairs drift."""

import threading
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from finance.models import BudgetCommitment, BudgetEnvelope, Payment, PaymentTranche
from finance.services.budget import commitment_settle
from finance.services.ledger import envelope_totals, envelope_totals_drift
from finance.services.tranches import tranche_approve, tranche_pay
from procurement.models import Contract
from tests.worlds import EVALUATION_WORLD, contract_signed, world_build

pytestmark = pytest.mark.django_db


def totals(envelope) -> tuple:
    envelope = BudgetEnvelope.objects.get(pk=envelope.pk)
    stored = tuple(getattr(envelope, name) for name in BudgetEnvelope.TOTALS)
    assert stored == envelope_totals([envelope.pk])[envelope.pk]  # what the rows sum to
    return stored


def pay(world, tranche, voucher):
    tranche_approve(tranche=tranche, actor=world.finance)
    return tranche_pay(tranche=tranche, actor=world.cashier, voucher_number=voucher)


def test_each_step_of_the_chain_refreshes_the_totals(world):
    assert totals(world.envelope) == (0, 0, 0)
    contract = contract_signed(world)  # budget 300,000 committed, signed at 270,000
    assert totals(world.envelope) == (D("300000.00"), D("270000.00"), 0)
    pay(world, contract.tranches.get(sequence=1), "PZ-1")
    assert totals(world.envelope) == (D("300000.00"), D("270000.00"), D("81000.00"))
    # Terminated, the contract no longer counts; its payment still does.
    contract.status = Contract.Status.TERMINATED
    contract.save(update_fields=["status"])
    assert totals(world.envelope) == (D("300000.00"), 0, D("81000.00"))
    commitment_settle(project=contract.project)  # shrunk to what was paid
    assert totals(world.envelope) == (D("81000.00"), 0, D("81000.00"))
    Payment.objects.get().delete()
    assert totals(world.envelope)[2] == 0


def test_a_save_that_leaves_amount_and_status_alone_reads_nothing(world,
                                                                  django_assert_num_queries):
    contract = contract_signed(world)
    contract.sign_due = contract.sign_due  # any other field
    with django_assert_num_queries(1):
        contract.save(update_fields=["sign_due"])


def test_a_commitment_moved_to_another_envelope_refreshes_both(world):
    contract_signed(world)
    other = BudgetEnvelope.objects.create(
        fiscal_year=world.envelope.fiscal_year, funding_source="lottery",
        division=world.envelope.division, finance_bureau=world.finance_org, name="福彩公益金",
        amount=D("500000"))
    commitment = BudgetCommitment.objects.get()
    commitment.envelope = other
    commitment.save()
    assert totals(world.envelope) == (0, 0, 0)
    assert totals(other) == (D("300000.00"), D("270000.00"), 0)


def test_an_envelope_saved_from_a_stale_copy_keeps_its_totals(world):
    stale = BudgetEnvelope.objects.get(pk=world.envelope.pk)  # read before the money moved
    contract_signed(world)
    stale.name = "2026年度社区服务购买资金（更正）"
    stale.save()
    assert totals(world.envelope) == (D("300000.00"), D("270000.00"), 0)
    assert BudgetEnvelope.objects.get(pk=world.envelope.pk).name.endswith("（更正）")


def test_the_command_reports_drift_and_repairs_it(world, capsys):
    contract_signed(world)
    call_command("ledger_totals", "--check")
    BudgetEnvelope.objects.update(paid_total=D("1.00"), committed_total=0)  # around the models
    assert [e.pk for e, _stored, _summed in envelope_totals_drift()] == [world.envelope.pk]
    with pytest.raises(CommandError, match="1 envelopes"):
        call_command("ledger_totals", "--check")
    call_command("ledger_totals")
    assert totals(world.envelope) == (D("300000.00"), D("270000.00"), 0)
    call_command("ledger_totals", "--check")
    assert "OK: every envelope" in capsys.readouterr().out


@pytest.fixture
def committed_world(django_db_serialized_rollback, transactional_db, postgresql_required):
    return world_build(**EVALUATION_WORLD)


def test_two_payments_at_once_on_one_envelope_both_count(committed_world):
    """Each refresh locks the envelope before summing: the second waits for the first to
    commit and sums its payment too (summing first, it would write a total without it)."""
    world = committed_world
    first, second = (contract_signed(world).tranches.get(sequence=1) for _ in range(2))
    for tranche in (first, second):
        tranche_approve(tranche=tranche, actor=world.finance)
    held, release, errors = threading.Event(), threading.Event(), []

    def pay_and_hold():
        try:
            with transaction.atomic():
                tranche_pay(tranche=first, actor=world.cashier, voucher_number="PZ-A")
                held.set()
                release.wait(30)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            held.set()
        finally:
            connection.close()

    def pay_second():
        try:
            tranche_pay(tranche=second, actor=world.cashier, voucher_number="PZ-B")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    holder = threading.Thread(target=pay_and_hold)
    holder.start()
    assert held.wait(30)
    waiter = threading.Thread(target=pay_second)
    waiter.start()
    waiter.join(1)
    assert waiter.is_alive()  # waiting for the envelope the first payment locked
    release.set()
    holder.join(30)
    waiter.join(30)
    assert not errors, errors
    assert PaymentTranche.objects.filter(status=PaymentTranche.Status.PAID).count() == 2
    assert totals(world.envelope)[2] == D("162000.00")
