"""Walk the whole chain through the task pages, each step by the role's own logged-in user.

After every step each user's inbox (the /workspace/ home page) must hold exactly its tasks.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from evaluation.models import CommitteeMember, PerformanceEvaluation
from finance.models import Payment, PaymentTranche
from office.formsets import formset_data
from procurement.models import Bid, Need, ServiceProject, Tender
from procurement.services.awards import contract_sign_due
from procurement.services.bids import bid_submit
from procurement.tasks import open_due_tenders
from tests.worlds import bid_files
from workflows.flows import ServiceProjectFlow
from workflows.models import NeedProcess, ServiceProjectProcess
from workflows.views.steps import DEFAULT_CRITERIA

CRITERIA_POST = formset_data("criteria", DEFAULT_CRITERIA)

TITLE_RE = re.compile(r'<td class="task-title">(.*?)</td>')
LINK_RE = re.compile(r'href="(/workspace/tasks/\d+/)"')


class Chain:
    def __init__(self, world):
        self.world = world
        self.clients = {}

    def client(self, user) -> Client:
        if user.pk not in self.clients:
            client = Client()
            client.force_login(user)
            self.clients[user.pk] = client
        return self.clients[user.pk]

    def inbox(self, user) -> list[str]:
        response = self.client(user).get(reverse("home"))
        assert response.status_code == 200
        return TITLE_RE.findall(response.content.decode())

    def assert_inboxes(self, expected: dict):
        """Every user of the world has exactly the listed task titles (others: none)."""
        actual = {name: sorted(self.inbox(user)) for name, user in self.world.everyone().items()}
        wanted = {name: sorted(expected.get(name, [])) for name in actual}
        assert actual == wanted

    def task_url(self, user, title) -> str:
        response = self.client(user).get(reverse("home"))
        html = response.content.decode()
        for row in re.findall(r'<tr class="inbox-task".*?</tr>', html, re.S):
            if f'<td class="task-title">{title}</td>' in row:
                return LINK_RE.search(row).group(1)
        raise AssertionError(f"{title} not in inbox of {user}")

    def do(self, user, title, data, expect_redirect=True):
        url = self.task_url(user, title)
        page = self.client(user).get(url)
        assert page.status_code == 200, page.content.decode()[:500]
        response = self.client(user).post(url, data)
        if response.status_code == 200 and b'class="mdc-card vf-card task-confirm"' in response.content:
            # An irreversible step asks first: the user reads the consequence and confirms.
            response = self.client(user).post(url, {**data, "confirmed": "1"})
        if expect_redirect:
            assert response.status_code == 302, _errors(response)
        return response


def _errors(response) -> str:
    html = response.content.decode()
    return " | ".join(re.findall(r'<ul class="errorlist[^"]*">(.*?)</ul>', html, re.S)) or html[:800]


def _inbox_row(chain, user, title) -> str:
    html = chain.client(user).get(reverse("home")).content.decode()
    return next(row for row in re.findall(r'<tr class="inbox-task".*?</tr>', html, re.S)
                if f'<td class="task-title">{title}</td>' in row)


def _pay_by_two(chain, w, title, voucher):
    """Finance approves; the task stays open; the approver may not pay; the cashier pays (内部控制)."""
    chain.do(w.finance, title, {})
    chain.assert_inboxes({"finance": [title]})
    refused = chain.do(w.finance, title, {"voucher_number": voucher}, expect_redirect=False)
    assert refused.status_code == 200 and "不相容岗位相互分离" in refused.content.decode()
    chain.do(w.cashier, title, {"voucher_number": voucher})


def _check_sign_due_warnings(chain, project, purchaser, supplier):
    """The signing tasks are due on the contract's 30-day limit (法46); the inbox warns."""
    contract = project.contract
    due = contract.sign_due
    assert due == contract_sign_due(contract.award.confirmed_at)
    for task in Task.objects.filter(status="NEW", flow_task_type="HUMAN"):
        assert task.data["deadline"] == due.isoformat()
    row = _inbox_row(chain, supplier, "乙方签订合同")
    assert due.isoformat() in row and "data-due" not in row
    with time_machine.travel(dt.datetime.combine(due - dt.timedelta(days=5), dt.time(9),
                                                 tzinfo=timezone.get_current_timezone())):
        chain.clients.clear()
        assert 'data-due="due_soon"' in _inbox_row(chain, supplier, "乙方签订合同")
    with time_machine.travel(dt.datetime.combine(due + dt.timedelta(days=1), dt.time(9),
                                                 tzinfo=timezone.get_current_timezone())):
        chain.clients.clear()
        assert 'data-due="overdue"' in _inbox_row(chain, purchaser, "甲方签订合同")
        url = chain.task_url(purchaser, "甲方签订合同")
        response = chain.client(purchaser).post(url, {"agree": "on", "confirmed": "1"})
        assert response.status_code == 200 and "第四十六条" in response.content.decode()
        contract.refresh_from_db()
        assert contract.purchaser_signed_at is None
    chain.clients.clear()


