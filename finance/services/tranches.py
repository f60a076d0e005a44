"""Payment tranches: finance approves a due tranche, then records its payment."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from core.notifications import notify
from evaluation.recipients import members_of
from finance.models import Payment, PaymentTranche

SETTLED = (PaymentTranche.Status.PAID, PaymentTranche.Status.WITHHELD)


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
    tranche.status = PaymentTranche.Status.APPROVED
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
    voucher_number = (voucher_number or "").strip()
    if not voucher_number:
        raise ServiceError(_("请填写支付凭证号。"), code="voucher")
    if Payment.objects.filter(voucher_number=voucher_number).exists():
        raise ServiceError(_("支付凭证号已被使用。"), code="voucher_unique")
    amount = tranche.payable_amount if tranche.payable_amount is not None else tranche.amount
    payment = Payment.objects.create(tranche=tranche, amount=amount, voucher_number=voucher_number,
                                     paid_by=actor, paid_at=timezone.now())
    tranche.status = PaymentTranche.Status.PAID
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
            recipients=members_of(contract.purchaser, Role.PURCHASER),
            title=_("项目 %(code)s 款项已全部拨付，请办理结项") % {"code": contract.project.code},
        )
    return payment
