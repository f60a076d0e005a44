"""化整为零 (条例28): same purchaser, category and year summing to the open-tender threshold."""

from decimal import Decimal

import pytest
from django.urls import reverse
from viewflow.workflow.models import Task

from core.exceptions import ServiceError
from core.models import AuditEntry
from procurement.models import ServiceProject
from procurement.rules import split_purchase_warning
from procurement.services.projects import project_approve, project_create, project_submit
from tests.factories import OrganizationFactory
from tests.workflows.test_chain_http import Chain, _errors
from workflows.flows import ServiceProjectFlow
from workflows.services import project_flow_start

pytestmark = pytest.mark.django_db

THRESHOLD = Decimal("2000000.00")  # the default PLATFORM_RULES["OPEN_TENDER_THRESHOLD"]
ACK = "我已知悉并确认不属于化整为零规避公开招标"


def project(world, budget, *, submit=True, flow=False, category="elderly", year=2026,
            purchaser=None):
    """Create (and submit) a project whose budget lines respect the category shares."""
    budget = Decimal(budget)
    personnel = (budget * Decimal("0.70")).quantize(Decimal("0.01"))
    management = (budget * Decimal("0.10")).quantize(Decimal("0.01"))
    made = project_create(
        actor=world.community, community=world.community_org,
        purchaser=purchaser or world.purchaser_org, title="居家养老服务项目", category=category,
        objectives="目标", target_groups="老人", fiscal_year=year, funding_source="fiscal",
        duration_months=12,
        deliverables=[{"activity_type": "case", "description": "个案", "quantity": 10,
                       "unit_price": Decimal("300.00")}],
        indicators=[{"category": "output", "name": "个案数", "target": Decimal("10")}],
        budget_lines=[{"category": "personnel", "amount": personnel},
                      {"category": "management", "amount": management},
                      {"category": "activities", "amount": budget - personnel - management}],
    )
    if submit:
        project_submit(project=made, actor=world.community)
        made.refresh_from_db()
    if flow:
        project_flow_start(project=made)
    return made


def test_warning_at_the_threshold_sum_and_not_below(world):
    project(world, "1200000")
    at = project(world, "800000")
    below = project(world, "799999.99", category="children")
    project(world, "1200000", category="children")
    text = split_purchase_warning(project=at)
    assert text is not None
    assert "2000000.00" in text and "800000.00" in text and "共 2 个项目" in text
    assert "化整为零" in text and "第二十八条" in text
    # 1,200,000 + 799,999.99 stays below 2,000,000.
    assert split_purchase_warning(project=below) is None


def test_a_project_at_the_threshold_itself_needs_no_warning(world):
    project(world, "500000")
    assert split_purchase_warning(project=project(world, THRESHOLD)) is None


@pytest.mark.parametrize("other", ["other_category", "other_year", "other_purchaser", "cancelled",
                                   "draft"])
def test_unrelated_or_dead_projects_are_not_summed(world, other):
    if other == "other_category":
        project(world, "1500000", category="children")
    elif other == "other_year":
        project(world, "1500000", year=2025)
    elif other == "other_purchaser":
        project(world, "1500000", purchaser=OrganizationFactory(kind="purchaser"))
    elif other == "cancelled":
        ServiceProject.objects.filter(pk=project(world, "1500000").pk).update(
            status=ServiceProject.Status.CANCELLED)
    else:
        project(world, "1500000", submit=False)
    assert split_purchase_warning(project=project(world, "500000")) is None


def test_threshold_is_configuration(world, settings):
    settings.PLATFORM_RULES = {**settings.PLATFORM_RULES, "OPEN_TENDER_THRESHOLD": Decimal("500000")}
    project(world, "300000")
    assert split_purchase_warning(project=project(world, "200000")) is not None


def test_approval_refused_without_acknowledgement_and_recorded_with_it(world):
    project(world, "1200000")
    target = project(world, "800000")
    with pytest.raises(ServiceError, match="化整为零") as exc:
        project_approve(project=target, actor=world.purchaser)
    assert exc.value.code == "split_purchase"
    target.refresh_from_db()
    assert target.status == ServiceProject.Status.SUBMITTED
    assert not AuditEntry.objects.filter(action="project.approve").exists()

    project_approve(project=target, actor=world.purchaser, split_warning_acknowledged=True)
    target.refresh_from_db()
    assert target.status == ServiceProject.Status.APPROVED
    entry = AuditEntry.objects.get(action="project.approve")
    assert entry.after["split_warning_acknowledged"] is True
    assert "化整为零" in entry.after["split_warning"]


def test_approval_without_warning_records_nothing_extra(world):
    target = project(world, "800000")
    project_approve(project=target, actor=world.purchaser)
    assert "split_warning" not in AuditEntry.objects.get(action="project.approve").after


# --- task pages ---------------------------------------------------------------------------------


def task_url(target, node) -> str:
    task = Task.objects.get(process__serviceprojectprocess__project=target, flow_task=node,
                            status="NEW")
    return reverse("workflows:task", kwargs={"task_pk": task.pk})


def test_approval_page_needs_the_tick_and_publication_page_shows_the_warning(world):
    project(world, "1200000")
    target = project(world, "800000", flow=True)
    chain = Chain(world)
    url = task_url(target, ServiceProjectFlow.approve)
    html = chain.client(world.purchaser).get(url).content.decode()
    assert "化整为零提示" in html and ACK in html

    response = chain.client(world.purchaser).post(url, {"decision": "approve", "comment": "同意"})
    assert response.status_code == 200
    assert response.context["form"].errors["split_warning_acknowledged"] == [
        "同意立项前请确认本项目不属于化整为零。"]
    target.refresh_from_db()
    assert target.status == ServiceProject.Status.SUBMITTED
    assert not AuditEntry.objects.filter(action="project.approve").exists()

    response = chain.client(world.purchaser).post(
        url, {"decision": "approve", "comment": "同意", "split_warning_acknowledged": "on"})
    assert response.status_code == 302, _errors(response)
    target.refresh_from_db()
    assert target.status == ServiceProject.Status.APPROVED
    assert AuditEntry.objects.get(action="project.approve").after["split_warning_acknowledged"]

    # Finance's budget review page carries no warning; the purchaser's publication page does.
    url = task_url(target, ServiceProjectFlow.budget_review)
    assert "化整为零提示" not in chain.client(world.finance).get(url).content.decode()
    response = chain.client(world.finance).post(
        url, {"decision": "confirm", "envelope": world.envelope.pk, "comment": ""})
    assert response.status_code == 302, _errors(response)
    html = chain.client(world.purchaser).get(task_url(target, ServiceProjectFlow.publish)).content.decode()
    assert "化整为零提示" in html and "第二十八条" in html


def test_returning_under_a_warning_needs_no_tick(world):
    project(world, "1200000")
    target = project(world, "800000", flow=True)
    response = Chain(world).client(world.purchaser).post(
        task_url(target, ServiceProjectFlow.approve), {"decision": "return", "comment": "请拆并核实"})
    assert response.status_code == 302, _errors(response)
    target.refresh_from_db()
    assert target.status == ServiceProject.Status.RETURNED


def test_approval_page_without_warning_has_no_tick(world):
    target = project(world, "800000", flow=True)
    html = Chain(world).client(world.purchaser).get(
        task_url(target, ServiceProjectFlow.approve)).content.decode()
    assert "化整为零提示" not in html and ACK not in html