def _design_post(world, need):
    return {
        "community": world.community_org.pk, "purchaser": world.purchaser_org.pk,
        "title": "独居老人关爱服务项目", "category": "elderly",
        "objectives": "提升独居老人生活质量", "target_groups": "独居老人", "fiscal_year": "2026",
        "funding_source": "fiscal", "duration_months": "12", "needs": [need.pk],
        **formset_data("deliverables", [
            {"activity_type": "case", "description": "个案服务", "quantity": 10, "unit": "个",
             "unit_price": 300, "min_quality": "每个个案不少于6次跟进"},
            {"activity_type": "small_event", "description": "社区小型活动", "quantity": 4,
             "unit": "场", "unit_price": 2000, "min_quality": "每场不少于25人"}]),
        **formset_data("indicators", [
            {"category": "output", "name": "个案服务数", "target": 10, "unit": "个"},
            {"category": "satisfaction", "name": "服务对象满意度", "target": 90, "unit": "%"}]),
        **formset_data("budget_lines", [
            {"category": "personnel", "amount": 210000, "note": "社工薪酬"},
            {"category": "management", "amount": 30000, "note": "项目管理"},
            {"category": "activities", "amount": 60000, "note": "活动物料"}]),
    }


@pytest.mark.django_db
def test_whole_chain_through_task_pages(world, django_capture_on_commit_callbacks):
    chain = Chain(world)
    w = world
    chain.assert_inboxes({})

    # 1. A resident submits a need; the community triages it.
    response = chain.client(w.resident).post(reverse("workflows:need_submit"), {
        "community": w.community_org.pk, "title": "独居老人缺少日常照护", "category": "elderly",
        "target_group": "独居老人", "description": "小区内独居老人较多，希望有人定期探访。",
    })
    assert response.status_code == 302, _errors(response)
    need = Need.objects.get()
    assert NeedProcess.objects.get().need == need
    chain.assert_inboxes({"community": ["处理居民需求"]})
    chain.do(w.community, "处理居民需求", {"decision": "accept", "reason": "需求真实"})
    need.refresh_from_db()
    assert need.status == Need.Status.ACCEPTED
    assert NeedProcess.objects.get().finished is not None
    chain.assert_inboxes({})

    # 2. The community designs and submits the project; the purchaser returns it once.
    response = chain.client(w.community).post(reverse("workflows:project_design"), _design_post(w, need))
    assert response.status_code == 302, _errors(response)
    project = ServiceProject.objects.get()
    assert project.status == ServiceProject.Status.SUBMITTED
    assert ServiceProjectProcess.objects.get().project == project
    chain.assert_inboxes({"purchaser": ["立项审批"]})
    chain.do(w.purchaser, "立项审批", {"decision": "return", "comment": "请补充活动安排"})
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.RETURNED
    chain.assert_inboxes({"community": ["修改并重新提交项目"]})
    # The community edits the returned design on its task page and resubmits it (version 2).
    chain.do(w.community, "修改并重新提交项目",
             {**_design_post(w, need), "title": "独居老人关爱服务项目（补充活动安排）"})
    project.refresh_from_db()
    assert project.title == "独居老人关爱服务项目（补充活动安排）"
    assert list(project.versions.values_list("number", flat=True)) == [1, 2]
    chain.assert_inboxes({"purchaser": ["立项审批"]})
    chain.do(w.purchaser, "立项审批", {"decision": "approve", "comment": "同意"})
    chain.assert_inboxes({"finance": ["预算审核"]})

    # 3. Finance confirms the budget; the purchaser publishes the tender.
    chain.do(w.finance, "预算审核", {"decision": "confirm", "envelope": w.envelope.pk})
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.BUDGET_CONFIRMED
    chain.assert_inboxes({"purchaser": ["发布采购公告"]})
    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=21)).replace(microsecond=0)
    chain.do(w.purchaser, "发布采购公告", {
        "method": "open", "bid_deadline": deadline.strftime("%Y-%m-%d %H:%M:%S"),
        "price_weight": "10", **CRITERIA_POST,
    })
    tender = Tender.objects.get()
    assert tender.status == Tender.Status.PUBLISHED
    chain.assert_inboxes({})  # waiting for the bid opening is nobody's task

    for staff, org, price in zip(w.supplier_staff, w.suppliers,
                                 ("290000.00", "280000.00", "270000.00"), strict=True):
        bid_submit(files=bid_files(), tender=tender, actor=staff, organization=org, price=Decimal(price),
                   proposal="服务方案")

    # 4. The deadline passes: the beat task opens the bids and the flow moves on, once.
    with time_machine.travel(deadline + dt.timedelta(minutes=2), tick=True):
        chain.clients.clear()  # sessions made three weeks ago have expired
        with django_capture_on_commit_callbacks(execute=True):
            open_due_tenders()
        with django_capture_on_commit_callbacks(execute=True):
            open_due_tenders()
        tender.refresh_from_db()
        assert tender.status == Tender.Status.OPENED
        chain.assert_inboxes({"purchaser": ["组建评标委员会"]})
        assert Task.objects.filter(flow_task_type="HUMAN", status="NEW").count() == 1

        # 5. Committee, one scoring task per seat, award. The task page shows the deadline and
        # the opening in local time (Asia/Shanghai), never as UTC ISO text.
        page = chain.client(w.purchaser).get(chain.task_url(w.purchaser, "组建评标委员会"))
        html = page.content.decode()
        opened = timezone.localtime(tender.opened_at).strftime("%Y-%m-%d %H:%M")
        assert f"<dd>{opened}</dd>" in html and "+00:00" not in html
        chain.do(w.purchaser, "组建评标委员会", {"size": ""})
        seats = list(CommitteeMember.objects.select_related("expert"))
        assert len(seats) >= 5
        on_committee = {s.expert.username for s in seats}
        chain.assert_inboxes({name: ["专家评分"] for name in on_committee})
        # A seat's task is its expert's alone: another member of the committee gets 404.
        first_url = chain.task_url(seats[0].expert, "专家评分")
        assert chain.client(seats[1].expert).get(first_url).status_code == 404
        assert chain.client(w.purchaser).post(first_url, {}).status_code == 404
        criteria = list(tender.criteria.exclude(kind="price"))
        bids = list(Bid.objects.filter(tender=tender))
        for n, seat in enumerate(seats):
            data = {f"score_{b.pk}_{c.pk}": str(c.max_score - (n % 3) - i)
                    for i, b in enumerate(bids) for c in criteria}
            chain.do(seat.expert, "专家评分", data)
            remaining = on_committee - {s.expert.username for s in seats[: n + 1]}
            expected = {name: ["专家评分"] for name in remaining}
            if not remaining:
                expected = {"purchaser": ["确认中标结果"]}
            chain.assert_inboxes(expected)
        tender.refresh_from_db()
        assert tender.status == Tender.Status.EVALUATED
        # Awarding is irreversible: the first POST only shows the consequence and what was
        # entered; "返回修改" gives the form back filled in; nothing changes until confirmed.
        url = chain.task_url(w.purchaser, "确认中标结果")
        asked = chain.client(w.purchaser).post(url, {"comment": "按排名第一确定"})
        html = asked.content.decode()
        assert asked.status_code == 200 and "请确认：确认中标结果" in html
        assert "不能撤回" in html and "按排名第一确定" in html
        assert '<input type="hidden" name="comment" value="按排名第一确定">' in html
        assert 'name="confirmed" value="1"' in html
        edit = chain.client(w.purchaser).post(url, {"comment": "按排名第一确定", "edit": "1"})
        assert 'class="vf-form task-form"' in edit.content.decode() and "task-confirm" not in (
            edit.content.decode())
        tender.refresh_from_db()
        assert tender.status == Tender.Status.EVALUATED and not hasattr(tender, "award")
        chain.do(w.purchaser, "确认中标结果", {"comment": "按排名第一确定"})
        winner_bid = Bid.objects.get(tender=tender, rank=1)
        winner_index = w.suppliers.index(winner_bid.organization)
        winner = f"supplier{winner_index}"
        supplier = w.supplier_staff[winner_index]
        chain.assert_inboxes({"purchaser": ["甲方签订合同"], winner: ["乙方签订合同"]})
        _check_sign_due_warnings(chain, project, w.purchaser, supplier)

        # 6. Both parties sign, in either order; a losing bidder cannot sign.
        sign_url = chain.task_url(supplier, "乙方签订合同")
        loser = w.supplier_staff[(winner_index + 1) % len(w.supplier_staff)]
        assert chain.client(loser).post(sign_url, {"agree": "on"}).status_code == 404
        chain.do(supplier, "乙方签订合同", {"agree": "on"})
        chain.assert_inboxes({"purchaser": ["甲方签订合同"]})
        chain.do(w.purchaser, "甲方签订合同", {"agree": "on"})
        project.refresh_from_db()
        assert project.status == ServiceProject.Status.IN_DELIVERY
        chain.assert_inboxes({"finance": ["拨付首期资金"]})

        # 7. Tranche 1, mid-term report (returned once), tranche 2.
        _pay_by_two(chain, w, "拨付首期资金", "PZ-001")
        chain.assert_inboxes({winner: ["提交中期报告"]})
        chain.do(supplier, "提交中期报告", {"summary": "已完成个案5个、活动2场。"})
        chain.assert_inboxes({"purchaser": ["中期验收"]})
        chain.do(w.purchaser, "中期验收", {"decision": "return", "comment": "请补充服务台账"})
        chain.assert_inboxes({winner: ["提交中期报告"]})
        chain.do(supplier, "提交中期报告", {"summary": "已完成个案5个、活动2场，台账已补充。"})
        chain.do(w.purchaser, "中期验收", {"decision": "accept", "comment": "通过"})
        chain.assert_inboxes({"finance": ["拨付中期资金"]})
        _pay_by_two(chain, w, "拨付中期资金", "PZ-002")
        chain.assert_inboxes({winner: ["提交终期报告"]})

        # 8. Final report, acceptance, four evaluations in parallel.
        chain.do(supplier, "提交终期报告", {"summary": "全部服务已完成。"})
        chain.do(w.purchaser, "终期验收", {"decision": "accept", "comment": "通过"})
        evaluation = PerformanceEvaluation.objects.get()
        third = evaluation.third_party_expert.username
        expected = {"purchaser": ["购买主体绩效评价"], "community": ["社区绩效评价"],
                    winner: ["承接机构自评"]}
        expected.setdefault(third, []).append("第三方专家绩效评价")
        chain.assert_inboxes(expected)
        scores = {"cat_budget": "9", "cat_output": "45", "cat_effect": "27",
                  "cat_satisfaction": "9", "comment": "良好"}
        for user, title in ((w.purchaser, "购买主体绩效评价"), (w.community, "社区绩效评价"),
                            (supplier, "承接机构自评")):
            chain.do(user, title, scores)
        chain.do(evaluation.third_party_expert, "第三方专家绩效评价", scores)
        evaluation.refresh_from_db()
        assert evaluation.status == PerformanceEvaluation.Status.FINALIZED
        assert evaluation.grade == PerformanceEvaluation.Grade.EXCELLENT
        chain.assert_inboxes({"finance": ["拨付尾款"]})

        # 9. Final tranche and closure.
        _pay_by_two(chain, w, "拨付尾款", "PZ-003")
        chain.assert_inboxes({"purchaser": ["项目结项"]})
        chain.do(w.purchaser, "项目结项", {})
        chain.assert_inboxes({})

    project.refresh_from_db()
    assert project.status == ServiceProject.Status.CLOSED
    assert Payment.objects.count() == 3
    assert not PaymentTranche.objects.exclude(status=PaymentTranche.Status.PAID).exists()
    process = ServiceProjectProcess.objects.get()
    assert process.finished is not None
    assert not Task.objects.filter(process=process, status__in=["NEW", "ASSIGNED", "STARTED"]).exists()




