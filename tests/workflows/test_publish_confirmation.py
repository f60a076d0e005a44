"""Publishing a tender and cancelling after a 废标 ask first (issue 8 item 2): the confirmation
page names the consequence, nothing is published, cancelled, audited or notified before the
user confirms, and the page is a plain form (no JavaScript) that posts the same data again."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from viewflow.workflow.models import Task

from core.models import Notification
from procurement.models import ServiceProject, Tender
from tests.workflows.test_chain_http import Chain, _errors, _failed_tender, _publish_post
from tests.workflows.test_task_access import submitted_project
from tests.worlds import audit_count
from workflows.flows import ServiceProjectFlow

pytestmark = pytest.mark.django_db

CONFIRM_PAGE = 'class="mdc-card vf-card task-confirm"'
HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def confirm_by_plain_form(client, url, html: str):
    """Post the confirmation page as a browser without JavaScript does: its hidden fields and
    the pressed button (name="confirmed" value="1")."""
    fields = HIDDEN_RE.findall(html)
    assert fields, "the confirmation page re-posts what was entered"
    data: dict = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    assert '<button type="submit" name="confirmed" value="1"' in html
    return client.post(url, {**data, "confirmed": "1"})


def entered_part(html: str) -> str:
    return html.split('class="task-summary entered"', 1)[1].split("</dl>", 1)[0]


def publish_task(world):
    submitted_project(world)
    chain = Chain(world)
    chain.do(world.purchaser, "立项审批", {"decision": "approve"})
    chain.do(world.finance, "预算审核", {"decision": "confirm", "envelope": world.envelope.pk})
    return chain, chain.task_url(world.purchaser, "发布采购公告")


def test_publishing_asks_first_and_changes_nothing_before(world):
    chain, url = publish_task(world)
    client = chain.client(world.purchaser)
    assert "下一步：确认发布" in client.get(url).content.decode()
    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=21)).replace(microsecond=0)
    data = _publish_post(deadline, min_rating="", required_specialties=["elderly"],
                         required_documents=["投标函", "报价单", "服务方案", "资格证明文件"])

    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200 and CONFIRM_PAGE in html, _errors(response)
    assert "请确认：发布采购公告" in html
    consequence = re.search(r'<p class="errornote confirm-consequence" role="alert">(.*?)</p>',
                            html).group(1)
    assert "向社会公开" in consequence and "法定期限自发布之日起计算" in consequence
    assert "不能撤回" in consequence
    assert ">确认发布采购公告</button>" in html
    entered = entered_part(html)
    assert "评分项：服务方案" in entered
    # Several choices read as their labels; empty ones are left out.
    assert "投标函、报价单、服务方案、资格证明文件" in entered and "养老服务" in entered
    assert "[" not in entered and "QuerySet" not in entered and "须具备的资质" not in entered
    assert "最低社会组织评估等级" not in entered  # left at 不限
    # Nothing yet: no tender, no audit row, no notification, the task still open.
    assert not Tender.objects.exists() and audit_count("tender.publish") == 0
    assert not Notification.objects.filter(title__contains="采购公告").exists()
    assert Task.objects.get(flow_task=ServiceProjectFlow.publish).status == "NEW"
    assert chain.inbox(world.purchaser) == ["发布采购公告"]

    # 返回修改 goes back to the form with what was entered, still nothing published.
    back = client.post(url, {**data, "edit": "1"}).content.decode()
    assert CONFIRM_PAGE not in back and 'name="criteria-0-name" value="服务方案"' in back
    assert not Tender.objects.exists()

    response = confirm_by_plain_form(client, url, html)
    assert response.status_code == 302, _errors(response)
    tender = Tender.objects.get()
    assert tender.status == Tender.Status.PUBLISHED and audit_count("tender.publish") == 1
    assert Task.objects.get(flow_task=ServiceProjectFlow.publish).status == "DONE"


def test_cancelling_after_a_failed_tender_asks_first(world, django_capture_on_commit_callbacks):
    chain = Chain(world)
    failed, travel = _failed_tender(world, chain, django_capture_on_commit_callbacks)
    try:
        url = chain.task_url(world.purchaser, "发布采购公告")
        client = chain.client(world.purchaser)
        assert "下一步：确认" in client.get(url).content.decode()
        # What a browser posts: the decision and reason, and the publish fields as shown.
        deadline = timezone.localtime(timezone.now() + dt.timedelta(days=21)).replace(
            microsecond=0)
        data = _publish_post(deadline, decision="cancel", reason="需求已由其他项目覆盖")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data)
        html = response.content.decode()
        assert response.status_code == 200 and CONFIRM_PAGE in html, _errors(response)
        assert "采购即告结束" in html and "不再重新采购" in html
        assert ">确认终止采购</button>" in html
        entered = entered_part(html)
        # The page shows what the cancellation uses, not the ignored publication fields.
        assert "需求已由其他项目覆盖" in entered and "终止采购" in entered
        assert "采购方式" not in entered and "评分项" not in entered
        # Nothing yet.
        failed.refresh_from_db()
        project = ServiceProject.objects.get(pk=failed.project_id)
        assert project.status == ServiceProject.Status.TENDERING
        assert audit_count("tender.cancel") == 0
        assert not Notification.objects.filter(title__startswith="采购已终止").exists()
        assert chain.inbox(world.purchaser) == ["发布采购公告"]

        # Re-tendering asks too, with its own button.
        retender = client.post(url, {**data, "decision": "publish"}).content.decode()
        assert CONFIRM_PAGE in retender and ">确认重新发布采购公告</button>" in retender
        assert "向社会公开" in retender and Tender.objects.count() == 1

        with django_capture_on_commit_callbacks(execute=True):
            response = confirm_by_plain_form(client, url, html)
        assert response.status_code == 302, _errors(response)
    finally:
        travel.stop()
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.CANCELLED
    assert audit_count("tender.cancel") == 1 and Tender.objects.count() == 1
    assert Notification.objects.filter(title__startswith="采购已终止").exists()
