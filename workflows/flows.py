"""The chain's flows: who does what next, from a resident's need to the project's closure.

``NeedFlow`` carries one resident need from its submission to the community's triage (accept,
merge into another need, or decline with a public reason).

``ServiceProjectFlow`` carries one service project from the community's submitted design to its
closure: purchaser approval (with a revise-and-resubmit loop back to the community), finance
budget review, tender publication, the automatic bid opening (a Handle advanced by the
``procurement.signals.tender_opened`` receiver in ``workflows.receivers``) — after a failed
opening (废标) back to the purchaser, who re-tenders or cancels the procurement — committee formation,
one scoring task per committee seat in parallel, award, contract signing by both parties in
parallel, the three payment tranches around the mid-term and final reports and their
acceptance, one performance-evaluation task per evaluating party in parallel, and closure.

Every node only orchestrates: the task pages in ``workflows.views`` call the services of
docs/services.md, which hold the state and check permissions. Branches read domain state.
Keep every flow in this module so viewflow's permissions are always registered.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from accounts.roles import Role
from delivery.models import MilestoneReport
from evaluation.models import CommitteeMember, PerformanceEvaluation
from finance.models import PaymentTranche
from procurement.models import Tender
from workflows.models import NeedProcess, ServiceProjectProcess
from workflows.nodes import RoleView, SplitEach
from workflows.permissions import project_finance_bureau


def _purchaser(process):
    return process.project.purchaser


def _community(process):
    return process.project.community


def _finance(process):
    return project_finance_bureau(process.project)


def _supplier(process):
    return process.project.contract.supplier


def _contract_sign_due(process):
    return process.project.contract.sign_due


def _need_community(process):
    return process.need.community


def _project(activation):
    return activation.process.project


def _latest_report(project, kind):
    return (
        MilestoneReport.objects.filter(contract__project_id=project.pk, kind=kind)
        .order_by("-submitted_at", "-id").first()
    )


def _report_accepted(kind):
    def check(activation):
        report = _latest_report(_project(activation), kind)
        return report is not None and report.status == MilestoneReport.Status.ACCEPTED

    return check


def _project_status_is(*statuses):
    def check(activation):
        project = _project(activation)
        project.refresh_from_db(fields=["status"])
        return project.status in statuses

    return check


def _latest_tender(project):
    return Tender.objects.filter(project_id=project.pk).order_by("-pk").first()


def _tender_opened(activation):
    tender = _latest_tender(_project(activation))
    return tender is not None and tender.status not in (Tender.Status.FAILED,
                                                        Tender.Status.CANCELLED)


def _committee_seats(activation):
    return [
        {"member_id": member_id}
        for member_id in CommitteeMember.objects.filter(
            committee__tender=_latest_tender(_project(activation))
        ).order_by("pk").values_list("pk", flat=True)
    ]


def _seat_expert(activation):
    return CommitteeMember.objects.select_related("expert").get(
        pk=activation.task.data["member_id"]
    ).expert


def _third_party_expert(activation):
    evaluation = PerformanceEvaluation.objects.select_related("third_party_expert").get(
        contract__project_id=_project(activation).pk
    )
    return evaluation.third_party_expert


def _final_tranche_payable(activation):
    return PaymentTranche.objects.filter(
        contract__project_id=_project(activation).pk,
        condition=PaymentTranche.Condition.FINAL,
        status__in=[PaymentTranche.Status.DUE, PaymentTranche.Status.APPROVED],
    ).exists()


# The rule workflows.permissions.can_view_process answers for viewflow's Process model.
PROCESS_VIEW_PERMISSION = "viewflow.view_process"


class ChainFlowPermissions:
    """Who may see a chain process and who may manage it through viewflow: nobody manages it.

    viewflow's own pages are not mounted (``workflows.site``); these answers keep them closed
    should they ever be: a process is seen through ``viewflow.view_process`` only, there is no
    flow-wide list, and viewflow's cancel, undo, revive and reassign actions are refused to
    everyone, superusers included. Code (the services, ``workflows.receivers``) is not affected.
    """

    def has_view_permission(self, user, obj=None):
        """Return whether user may see process obj; no flow-wide list for anyone."""
        return obj is not None and user.has_perm(PROCESS_VIEW_PERMISSION, obj)

    def has_manage_permission(self, user, obj=None):
        """Refuse viewflow's management actions to every user."""
        return False