def _publish_post(deadline, **extra):
    return {"method": "open", "bid_deadline": deadline.strftime("%Y-%m-%d %H:%M:%S"),
            "price_weight": "10", **CRITERIA_POST, **extra}


def _failed_tender(world, chain, django_capture_on_commit_callbacks):
    """Walk to an open tender with two bids and let the beat task fail it (废标, fewer than 3)."""
    from tests.workflows.test_task_access import submitted_project

    w = world
    submitted_project(world)
    chain.do(w.purchaser, "立项审批", {"decision": "approve"})
    chain.do(w.finance, "预算审核", {"decision": "confirm", "envelope": w.envelope.pk})
    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=21)).replace(microsecond=0)
    chain.do(w.purchaser, "发布采购公告", _publish_post(deadline))
    tender = Tender.objects.get()
    for i in range(2):
        bid_submit(files=bid_files(), tender=tender, actor=w.supplier_staff[i], organization=w.suppliers[i],
                   price=Decimal("250000.00"), proposal="方案")
    travel = time_machine.travel(deadline + dt.timedelta(minutes=2), tick=True)
    travel.start()
    chain.clients.clear()
    with django_capture_on_commit_callbacks(execute=True):
        open_due_tenders()
    tender.refresh_from_db()
    assert tender.status == Tender.Status.FAILED
    return tender, travel


