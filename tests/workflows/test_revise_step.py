"""Revise and resubmit through the task pages (issue 8 item 5): edit, versions, what changed."""

from decimal import Decimal

import pytest
from django.urls import reverse

from finance.services.budget import budget_reject
from office.formsets import formset_data
from procurement.models import ProjectVersion, ServiceProject
from procurement.services.projects import (
    project_approve,
    project_return,
    project_revise,
    project_submit,
)
from tests.workflows.test_chain_http import Chain, _errors
from tests.worlds import project_draft
from workflows.services import project_flow_start

pytestmark = pytest.mark.django_db

REVISE = "修改并重新提交项目"
APPROVE = "立项审批"
CASE = {"activity_type": "case", "description": "个案服务", "quantity": "10", "unit": "个",
        "unit_price": "300", "min_quality": "每个个案不少于6次跟进"}
BUDGET = [{"category": "personnel", "amount": "210000", "note": "社工薪酬"},
          {"category": "management", "amount": "30000", "note": ""},
          {"category": "activities", "amount": "55000", "note": "活动物料"}]


def revised(*, deliverables=(CASE,), budget=BUDGET, **fields) -> dict:
    """The draft's design (tests.worlds.project_draft, CASE_WORK) as the design tables post it,
    with the activities line cut from 60,000.00 to 55,000.00."""
    return {
        "title": "老年人关爱服务项目", "category": "elderly", "objectives": "提升社区老年人生活质量",
        "target_groups": "独居老人", "fiscal_year": "2026", "funding_source": "fiscal",
        "duration_months": "12",
        **formset_data("deliverables", list(deliverables)),
        **formset_data("indicators", [{"category": "output", "name": "个案服务数", "target": "10",
                                       "unit": "个"}]),
        **formset_data("budget_lines", list(budget)),
        **fields,
    }


REVISED = revised()


def _in_flow(world) -> ServiceProject:
    project = project_draft(world)
    project_submit(project=project, actor=world.community)
    project_flow_start(project=project)
    return project


@pytest.fixture
def returned(world):
    chain = Chain(world)
    project = _in_flow(world)
    chain.do(world.purchaser, APPROVE, {"decision": "return", "comment": "活动经费测算偏高"})
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.RETURNED
    return chain, project


def _unchanged(project, *, versions=1):
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.RETURNED
    assert project.budget_amount == Decimal("300000.00")
    assert project.versions.count() == versions


def test_the_revise_page_is_the_design_form_filled_from_the_project(world, returned):
    chain, project = returned
    url = chain.task_url(world.community, REVISE)
    html = chain.client(world.community).get(url).content.decode()
    assert 'value="老年人关爱服务项目"' in html
    assert 'value="210000.00"' in html and 'value="60000.00"' in html
    assert "活动经费测算偏高" in html  # the reason it came back
    assert 'name="community"' in html and "disabled" in html
    assert "/versions/1/" in html


def test_revise_and_resubmit_shows_the_purchaser_what_changed(world, returned):
    chain, project = returned
    chain.do(world.community, REVISE, {**REVISED, "community": world.outsiders["community"].pk})
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.SUBMITTED
    assert project.budget_amount == Decimal("295000.00")
    assert project.community == world.community_org  # the disabled field is not taken from POST
    assert [v.number for v in project.versions.all()] == [1, 2]

    html = chain.client(world.purchaser).get(chain.task_url(world.purchaser, APPROVE)).content.decode()
    assert "v2 相对 v1 的修改" in html
    assert "300,000.00" in html and "295,000.00" in html and "-5,000.00" in html
    assert "60,000.00 → 55,000.00" in html
    assert "活动经费测算偏高" in html

    detail = chain.client(world.purchaser).get(
        reverse("procurement:project-detail", args=[project.pk])).content.decode()
    assert "设计版本" in detail and "v2 相对 v1 的修改" in detail and "-5,000.00" in detail


@pytest.mark.parametrize("data, message", [
    (revised(budget=[{**BUDGET[0], "amount": "abc"}, *BUDGET[1:]]), "第1行"),
    # 人员薪酬 below its 70% floor: project_revise refuses before anything is stored.
    (revised(budget=[{**BUDGET[0], "amount": "100000"}, BUDGET[1],
                     {**BUDGET[2], "amount": "170000"}]), "人员薪酬"),
    (revised(deliverables=[{**CASE, "quantity": "0"}]), "第1行"),
    (revised(title=""), "id_title_error"),
])
def test_bad_rows_change_nothing(world, returned, data, message):
    chain, project = returned
    response = chain.do(world.community, REVISE, data, expect_redirect=False)
    assert response.status_code == 200
    assert message in response.content.decode(), _errors(response)
    _unchanged(project)
    assert REVISE in chain.inbox(world.community)


