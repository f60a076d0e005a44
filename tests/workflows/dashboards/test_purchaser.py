"""The purchaser's dashboard: pipeline, stage times, overdue tasks, procurement outcomes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from procurement.models import Tender
from tests.factories.workflows import ServiceProjectProcessFactory
from tests.workflows.dashboards.helpers import chart_svg, chart_table, query_count, xlsx_rows
from tests.worlds import rows_at_stage
from workflows.flows import ServiceProjectFlow

pytestmark = pytest.mark.django_db
URL = reverse("workflows:dashboard-purchaser")


def _task(project, deadline: str, status=STATUS.NEW):
    process = ServiceProjectProcessFactory(project=project)
    return Task.objects.create(process=process, flow_task=ServiceProjectFlow.approve,
                               flow_task_type="HUMAN", status=status,
                               data={"deadline": deadline} if deadline else {})


def _known(world):
    """Two closed projects (2 bids, budget 100,000, contract 95,000), one tendering, one whose
    tender failed (废标) after opening; bidding took 20, 20 and 30 days on the opened tenders;
    three open tasks of which two are past their deadline."""
    closed = rows_at_stage(world, 2, "closed")
    published = rows_at_stage(world, 1, "published")[0]
    failed = rows_at_stage(world, 1, "opened")[0]
    tender = failed.tenders.get()
    Tender.objects.filter(pk=tender.pk).update(status=Tender.Status.FAILED,
                                               published_at=tender.opened_at - dt.timedelta(days=30))
    _task(closed[0], "2020-01-02")
    _task(published, "2020-03-04")
    _task(failed, "2999-01-01")
    _task(failed, "2020-01-02", status=STATUS.DONE)  # done: neither open nor overdue


def test_numbers_match_a_hand_computed_case(client, world):
    _known(world)
    client.force_login(world.purchaser)
    response = client.get(URL)
    html = response.content.decode()
    assert chart_table(html, "pipeline") == {"采购中": [1], "评审中": [1], "已结项": [2]}
    stages = chart_table(html, "stage-times")
    assert stages["公告及投标"] == [Decimal("20.0"), Decimal("30.0")]  # median of 20, 20, 30
    assert stages["立项审批"] == [None, None]  # no project carries both stamps
    assert chart_table(html, "overdue-tasks") == {"立项审批": [2]}
    data = response.context["data"]
    assert (data.tasks_open, data.tasks_overdue) == (3, 2)
    # 4 tenders by 磋商; 3 concluded (2 awarded, 1 failed): 废标率 1/3; 3 opened × 2 bids.
    assert chart_table(html, "methods") == {"竞争性磋商": [4, 1]}
    assert 'data-rate="33.3"' in html and data.methods[0].bidders == 6
    assert chart_table(html, "bidders") == {"2": [3]}
    year = str(world.envelope.fiscal_year)
    assert chart_table(html, "savings") == {year: [Decimal("200000.00"), Decimal("190000.00"),
                                                   Decimal("10000.00")]}
    assert (data.savings, data.savings_rate) == (Decimal("10000.00"), Decimal("5.0"))
    assert "10,000" in chart_svg(html, "savings")


def test_each_chart_exports_its_numbers(client, world):
    _known(world)
    client.force_login(world.purchaser)
    rows = xlsx_rows(client.get(URL, {"chart": "stage-times", "export": "xlsx"}))
    assert rows[0] == ("阶段", "中位数（天）", "最长（天）")
    assert ("公告及投标", 20, 30) in rows
    for key in ("pipeline", "overdue-tasks", "methods", "bidders", "savings"):
        assert len(xlsx_rows(client.get(URL, {"chart": key, "export": "xlsx"}))) > 1, key


def test_only_the_users_own_purchaser(client, world):
    rows_at_stage(world, 1, "closed")
    client.force_login(world.outsiders["purchaser"])
    html = client.get(URL).content.decode()
    assert "已结项" not in html  # the other district's purchaser sees none of these projects
    url = reverse("workflows:dashboard-purchaser-org", kwargs={"org": world.purchaser_org.pk})
    assert client.get(url).status_code == 404
    client.force_login(world.community)
    assert client.get(URL).status_code == 404


def test_query_count_does_not_grow_with_projects(client, world):
    client.force_login(world.purchaser)
    client.get(URL)
    _known(world)
    small = query_count(client, URL)
    rows_at_stage(world, 10, "closed")
    rows_at_stage(world, 4, "opened")
    assert query_count(client, URL) == small <= 26