@pytest.mark.django_db
def test_failed_tender_goes_back_to_the_purchaser_and_the_retender_reaches_award(
        world, django_capture_on_commit_callbacks):
    w = world
    chain = Chain(world)
    first, travel = _failed_tender(world, chain, django_capture_on_commit_callbacks)
    try:
        project = first.project
        project.refresh_from_db()
        assert project.status == ServiceProject.Status.TENDERING
        # The purchaser's inbox holds exactly the re-publish task; the page says why.
        chain.assert_inboxes({"purchaser": ["发布采购公告"]})
        page = chain.client(w.purchaser).get(chain.task_url(w.purchaser, "发布采购公告"))
        assert first.code in page.content.decode() and "终止采购" in page.content.decode()
        # Publish fields are still required when re-tendering.
        response = chain.do(w.purchaser, "发布采购公告", {"decision": "publish"},
                            expect_redirect=False)
        assert response.status_code == 200 and Tender.objects.count() == 1

        deadline = timezone.localtime(timezone.now() + dt.timedelta(days=21)).replace(microsecond=0)
        chain.do(w.purchaser, "发布采购公告", _publish_post(deadline, decision="publish"))
        second = Tender.objects.exclude(pk=first.pk).get()
        assert second.code == f"{first.code}-2"
        assert second.status == Tender.Status.PUBLISHED
        project.refresh_from_db()
        assert project.current_tender == second
        chain.assert_inboxes({})
        for staff, org, price in zip(w.supplier_staff, w.suppliers,
                                     ("290000.00", "280000.00", "270000.00"), strict=True):
            bid_submit(files=bid_files(), tender=second, actor=staff, organization=org, price=Decimal(price),
                       proposal="服务方案")
    finally:
        travel.stop()

    with time_machine.travel(deadline + dt.timedelta(minutes=2), tick=True):
        chain.clients.clear()
        with django_capture_on_commit_callbacks(execute=True):
            open_due_tenders()
        second.refresh_from_db()
        assert second.status == Tender.Status.OPENED
        chain.assert_inboxes({"purchaser": ["组建评标委员会"]})
        chain.do(w.purchaser, "组建评标委员会", {"size": ""})
        assert set(CommitteeMember.objects.values_list("committee__tender", flat=True)) == {second.pk}
        seats = list(CommitteeMember.objects.select_related("expert"))
        chain.assert_inboxes({s.expert.username: ["专家评分"] for s in seats})
        criteria = list(second.criteria.exclude(kind="price"))
        bids = list(Bid.objects.filter(tender=second))
        for seat in seats:
            chain.do(seat.expert, "专家评分", {f"score_{b.pk}_{c.pk}": str(c.max_score - i)
                                             for i, b in enumerate(bids) for c in criteria})
        chain.assert_inboxes({"purchaser": ["确认中标结果"]})
        chain.do(w.purchaser, "确认中标结果", {"comment": "按排名第一确定"})
        winner = w.suppliers.index(Bid.objects.get(tender=second, rank=1).organization)
        chain.assert_inboxes({"purchaser": ["甲方签订合同"], f"supplier{winner}": ["乙方签订合同"]})
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.AWARDED
    first.refresh_from_db()
    assert first.status == Tender.Status.FAILED  # the failed tender stays on record