@pytest.mark.parametrize("who", ["other_community", "purchaser", "resident"])
def test_only_the_designing_community_opens_the_revise_task(world, returned, who):
    chain, project = returned
    url = chain.task_url(world.community, REVISE)
    user = world.users()[who]
    assert chain.client(user).get(url).status_code == 404
    assert chain.client(user).post(url, REVISED).status_code == 404
    _unchanged(project)


def test_a_budget_finance_sent_back_is_edited_on_the_same_page(world):
    chain = Chain(world)
    project = _in_flow(world)
    chain.do(world.purchaser, APPROVE, {"decision": "approve", "comment": "同意"})
    chain.do(world.finance, "预算审核", {"decision": "reject", "comment": "活动经费请压缩"})
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.RETURNED
    chain.do(world.community, REVISE, REVISED)
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.SUBMITTED
    second = project.versions.get(number=2)
    assert second.return_reason == "活动经费请压缩"
    assert second.snapshot["fields"]["budget_amount"] == "295000.00"


# --- the version page ----------------------------------------------------------------------------


def _versions(world, n: int) -> ServiceProject:
    """Return a project submitted n times (returned and revised in between, activities cut 1,000)."""
    project = project_draft(world)
    project_submit(project=project, actor=world.community)
    for k in range(1, n):
        project_return(project=project, actor=world.purchaser, reason=f"第{k}次退回")
        project_revise(project=project, actor=world.community, budget_lines=[
            {"category": "personnel", "amount": Decimal("210000.00")},
            {"category": "management", "amount": Decimal("30000.00")},
            {"category": "activities", "amount": Decimal("60000.00") - 1000 * k},
        ])
        project_submit(project=project, actor=world.community)
    return project


def test_version_page_shows_the_design_and_its_changes(world, client):
    project = _versions(world, 2)
    client.force_login(world.purchaser)
    response = client.get(reverse("procurement:project-version", args=[project.pk, 2]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "v2 相对 v1 的修改" in html and "第1次退回" in html
    assert "60,000.00 → 59,000.00" in html and "299,000.00" in html
    first = client.get(reverse("procurement:project-version", args=[project.pk, 1])).content.decode()
    assert "这是项目的首次提交。" in first and "300,000.00" in first


@pytest.mark.parametrize("who", ["other_community", "other_purchaser", "resident", "other_social_org"])
def test_version_page_is_404_for_outsiders(world, client, who):
    project = _versions(world, 2)
    client.force_login(world.users()[who])
    assert client.get(reverse("procurement:project-version", args=[project.pk, 1])).status_code == 404


def test_version_page_of_a_missing_version_is_404(world, client):
    project = _versions(world, 1)
    client.force_login(world.community)
    assert client.get(reverse("procurement:project-version", args=[project.pk, 2])).status_code == 404
    assert client.get(reverse("procurement:project-version", args=[project.pk, 0])).status_code == 404


@pytest.mark.parametrize("versions", [2, 6])
def test_version_page_queries_are_bounded(world, client, django_assert_max_num_queries, versions):
    project = _versions(world, versions)
    assert ProjectVersion.objects.filter(project=project).count() == versions
    client.force_login(world.purchaser)
    url = reverse("procurement:project-version", args=[project.pk, versions])
    client.get(url)  # warm the per-process caches (content types, menu)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_finance_reject_then_revise_through_services_keeps_numbering(world):
    project = project_draft(world)
    project_submit(project=project, actor=world.community)
    project_approve(project=project, actor=world.purchaser)
    budget_reject(project=project, actor=world.finance, reason="额度不足")
    project_submit(project=project, actor=world.community)
    assert [v.number for v in project.versions.all()] == [1, 2]


def test_a_text_with_commas_does_not_break_the_revise_page(world):
    chain = Chain(world)
    project = project_draft(world, budget_lines=[
        {"category": "personnel", "amount": Decimal("210000.00"), "note": "社工薪酬，含社保, 公积金"},
        {"category": "management", "amount": Decimal("30000.00")},
        {"category": "activities", "amount": Decimal("60000.00")},
    ])
    project_submit(project=project, actor=world.community)
    project_flow_start(project=project)
    chain.do(world.purchaser, APPROVE, {"decision": "return", "comment": "请补充"})
    page = chain.client(world.community).get(chain.task_url(world.community, REVISE))
    assert page.status_code == 200
    assert 'value="社工薪酬，含社保, 公积金"' in page.content.decode()
