"""Budget review: commit envelope money to an approved project, or return it.

A commitment reserves the project's whole budget. When the contract (the winning bid price) is
lower, the difference stays committed until the project closes: ``commitment_settle`` (called when
the project is closed) then shrinks the commitment to what was actually paid, so the envelope
regains the unspent money in one audited step. Releasing at award time would let the money be
spent twice if the award is later challenged and re-run.
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from accounts.selectors import organization_members as members_of
from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from core.notifications import notify
from finance.models import BudgetCommitment, BudgetEnvelope, Payment
from finance.states import BudgetCommitmentStates
from procurement.models import ServiceProject
from procurement.selectors.grants import project_purchaser_staff
from procurement.states import ServiceProjectStates


def envelope_available(envelope: BudgetEnvelope) -> Decimal:
    """Return the envelope amount minus every live commitment."""
    committed = envelope.commitments.filter(status=BudgetCommitment.Status.COMMITTED).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0")
    return envelope.amount - committed


@transaction.atomic
def envelope_adjust(*, envelope: BudgetEnvelope, actor, amount, reason: str) -> BudgetEnvelope:
    """Set an envelope's amount (预算调整), never below what is already committed; audited.

    The only way an envelope's amount changes after it is created: the admin shows it read-only.
    """
    envelope = BudgetEnvelope.objects.select_for_update().select_related("finance_bureau").get(pk=envelope.pk)
    authz.require(actor, "finance.adjust_budgetenvelope", envelope)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写预算额度调整理由。"), code="reason")
    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise ServiceError(_("请填写有效的预算额度金额。"), code="amount") from exc
    if not amount.is_finite() or amount < 0:
        raise ServiceError(_("请填写有效的预算额度金额。"), code="amount")
    committed = envelope.amount - envelope_available(envelope)
    if amount < committed:
        raise ServiceError(
            _("预算额度不能低于已占用金额：已占用 %(committed)s 元，调整后 %(amount)s 元。")
            % {"committed": committed, "amount": amount},
            code="below_committed",
        )
    before = {"amount": str(envelope.amount)}
    envelope.amount = amount
    envelope.save(update_fields=["amount"])
    audit_record(actor=actor, action="envelope.adjust", target=envelope, before=before,
                 after={"amount": str(amount), "committed": str(committed), "reason": reason})
    return envelope


@transaction.atomic
def budget_confirm(*, project: ServiceProject, envelope: BudgetEnvelope, actor, comment: str = "") -> BudgetCommitment:
    """Commit the project's budget on the envelope: approved → budget_confirmed."""
    project = ServiceProject.objects.select_for_update().select_related("purchaser").get(pk=project.pk)
    envelope = BudgetEnvelope.objects.select_for_update().select_related("finance_bureau").get(pk=envelope.pk)
    authz.require(actor, "finance.confirm_budgetcommitment",
                  BudgetCommitment(project=project, envelope=envelope))
    if project.status != ServiceProject.Status.APPROVED:
        raise ServiceError(_("只有已立项、待预算审核的项目可以确认预算。"), code="state")
    if envelope.fiscal_year != project.fiscal_year:
        raise ServiceError(_("预算额度年度与项目预算年度不一致。"), code="year")
    if envelope.funding_source != project.funding_source:
        raise ServiceError(_("预算额度资金来源与项目资金来源不一致。"), code="source")
    available = envelope_available(envelope)
    if project.budget_amount > available:
        raise ServiceError(
            _("预算额度不足：可用 %(available)s 元，项目需要 %(need)s 元。")
            % {"available": available, "need": project.budget_amount},
            code="insufficient",
        )
    now = timezone.now()
    commitment = BudgetCommitment.objects.filter(project=project).first()
    if commitment is not None and commitment.status == BudgetCommitment.Status.COMMITTED:
        raise ServiceError(_("该项目已占用预算。"), code="state")
    if commitment is None:
        commitment = BudgetCommitment(project=project)  # created committed
    else:
        BudgetCommitmentStates(commitment).recommit()
    commitment.envelope = envelope
    commitment.amount = project.budget_amount
    commitment.committed_by = actor
    commitment.committed_at = now
    commitment.comment = comment
    commitment.save()
    ServiceProjectStates(project).confirm_budget()
    project.save(update_fields=["status"])
    audit_record(
        actor=actor, action="budget.confirm", target=project,
        before={"status": ServiceProject.Status.APPROVED, "available": str(available)},
        after={"status": project.status, "envelope": envelope.pk, "amount": str(commitment.amount)},
    )
    notify(
        recipients=project_purchaser_staff(project),
        title=_("项目预算已确认：%(code)s") % {"code": project.code},
        body=_("财政部门已确认项目预算，可以发布采购公告。"),
    )
    return commitment


@transaction.atomic
def budget_reject(*, project: ServiceProject, actor, reason: str) -> ServiceProject:
    """Return the project to the community at budget review: approved → returned."""
    project = ServiceProject.objects.select_for_update().select_related("purchaser", "community").get(pk=project.pk)
    authz.require(actor, "finance.reject_budgetcommitment", BudgetCommitment(project=project))
    if project.status != ServiceProject.Status.APPROVED:
        raise ServiceError(_("只有已立项、待预算审核的项目可以退回。"), code="state")
    if not (reason or "").strip():
        raise ServiceError(_("请填写退回理由。"), code="reason")
    ServiceProjectStates(project).send_back()
    project.return_reason = reason.strip()
    project.save(update_fields=["status", "return_reason"])
    audit_record(
        actor=actor, action="budget.reject", target=project,
        before={"status": ServiceProject.Status.APPROVED},
        after={"status": project.status, "reason": project.return_reason},
    )
    notify(
        recipients=[*members_of(project.community, Role.COMMUNITY),
                    *project_purchaser_staff(project)],
        title=_("项目预算审核未通过：%(code)s") % {"code": project.code},
        body=project.return_reason,
    )
    return project


@transaction.atomic
def commitment_settle(*, project: ServiceProject, actor=None) -> BudgetCommitment | None:
    """Shrink the project's commitment to the amount paid, releasing the rest (project ended)."""
    commitment = BudgetCommitment.objects.select_for_update().filter(project_id=project.pk).first()
    if commitment is None or commitment.status != BudgetCommitment.Status.COMMITTED:
        return commitment
    paid = Payment.objects.filter(tranche__contract__project_id=project.pk).aggregate(
        total=Sum("amount"))["total"] or Decimal("0")
    before = {"amount": str(commitment.amount), "status": commitment.status}
    if paid > 0:
        commitment.amount = min(paid, commitment.amount)
    else:
        BudgetCommitmentStates(commitment).release()
    commitment.save(update_fields=["amount", "status"])
    audit_record(actor=actor, action="budget.settle", target=commitment, before=before,
                 after={"amount": str(commitment.amount), "status": commitment.status})
    return commitment
