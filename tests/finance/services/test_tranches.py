from decimal import Decimal as D

import pytest

from accounts.models import Organization
from accounts.roles import Role
from core.exceptions import PermissionDenied, ServiceError
from core.models import AuditEntry, Notification
from finance.models import Payment, PaymentTranche
from finance.selectors import ledger_for_user, tranche_list_for_user
from finance.services.budget import commitment_settle
from finance.services.tranches import tranche_approve, tranche_pay
from tests.factories import OrganizationFactory, user_with_role
from tests.worlds import contract_signed

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(world):
    return contract_signed(world)


def test_approve_then_pay_first_tranche(world, contract):
    tranche = contract.tranches.get(sequence=1)
    tranche_approve(tranche=tranche, actor=world.finance)
    tranche.refresh_from_db()
    assert tranche.status == PaymentTranche.Status.APPROVED and tranche.approved_by == world.finance
    payment = tranche_pay(tranche=tranche, actor=world.cashier, voucher_number="PZ-001")
    assert payment.amount == tranche.amount == D("81000.00")
    tranche.refresh_from_db()
    assert tranche.status == PaymentTranche.Status.PAID
    assert AuditEntry.objects.filter(action="tranche.pay", target_id=str(tranche.pk)).exists()
    assert Notification.objects.filter(title__contains="款项已拨付").exists()
    assert not Notification.objects.filter(title__contains="办理结项").exists()


def test_pay_requires_approval_and_unique_voucher(world, contract):
    first, second = contract.tranches.order_by("sequence")[:2]
    with pytest.raises(ServiceError):
        tranche_pay(tranche=first, actor=world.finance, voucher_number="PZ-1")
    with pytest.raises(ServiceError):
        tranche_approve(tranche=second, actor=world.finance)  # still pending
    tranche_approve(tranche=first, actor=world.finance)
    tranche_pay(tranche=first, actor=world.cashier, voucher_number="PZ-1")
    PaymentTranche.objects.filter(pk=second.pk).update(status=PaymentTranche.Status.APPROVED)
    with pytest.raises(ServiceError, match="凭证号"):
        tranche_pay(tranche=second, actor=world.cashier, voucher_number="PZ-1")
    assert Payment.objects.count() == 1


def test_tranche_denied(world, contract):
    tranche = contract.tranches.get(sequence=1)
    other_finance = user_with_role(Role.FINANCE, OrganizationFactory(kind=Organization.Kind.FINANCE))
    for actor in (world.purchaser, world.supplier_staff[2], world.community, other_finance):
        with pytest.raises(PermissionDenied):
            tranche_approve(tranche=tranche, actor=actor)
    tranche.refresh_from_db()
    assert tranche.status == PaymentTranche.Status.DUE


def test_last_payment_notifies_purchaser_and_uses_payable_amount(world, contract):
    for tranche in contract.tranches.order_by("sequence"):
        PaymentTranche.objects.filter(pk=tranche.pk).update(status=PaymentTranche.Status.DUE)
    final = contract.tranches.get(sequence=3)
    PaymentTranche.objects.filter(pk=final.pk).update(payable_amount=D("64800.00"))
    for n, tranche in enumerate(contract.tranches.order_by("sequence")):
        tranche_approve(tranche=tranche, actor=world.finance)
        tranche_pay(tranche=tranche, actor=world.cashier, voucher_number=f"V{n}")
    assert Payment.objects.get(tranche=final).amount == D("64800.00")
    assert Notification.objects.filter(recipient=world.purchaser, title__contains="办理结项").exists()
    rows = ledger_for_user(user=world.finance)
    assert len(rows) == 1
    row = rows[0]
    assert (row.amount, row.committed, row.contracted, row.paid) == (
        D("1000000.00"), D("300000.00"), D("270000.00"), D("81000.00") + D("108000.00") + D("64800.00"))
    commitment_settle(project=contract.project, actor=world.purchaser)
    assert ledger_for_user(user=world.finance)[0].committed == row.paid


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


def test_ledger_and_tranche_list_constant_queries(world, django_assert_num_queries):
    from finance.models import BudgetEnvelope
    from tests.worlds import tender_opened
    contract_signed(world)
    for n in (1, 2):
        finance = _fresh(world.finance)
        with django_assert_num_queries(2):  # the memberships, the envelopes with their totals
            rows = ledger_for_user(user=finance)
        with django_assert_num_queries(1):
            assert len(list(tranche_list_for_user(user=finance))) == 3 * n
        if n == 1:
            BudgetEnvelope.objects.create(fiscal_year=2026, funding_source="lottery", division=world.envelope.division,
                                          finance_bureau=world.finance_org, name="福彩", amount=D("5e5"))
            contract_signed(world, tender=tender_opened(world, prices=(D("250000"), D("260000"), D("240000"))))
    assert len(rows) == 2
    assert list(tranche_list_for_user(user=world.community)) == []
    assert len(list(tranche_list_for_user(user=world.supplier_staff[2]))) == 6
    assert list(tranche_list_for_user(user=world.supplier_staff[0])) == []


def test_approver_may_not_pay_the_same_tranche_internal_control_12(world, contract):
    """行政事业单位内部控制规范（试行）第十二条: 不相容岗位相互分离 — approve and pay are two people."""
    tranche = contract.tranches.get(sequence=1)
    tranche_approve(tranche=tranche, actor=world.finance)
    with pytest.raises(ServiceError, match="不相容岗位相互分离") as refused:
        tranche_pay(tranche=tranche, actor=world.finance, voucher_number="PZ-SELF")
    assert refused.value.code == "segregation"
    tranche.refresh_from_db()
    assert tranche.status == PaymentTranche.Status.APPROVED
    assert not Payment.objects.exists()
    assert not AuditEntry.objects.filter(action="tranche.pay").exists()
    # The other officer of the same bureau pays; and the roles may be the other way round.
    tranche_pay(tranche=tranche, actor=world.cashier, voucher_number="PZ-OTHER")
    second = contract.tranches.get(sequence=2)
    PaymentTranche.objects.filter(pk=second.pk).update(status=PaymentTranche.Status.DUE)
    tranche_approve(tranche=second, actor=world.cashier)
    with pytest.raises(ServiceError, match="不相容岗位相互分离"):
        tranche_pay(tranche=second, actor=world.cashier, voucher_number="PZ-SELF-2")
    payment = tranche_pay(tranche=second, actor=world.finance, voucher_number="PZ-2")
    assert payment.paid_by == world.finance
    assert payment.tranche.approved_by == world.cashier