class NeedFlow(ChainFlowPermissions, flow.Flow):
    """居民需求处理

    A resident (or community staff) submits a need; the community's staff triage it.
    """

    process_class = NeedProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("居民需求处理")

    start = flow.StartHandle(this.start_process).Next(this.triage)

    triage = (
        RoleView().Role(Role.COMMUNITY, _need_community).Deadline(10)
        .Annotation(title=_("处理居民需求"), description=_("采纳、合并或说明理由不予采纳"))
        .Next(this.end)
    )

    end = flow.End()

    def start_process(self, activation, *, need):
        """Link the new process to the submitted need."""
        activation.process.need = need
        return activation.process


class ServiceProjectFlow(ChainFlowPermissions, flow.Flow):
    """服务项目全流程

    From the community's submitted project design to the project's closure.
    """

    process_class = ServiceProjectProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("服务项目全流程")

    start = flow.StartHandle(this.start_process).Next(this.approve)

    approve = (
        RoleView().Role(Role.PURCHASER, _purchaser).Deadline(5)
        .Annotation(title=_("立项审批"), description=_("审核社区提交的项目设计，同意立项或退回修改"))
        .Next(this.check_approved)
    )
    check_approved = (
        flow.If(_project_status_is("approved"))
        .Annotation(title=_("是否同意立项"))
        .Then(this.budget_review)
        .Else(this.revise)
    )
    revise = (
        RoleView().Role(Role.COMMUNITY, _community).Deadline(10)
        .Annotation(title=_("修改并重新提交项目"), description=_("按退回意见修改项目设计后重新提交"))
        .Next(this.approve)
    )
    budget_review = (
        RoleView().Role(Role.FINANCE, _finance).Deadline(10)
        .Annotation(title=_("预算审核"), description=_("核对年度预算额度并占用资金，或退回"))
        .Next(this.check_budget)
    )
    check_budget = (
        flow.If(_project_status_is("budget_confirmed"))
        .Annotation(title=_("预算是否确认"))
        .Then(this.publish)
        .Else(this.revise)
    )
    publish = (
        RoleView().Role(Role.PURCHASER, _purchaser).Deadline(10)
        .Annotation(title=_("发布采购公告"), description=_("确定采购方式、投标截止时间和评分标准"))
        .Next(this.check_published)
    )
    # After a 废标 the same task offers re-tendering or cancelling the procurement (终止采购).
    check_published = (
        flow.If(_project_status_is("tendering"))
        .Annotation(title=_("是否重新采购"))
        .Then(this.wait_opening)
        .Else(this.end_failed)
    )
    wait_opening = (
        flow.Handle()
        .Annotation(title=_("等待开标"), description=_("投标截止后系统自动开标"))
        .Next(this.check_opened)
    )
    check_opened = (
        flow.If(_tender_opened)
        .Annotation(title=_("是否废标"))
        .Then(this.form_committee)
        .Else(this.publish)
    )
    form_committee = (
        RoleView().Role(Role.PURCHASER, _purchaser).Deadline(2)
        .Annotation(title=_("组建评标委员会"), description=_("从专家库随机抽取评审专家（自动回避）"))
        .Next(this.split_scoring)
    )
    split_scoring = (
        SplitEach()
        .Annotation(title=_("专家独立评分"))
        .Next(this.score, data_source=_committee_seats)
    )
    score = (
        RoleView().Assign(_seat_expert).Deadline(2)
        .Annotation(title=_("专家评分"), description=_("对每份有效投标逐项评分"))
        .Next(this.join_scoring)
    )
    join_scoring = flow.Join().Annotation(title=_("评分汇总")).Next(this.award)
    award = (
        RoleView().Role(Role.PURCHASER, _purchaser).Deadline(5)
        .Annotation(title=_("确认中标结果"), description=_("依评审排名确定中标人（评审报告后5个工作日内）"))
        .Next(this.split_signing)
    )
    split_signing = (
        flow.Split()
        .Annotation(title=_("双方签订合同"))
        .Always(this.sign_purchaser)
        .Always(this.sign_supplier)
    )
    sign_purchaser = (
        RoleView().Role(Role.PURCHASER, _purchaser).DueDate(_contract_sign_due)
        .Annotation(title=_("甲方签订合同"),
                    description=_("中标通知书发出之日起30日内签订（政府采购法第四十六条）"))
        .Next(this.join_signing)
    )
    sign_supplier = (
        RoleView().Role(Role.SOCIAL_ORG, _supplier).DueDate(_contract_sign_due)
        .Annotation(title=_("乙方签订合同"),
                    description=_("中标通知书发出之日起30日内签订（政府采购法第四十六条）"))
        .Next(this.join_signing)
    )
    join_signing = flow.Join().Annotation(title=_("合同生效")).Next(this.pay_first)
    pay_first = (
        RoleView().Role(Role.FINANCE, _finance).Deadline(10)
        .Annotation(title=_("拨付首期资金"), description=_("审核并支付合同签订后的首期款"))
        .Next(this.report_mid)
    )
    report_mid = (
        RoleView().Role(Role.SOCIAL_ORG, _supplier)
        .Annotation(title=_("提交中期报告"))
        .Next(this.accept_mid)
    )
    accept_mid = (
        RoleView().Role(Role.PURCHASER, _purchaser).Deadline(10)
        .Annotation(title=_("中期验收"), description=_("验收中期报告，通过或退回修改"))
        .Next(this.check_mid)
    )
    check_mid = (
        flow.If(_report_accepted("mid_term"))
        .Annotation(title=_("中期验收是否通过"))
        .Then(this.pay_second)
        .Else(this.report_mid)
    )
    pay_second = (
        RoleView().Role(Role.FINANCE, _finance).Deadline(10)
        .Annotation(title=_("拨付中期资金"))
        .Next(this.report_final)
    )
    report_final = (
        RoleView().Role(Role.SOCIAL_ORG, _supplier)
        .Annotation(title=_("提交终期报告"))
        .Next(this.accept_final)
    )
    accept_final = (
        RoleView().Role(Role.PURCHASER, _purchaser).Deadline(10)
        .Annotation(title=_("终期验收"), description=_("履约验收，通过后进入绩效评价"))
        .Next(this.check_final)
    )
    check_final = (
        flow.If(_report_accepted("final"))
        .Annotation(title=_("终期验收是否通过"))
        .Then(this.split_evaluation)
        .Else(this.report_final)
    )
    split_evaluation = (
        flow.Split()
        .Annotation(title=_("多方绩效评价"))
        .Always(this.evaluate_purchaser)
        .Always(this.evaluate_community)
        .Always(this.evaluate_third_party)
        .Always(this.evaluate_self)
    )
    evaluate_purchaser = (
        RoleView().Role(Role.PURCHASER, _purchaser).Deadline(10)
        .Annotation(title=_("购买主体绩效评价"))
        .Next(this.join_evaluation)
    )
    evaluate_community = (
        RoleView().Role(Role.COMMUNITY, _community).Deadline(10)
        .Annotation(title=_("社区绩效评价"))
        .Next(this.join_evaluation)
    )
    evaluate_third_party = (
        RoleView().Assign(_third_party_expert).Deadline(10)
        .Annotation(title=_("第三方专家绩效评价"))
        .Next(this.join_evaluation)
    )
    evaluate_self = (
        RoleView().Role(Role.SOCIAL_ORG, _supplier).Deadline(10)
        .Annotation(title=_("承接机构自评"))
        .Next(this.join_evaluation)
    )
    join_evaluation = flow.Join().Annotation(title=_("评价汇总与定级")).Next(this.check_final_tranche)
    check_final_tranche = (
        flow.If(_final_tranche_payable)
        .Annotation(title=_("尾款是否应付"))
        .Then(this.pay_final)
        .Else(this.close)
    )
    pay_final = (
        RoleView().Role(Role.FINANCE, _finance).Deadline(10)
        .Annotation(title=_("拨付尾款"), description=_("按绩效等级核定的尾款"))
        .Next(this.close)
    )
    close = (
        RoleView().Role(Role.PURCHASER, _purchaser).Deadline(10)
        .Annotation(title=_("项目结项"))
        .Next(this.end)
    )
    end = flow.End()
    # Named end_failed since the first release (finished processes point at it): the procurement
    # was cancelled, after a 废标 or before the award.
    end_failed = flow.End().Annotation(title=_("采购终止"))

    def start_process(self, activation, *, project):
        """Link the new process to the submitted project."""
        activation.process.project = project
        return activation.process