@pytest.mark.django_db
def test_purchaser_may_cancel_instead_of_retendering(world, django_capture_on_commit_callbacks):
    from core.models import Notification
    from finance.models import BudgetCommitment

    w = world
    chain = Chain(world)
    first, travel = _failed_tender(world, chain, django_capture_on_commit_callbacks)
    try:
        response = chain.do(w.purchaser, "发布采购公告", {"decision": "cancel"},
                            expect_redirect=False)
        assert response.status_code == 200 and "请填写终止采购的理由" in response.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            chain.do(w.purchaser, "发布采购公告", {"decision": "cancel", "reason": "需求已由其他项目覆盖"})
        chain.assert_inboxes({})
    finally:
        travel.stop()
    project = first.project
    project.refresh_from_db()
    first.refresh_from_db()
    assert project.status == ServiceProject.Status.CANCELLED
    assert first.status == Tender.Status.FAILED and Tender.objects.count() == 1
    assert BudgetCommitment.objects.get(project=project).status == BudgetCommitment.Status.RELEASED
    process = ServiceProjectProcess.objects.get()
    assert process.finished is not None
    assert Task.objects.filter(process=process, flow_task=ServiceProjectFlow.end_failed).count() == 1
    notified = set(Notification.objects.filter(title__startswith="采购已终止")
                   .values_list("recipient__username", flat=True))
    assert {"supplier0", "supplier1", "community"} <= notified


