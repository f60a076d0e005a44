"""Task pages: only the task's role in the task's organization may open or do it; errors change nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from accounts.roles import Role
from office.formsets import formset_data
from procurement.models import ServiceProject, Tender
from procurement.services.needs import need_submit
from procurement.services.projects import project_create, project_submit
from tests.workflows.test_chain_http import Chain, _errors
from workflows.flows import ServiceProjectFlow
from workflows.receivers import advance_on_tender_opened
from workflows.services import need_flow_start, project_flow_start
from workflows.views.steps import DEFAULT_CRITERIA


def submitted_project(world, n=0):
    """Create and submit a project through the services and start its flow."""
    project = project_create(
        actor=world.community, community=world.community_org, purchaser=world.purchaser_org,
        title=f"测试项目{n}", category="elderly", objectives="目标", target_groups="老人",
        fiscal_year=2026, funding_source="fiscal", duration_months=12,
        deliverables=[{"activity_type": "case", "description": "个案", "quantity": 10,
                       "unit_price": Decimal("300.00")}],
        indicators=[{"category": "output", "name": "个案数", "target": Decimal("10")}],
        budget_lines=[{"category": "personnel", "amount": Decimal("210000")},
                      {"category": "management", "amount": Decimal("30000")},
                      {"category": "activities", "amount": Decimal("60000")}],
    )
    project_submit(project=project, actor=world.community)
    project_flow_start(project=project)
    return project


def approve_task(project) -> Task:
    return Task.objects.get(process__serviceprojectprocess__project=project,
                            flow_task=ServiceProjectFlow.approve)


WRONG_USERS = ["other_purchaser", "community", "finance", "supplier0", "resident", "expert0",
               "superuser", "other_community"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", WRONG_USERS)
def test_wrong_role_or_other_org_gets_404_and_nothing_changes(world, who):
    project = submitted_project(world)
    task = approve_task(project)
    chain = Chain(world)
    user = world.everyone()[who]
    url = reverse("workflows:task", kwargs={"task_pk": task.pk})
    assert chain.client(user).get(url).status_code == 404
    response = chain.client(user).post(url, {"decision": "approve", "comment": "x"})
    assert response.status_code == 404
    project.refresh_from_db()
    task.refresh_from_db()
    assert project.status == ServiceProject.Status.SUBMITTED
    assert task.status == "NEW" and task.owner_id is None
    assert chain.inbox(user) == []


@pytest.mark.django_db
def test_right_user_sees_page_and_anonymous_is_sent_to_login(world, client):
    project = submitted_project(world)
    task = approve_task(project)
    url = reverse("workflows:task", kwargs={"task_pk": task.pk})
    response = client.get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    client.force_login(world.purchaser)
    response = client.get(url)
    assert response.status_code == 200
    assert project.code in response.content.decode()


@pytest.mark.django_db
def test_done_task_is_gone(world):
    project = submitted_project(world)
    task = approve_task(project)
    chain = Chain(world)
    chain.do(world.purchaser, "立项审批", {"decision": "approve"})
    url = reverse("workflows:task", kwargs={"task_pk": task.pk})
    assert chain.client(world.purchaser).get(url).status_code == 404
    assert chain.client(world.purchaser).post(url, {"decision": "approve"}).status_code == 404


@pytest.mark.django_db
def test_service_error_is_a_form_error_and_completes_nothing(world):
    submitted_project(world)
    chain = Chain(world)
    chain.do(world.purchaser, "立项审批", {"decision": "approve"})
    chain.do(world.finance, "预算审核", {"decision": "confirm", "envelope": world.envelope.pk})
    too_soon = timezone.localtime(timezone.now() + dt.timedelta(days=3))
    response = chain.do(world.purchaser, "发布采购公告", {
        "method": "open", "bid_deadline": too_soon.strftime("%Y-%m-%d %H:%M:%S"),
        "price_weight": "10", **formset_data("criteria", DEFAULT_CRITERIA),
    }, expect_redirect=False)
    assert response.status_code == 200
    assert "errorlist nonfield" in response.content.decode(), _errors(response)
    assert not Tender.objects.exists()
    assert chain.inbox(world.purchaser) == ["发布采购公告"]
    task = Task.objects.get(flow_task=ServiceProjectFlow.publish)
    assert task.status == "NEW" and task.owner_id is None


@pytest.mark.django_db
def test_invalid_form_changes_nothing(world):
    project = submitted_project(world)
    chain = Chain(world)
    response = chain.do(world.purchaser, "立项审批", {"decision": "return", "comment": ""},
                        expect_redirect=False)
    assert response.status_code == 200
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.SUBMITTED
    assert chain.inbox(world.purchaser) == ["立项审批"]


@pytest.mark.django_db
def test_tender_opened_receiver_is_idempotent_and_ignores_unknown_tenders(world):
    advance_on_tender_opened(tender=None)
    project = submitted_project(world)
    tender = Tender(project=project)
    assert advance_on_tender_opened(tender=tender) == 0  # no waiting step yet
    assert Task.objects.filter(process__serviceprojectprocess__project=project).count() == 2


# session, user with the memberships (one statement: accounts.selectors.user_with_memberships),
# tasks (each section's first rows chosen and counted by the database), and the permission
# lookups of the flow task filter. The role menu (office/_menu.html) reuses the memberships. A user with open tasks adds one: the chosen
# tasks read with their processes and subjects joined (workflows.selectors.task_inbox_for_user).
INBOX_QUERIES = 4
TASK_ROWS_QUERY = 1
# Roles with work items add their selectors' queries (each one query, whatever the row count):
# resident: surveys, needs to support, own needs; social worker: contracts in delivery with
# record counts; bidder: open tenders per organization; platform admin: holidays, overrides;
# community: service records waiting for its confirmation; purchaser: unanswered questions and
# open challenges (答疑与质疑), listed in the inbox and counted again by the menu entry.
WORK_ITEM_QUERIES = {"resident": 3, "social_worker": 1, "community": 1, "bidder": 1, "admin": 2,
                     "operator": 2, "purchaser": 4}
# A superuser with the admin role reads what an operator reads (its memberships come with it).
SUPERUSER_SAVES = {"admin": 0}


def _inbox_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.django_db
def test_inbox_query_count_is_constant(world, django_assert_num_queries, monkeypatch):
    from workflows.views.home import HomeView

    # Every row on the page, so the counts below see all of them (the cap has its own test).
    monkeypatch.setattr(HomeView, "section_limit", 1000)
    from evaluation.models import PerformanceEvaluation
    from tests.factories import (
        OrganizationFactory,
        SocialWorkerProfileFactory,
        make_bad_credit_code,
        user_with_role,
    )
    from tests.worlds import rows_at_stage

    social_worker = user_with_role(Role.SOCIAL_WORKER, world.suppliers[0])
    SocialWorkerProfileFactory(user=social_worker, organization=world.suppliers[0])
    neighbour = user_with_role(Role.RESIDENT, world.community_org)
    chain = Chain(world)
    clients = {
        "purchaser": chain.client(world.purchaser),
        "community": chain.client(world.community),
        "expert": chain.client(world.experts[0]),
        "resident": chain.client(world.resident),
        "social_worker": chain.client(social_worker),
        "bidder": chain.client(world.supplier_staff[2]),  # has bid on none of the tenders
        "admin": chain.client(user_with_role(Role.ADMIN, superuser=True)),
        "operator": chain.client(user_with_role(Role.ADMIN)),
    }
    done = []

    def populate(upto):
        for n in range(len(done), upto):
            submitted_project(world, n)
            need = need_submit(actor=world.resident, community=world.community_org,
                               title=f"需求{n}", category="elderly", target_group="老人",
                               description="描述")
            need_flow_start(need=need)
            # Work items: a neighbour's need to support, a contract in delivery, an open
            # survey, an open tender, an organization with a credit-code override.
            need_submit(actor=neighbour, community=world.community_org, title=f"邻居需求{n}",
                        category="elderly", target_group="老人", description="描述")
            rows_at_stage(world, 1, "signed", social_worker=social_worker)
            (surveyed,) = rows_at_stage(world, 1, "signed", social_worker=social_worker)
            ServiceProject.objects.filter(pk=surveyed.pk).update(
                status=ServiceProject.Status.PERFORMANCE_REVIEW)
            PerformanceEvaluation.objects.create(contract=surveyed.contract,
                                                 opened_at=timezone.now())
            rows_at_stage(world, 1, "published", social_worker=social_worker)
            OrganizationFactory(credit_code=make_bad_credit_code(),
                                credit_code_override_reason="登记代码校验位不符")
            done.append(n)

    def work(response, kind):
        return response.content.decode().count(f'data-kind="{kind}"')

    populate(5)
    small = {name: _inbox_queries(c) for name, c in clients.items()}
    populate(50)
    large = {name: _inbox_queries(c) for name, c in clients.items()}
    assert small["purchaser"][1].content.decode().count('class="inbox-task"') == 5
    assert large["purchaser"][1].content.decode().count('class="inbox-task"') == 50
    assert large["community"][1].content.decode().count('class="inbox-task"') == 50
    for kind, size in (("satisfaction", 50), ("need_support", 50)):
        assert work(small["resident"][1], kind) == size // 10, kind
        assert work(large["resident"][1], kind) == size, kind
    assert work(large["social_worker"][1], "service_record") == 50
    assert work(large["bidder"][1], "tender_bid") == 50
    for name in ("admin", "operator"):
        assert work(large[name][1], "credit_code_override") == 1
        assert "50 家机构" in large[name][1].content.decode()
    for name in clients:
        assert small[name][0] == large[name][0], name
    for name, client in clients.items():
        expected = INBOX_QUERIES + WORK_ITEM_QUERIES.get(name, 0) - SUPERUSER_SAVES.get(name, 0)
        if 'class="inbox-task"' in large[name][1].content.decode():
            expected += TASK_ROWS_QUERY
        with django_assert_num_queries(expected):
            client.get(reverse("home"))
