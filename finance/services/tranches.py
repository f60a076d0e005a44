"""Payment tranches: planned when a contract is drafted, made due when their condition is met,
approved by finance, then paid by another finance officer (不相容岗位相互分离)."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from accounts.selectors import organization_members as members_of
from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from core.notifications import notify
from finance.models import Payment, PaymentTranche
from finance.states import PaymentTrancheStates
from procurement.selectors.grants import project_purchaser_staff

SETTLED = (PaymentTranche.Status.PAID, PaymentTranche.Status.WITHHELD)
CENT = Decimal("0.01")


def tranche_plan(amount: Decimal, percents=None) -> list[tuple[str, Decimal, Decimal]]:
    """Return (condition, percent, amount) per tranche; amounts sum exactly to amount.

    The first tranche is paid on signing, the last after the final evaluation, any in between
    after the mid-term review; the last tranche takes the rounding remainder.
    """
    Condition = PaymentTranche.Condition
    if percents is None:
        percents = settings.PLATFORM_RULES["DEFAULT_TRANCHES"]
    percents = [Decimal(str(p)) for p in percents]
    if not percents or sum(percents) != Decimal("100") or any(p <= 0 for p in percents):
        raise ServiceError(_("付款节点比例之和必须为100%。"), code="tranches")
    plan = []
    paid = Decimal("0.00")
    for index, percent in enumerate(percents):
        last = index == len(percents) - 1
        if index == 0 and not last:
            condition = Condition.ON_SIGNING
        elif last:
            condition = Condition.FINAL
        else:
            condition = Condition.MID_TERM
        share = amount - paid if last else (amount * percent / 100).quantize(CENT, ROUND_HALF_UP)
        paid += share
        plan.append((condition, percent, share))
    assert sum(share for _c, _p, share in plan) == amount
    return plan


def tranches_plan(*, contract) -> list[PaymentTranche]:
    """Create the pending tranches of a freshly drafted contract from the platform's default plan."""
    return PaymentTranche.objects.bulk_create([
        PaymentTranche(contract=contract, sequence=index, condition=condition, percent=percent,
                       amount=share)
        for index, (condition, percent, share) in enumerate(tranche_plan(contract.amount), start=1)
    ])


def tranches_make_due(tranches) -> list[int]:
    """Make the pending tranches due (their condition is met); return their ids.

    The caller locks the rows and writes its own audit row, which lists these ids.
    """
    made_due = []
    for tranche in tranches:
        PaymentTrancheStates(tranche).make_due()
        tranche.save(update_fields=["status"])
        made_due.append(tranche.pk)
    return made_due


def _locked(tranche: PaymentTranche) -> PaymentTranche:
    return (
        PaymentTranche.objects.select_for_update(of=("self",))
        .select_related("contract__project__budget_commitment__envelope__finance_bureau",
                        "contract__purchaser", "contract__supplier")
        .get(pk=tranche.pk)
    )


@transaction.atomic
def tranche_approve(*, tranche: PaymentTranche, actor) -> PaymentTranche:
    """Approve a due tranche for payment: due → approved."""
    tranche = _locked(tranche)
    authz.require(actor, "finance.approve_paymenttranche", tranche)
    if tranche.status != PaymentTranche.Status.DUE:
        raise ServiceError(_("只有待审核拨付的付款节点可以审核。"), code="state")
    PaymentTrancheStates(tranche).approve()
    tranche.approved_by = actor
    tranche.approved_at = timezone.now()
    tranche.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(actor=actor, action="tranche.approve", target=tranche,
                 before={"status": PaymentTranche.Status.DUE}, after={"status": tranche.status})
    return tranche


@transaction.atomic
def tranche_pay(*, tranche: PaymentTranche, actor, voucher_number: str) -> Payment:
    """Record the payment of an approved tranche: approved → paid."""
    tranche = _locked(tranche)
    authz.require(actor, "finance.pay_paymenttranche", tranche)
    if tranche.status != PaymentTranche.Status.APPROVED:
        raise ServiceError(_("只有已审核的付款节点可以支付。"), code="state")
    if tranche.approved_by_id is not None and tranche.approved_by_id == actor.pk:
        # 行政事业单位内部控制规范（试行）第十二条、第二十九条: approval and payment are
        # incompatible duties and must be held by different people.
        raise ServiceError(
            _("不相容岗位相互分离：审核该付款节点的人员不得同时办理支付，请由本部门另一名财务人员支付"
              "（《行政事业单位内部控制规范（试行）》第十二条）。"),
            code="segregation",
        )
    voucher_number = (voucher_number or "").strip()
    if not voucher_number:
        raise ServiceError(_("请填写支付凭证号。"), code="voucher")
    if Payment.objects.filter(voucher_number=voucher_number).exists():
        raise ServiceError(_("支付凭证号已被使用。"), code="voucher_unique")
    amount = tranche.payable_amount if tranche.payable_amount is not None else tranche.amount
    payment = Payment.objects.create(tranche=tranche, amount=amount, voucher_number=voucher_number,
                                     paid_by=actor, paid_at=timezone.now())
    PaymentTrancheStates(tranche).pay()
    tranche.save(update_fields=["status"])
    audit_record(actor=actor, action="tranche.pay", target=tranche,
                 before={"status": PaymentTranche.Status.APPROVED},
                 after={"status": tranche.status, "amount": str(amount), "voucher": voucher_number})
    contract = tranche.contract
    notify(
        recipients=members_of(contract.supplier, Role.SOCIAL_ORG),
        title=_("合同 %(code)s 第%(seq)s期款项已拨付") % {"code": contract.code, "seq": tranche.sequence},
        body=_("金额 %(amount)s 元，凭证号 %(voucher)s。") % {"amount": amount, "voucher": voucher_number},
    )
    if not contract.tranches.exclude(status__in=SETTLED).exists():
        notify(
            recipients=project_purchaser_staff(contract.project),
            title=_("项目 %(code)s 款项已全部拨付，请办理结项") % {"code": contract.project.code},
        )
    return payment