@pytest.mark.django_db
def test_cancel_while_bidding_cancels_the_flow(world, django_capture_on_commit_callbacks):
    from procurement.services.tenders import tender_cancel
    from tests.workflows.test_task_access import submitted_project

    w = world
    chain = Chain(world)
    submitted_project(world)
    chain.do(w.purchaser, "立项审批", {"decision": "approve"})
    chain.do(w.finance, "预算审核", {"decision": "confirm", "envelope": w.envelope.pk})
    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=21)).replace(microsecond=0)
    chain.do(w.purchaser, "发布采购公告", _publish_post(deadline))
    tender = Tender.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        tender_cancel(tender=tender, actor=w.purchaser, reason="采购需求发生重大变化")
    process = ServiceProjectProcess.objects.get()
    assert process.status == "CANCELED" and process.finished is not None
    assert not Task.objects.filter(process=process, status__in=["NEW", "ASSIGNED", "STARTED"]).exists()
    chain.assert_inboxes({})
    with time_machine.travel(deadline + dt.timedelta(minutes=2), tick=True):
        with django_capture_on_commit_callbacks(execute=True):
            open_due_tenders()  # a cancelled tender is never opened
    tender.refresh_from_db()
    assert tender.status == Tender.Status.CANCELLED and tender.opened_at is None
