"""Milestone reports: the supplier reports, the purchaser accepts (releasing tranches) or returns."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from accounts.selectors import organization_members as members_of
from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from core.notifications import notify
from delivery.models import MilestoneReport
from delivery.signals import final_report_accepted
from delivery.states import MilestoneReportStates
from finance.models import PaymentTranche
from finance.selectors import finance_staff_for_contract
from finance.services.tranches import tranches_make_due
from procurement.models import Contract
from procurement.selectors.grants import project_purchaser_staff


@transaction.atomic
def milestone_submit(*, contract: Contract, actor, kind: str, summary: str) -> MilestoneReport:
    """Submit a mid-term or final report for acceptance."""
    contract = Contract.objects.select_for_update(of=("self",)).select_related("supplier", "purchaser").get(
        pk=contract.pk)
    authz.require(actor, "delivery.submit_milestonereport", MilestoneReport(contract=contract))
    if contract.status != Contract.Status.SIGNED:
        raise ServiceError(_("合同签订后、履约完成前才能提交阶段报告。"), code="state")
    if kind not in MilestoneReport.Kind.values:
        raise ServiceError(_("未知的报告类型。"), code="kind")
    if not (summary or "").strip():
        raise ServiceError(_("请填写执行情况。"), code="summary")
    live = contract.milestone_reports.exclude(status=MilestoneReport.Status.RETURNED)
    if live.filter(kind=kind).exists():
        raise ServiceError(_("该类型的阶段报告已提交或已验收。"), code="duplicate")
    needs_mid_term = contract.tranches.filter(condition=PaymentTranche.Condition.MID_TERM).exists()
    if (kind == MilestoneReport.Kind.FINAL and needs_mid_term
            and not live.filter(kind=MilestoneReport.Kind.MID_TERM, status=MilestoneReport.Status.ACCEPTED).exists()):
        raise ServiceError(_("中期报告验收通过后才能提交终期报告。"), code="order")
    report = MilestoneReport.objects.create(contract=contract, kind=kind, summary=summary.strip(),
                                            submitted_by=actor, submitted_at=timezone.now())
    audit_record(actor=actor, action="milestone.submit", target=report,
                 after={"kind": kind, "status": report.status})
    notify(recipients=project_purchaser_staff(contract.project),
           title=_("%(kind)s待验收：%(code)s") % {"kind": report.get_kind_display(), "code": contract.code})
    return report


def _locked_report(report: MilestoneReport) -> MilestoneReport:
    return MilestoneReport.objects.select_for_update(of=("self",)).select_related(
        "contract__purchaser", "contract__supplier", "contract__project").get(pk=report.pk)


@transaction.atomic
def milestone_accept(*, report: MilestoneReport, actor, comment: str = "") -> MilestoneReport:
    """Accept a report: mid-term makes its tranche due; final opens the performance evaluation.

    The final report's acceptance sends ``final_report_accepted`` in this transaction, which
    evaluation answers by opening the performance evaluation.
    """
    report = _locked_report(report)
    authz.require(actor, "delivery.decide_milestonereport", report)
    if report.status != MilestoneReport.Status.SUBMITTED:
        raise ServiceError(_("只有待验收的报告可以验收。"), code="state")
    contract = report.contract
    if contract.status != Contract.Status.SIGNED:
        raise ServiceError(_("合同不在履行中。"), code="state")
    MilestoneReportStates(report).accept()
    report.decided_by, report.decided_at, report.decision_comment = actor, timezone.now(), comment
    report.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    made_due = []
    if report.kind == MilestoneReport.Kind.MID_TERM:
        made_due = tranches_make_due(PaymentTranche.objects.select_for_update().filter(
            contract=contract, condition=PaymentTranche.Condition.MID_TERM, status=PaymentTranche.Status.PENDING))
    audit_record(actor=actor, action="milestone.accept", target=report,
                 before={"status": MilestoneReport.Status.SUBMITTED},
                 after={"status": report.status, "tranches_due": made_due})
    notify(recipients=members_of(contract.supplier, Role.SOCIAL_ORG),
           title=_("%(kind)s已验收：%(code)s") % {"kind": report.get_kind_display(), "code": contract.code},
           body=comment)
    if made_due:
        notify(recipients=finance_staff_for_contract(contract),
               title=_("中期款待审核拨付：%(code)s") % {"code": contract.code})
    if report.kind == MilestoneReport.Kind.FINAL:
        final_report_accepted.send(sender=MilestoneReport, report=report, contract=contract,
                                   actor=actor)
    return report


@transaction.atomic
def milestone_return(*, report: MilestoneReport, actor, reason: str) -> MilestoneReport:
    """Return a report to the supplier for revision."""
    report = _locked_report(report)
    authz.require(actor, "delivery.decide_milestonereport", report)
    if report.status != MilestoneReport.Status.SUBMITTED:
        raise ServiceError(_("只有待验收的报告可以退回。"), code="state")
    if not (reason or "").strip():
        raise ServiceError(_("请填写退回理由。"), code="reason")
    MilestoneReportStates(report).send_back()
    report.decided_by, report.decided_at, report.decision_comment = actor, timezone.now(), reason.strip()
    report.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    audit_record(actor=actor, action="milestone.return", target=report,
                 before={"status": MilestoneReport.Status.SUBMITTED},
                 after={"status": report.status, "reason": report.decision_comment})
    notify(recipients=members_of(report.contract.supplier, Role.SOCIAL_ORG),
           title=_("%(kind)s被退回：%(code)s") % {"kind": report.get_kind_display(), "code": report.contract.code},
           body=report.decision_comment)
    return report
