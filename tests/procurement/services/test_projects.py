from decimal import Decimal

import pytest

from core.exceptions import PermissionDenied, ServiceError
from core.models import Notification
from procurement.models import ServiceProject
from procurement.services.needs import need_accept, need_submit
from procurement.services.projects import (
    project_approve,
    project_close,
    project_return,
    project_submit,
)
from tests.worlds import audit_count, project_draft

pytestmark = pytest.mark.django_db


def test_create_sums_budget_and_links_needs(world):
    need = need_submit(actor=world.resident, community=world.community_org, title="助老",
                       category="elderly", target_group="老人", description="助餐")
    need_accept(need=need, actor=world.community)
    project = project_draft(world, needs=[need], design_partners=[world.suppliers[3]])
    assert project.status == ServiceProject.Status.DRAFT
    assert project.budget_amount == Decimal("300000.00")
    assert project.code.startswith("XM2026-")
    assert list(project.needs.all()) == [need]
    assert list(project.design_partners.all()) == [world.suppliers[3]]
    assert project.indicators.get().deliverable == project.deliverables.get()
    assert audit_count("project.create") == 1


def test_create_refuses_unaccepted_need(world):
    need = need_submit(actor=world.resident, community=world.community_org, title="助老",
                       category="elderly", target_group="老人", description="助餐")
    with pytest.raises(ServiceError):
        project_draft(world, needs=[need])
    assert ServiceProject.objects.count() == 0


@pytest.mark.parametrize("who", ["resident", "other_community", "purchaser", "admin", "superuser"])
def test_create_denied(world, who):
    with pytest.raises(PermissionDenied):
        project_draft(world, actor=world.users()[who])
    assert ServiceProject.objects.count() == 0


def test_duration_over_12_months_needs_secured_budget(world):
    with pytest.raises(ServiceError, match="12个月"):
        project_draft(world, duration_months=24)
    project = project_draft(world, duration_months=24, multi_year_budget_secured=True)
    assert project.duration_months == 24
    with pytest.raises(ServiceError):
        project_draft(world, duration_months=37, multi_year_budget_secured=True)


def test_submit_approve_notify_next_actor(world):
    project = project_draft(world)
    project_submit(project=project, actor=world.community)
    assert Notification.objects.filter(recipient=world.purchaser, url__contains=str(project.pk)).exists()
    project_approve(project=project, actor=world.purchaser)
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.APPROVED
    assert Notification.objects.filter(recipient=world.finance, title__contains="预算审核").exists()
    entry = __import__("core.models", fromlist=["AuditEntry"]).AuditEntry.objects.get(
        action="project.approve")
    assert entry.before == {"status": "submitted"} and entry.after["status"] == "approved"


@pytest.mark.parametrize("who", ["resident", "other_community", "purchaser", "admin", "superuser"])
def test_submit_denied(world, who):
    project = project_draft(world)
    before = audit_count()
    with pytest.raises(PermissionDenied):
        project_submit(project=project, actor=world.users()[who])
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.DRAFT and audit_count() == before


@pytest.mark.parametrize("who", ["community", "other_purchaser", "finance", "admin", "superuser"])
@pytest.mark.parametrize("action", ["approve", "return"])
def test_approve_and_return_denied(world, who, action):
    project = project_draft(world)
    project_submit(project=project, actor=world.community)
    before = audit_count()
    with pytest.raises(PermissionDenied):
        if action == "approve":
            project_approve(project=project, actor=world.users()[who])
        else:
            project_return(project=project, actor=world.users()[who], reason="x")
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.SUBMITTED and audit_count() == before


def test_return_and_resubmit(world):
    project = project_draft(world)
    project_submit(project=project, actor=world.community)
    with pytest.raises(ServiceError):
        project_return(project=project, actor=world.purchaser, reason="")
    project_return(project=project, actor=world.purchaser, reason="预算测算不清")
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.RETURNED
    assert Notification.objects.filter(recipient=world.community, body="预算测算不清").exists()
    project_submit(project=project, actor=world.community)
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.SUBMITTED


def test_close_requires_settlement(world):
    project = project_draft(world)
    with pytest.raises(ServiceError):
        project_close(project=project, actor=world.purchaser)
    with pytest.raises(PermissionDenied):
        project_close(project=project, actor=world.community)
