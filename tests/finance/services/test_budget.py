from decimal import Decimal as D

import pytest

from accounts.models import Organization
from accounts.roles import Role
from core.exceptions import PermissionDenied, ServiceError
from core.models import AuditEntry, Notification
from finance.models import BudgetCommitment, BudgetEnvelope
from finance.services.budget import budget_confirm, budget_reject
from procurement.models import ServiceProject
from tests.factories import OrganizationFactory, huainan, user_with_role
from tests.worlds import CASE_AND_EVENTS, project_approved

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(world):
    return project_approved(world, design=CASE_AND_EVENTS)


def test_budget_confirm_commits_and_notifies(world, project):
    commitment = budget_confirm(project=project, envelope=world.envelope, actor=world.finance, comment="同意")
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.BUDGET_CONFIRMED
    assert commitment.amount == project.budget_amount == D("300000.00")
    assert commitment.status == BudgetCommitment.Status.COMMITTED
    assert AuditEntry.objects.filter(action="budget.confirm", target_id=str(project.pk)).exists()
    assert Notification.objects.filter(recipient=world.purchaser, title__contains=project.code).exists()


def test_budget_confirm_insufficient_envelope(world):
    first = project_approved(world, design=CASE_AND_EVENTS, budget=D("800000.00"))
    budget_confirm(project=first, envelope=world.envelope, actor=world.finance)
    second = project_approved(world, design=CASE_AND_EVENTS, budget=D("300000.00"))
    with pytest.raises(ServiceError, match="额度不足"):
        budget_confirm(project=second, envelope=world.envelope, actor=world.finance)
    second.refresh_from_db()
    assert second.status == ServiceProject.Status.APPROVED
    assert not BudgetCommitment.objects.filter(project=second).exists()


def test_budget_confirm_year_and_source_must_match(world, project):
    other_year = BudgetEnvelope.objects.create(fiscal_year=2027, funding_source="fiscal", division=huainan(),
                                               finance_bureau=world.finance_org, name="2027", amount=D("1e6"))
    with pytest.raises(ServiceError, match="年度"):
        budget_confirm(project=project, envelope=other_year, actor=world.finance)
    lottery = BudgetEnvelope.objects.create(fiscal_year=2026, funding_source="lottery", division=huainan(),
                                            finance_bureau=world.finance_org, name="福彩", amount=D("1e6"))
    with pytest.raises(ServiceError, match="资金来源"):
        budget_confirm(project=project, envelope=lottery, actor=world.finance)


def test_budget_confirm_envelope_must_cover_purchaser_division(world, project):
    from accounts.models import Division
    other_district = Division.objects.get(code="340402")  # 大通区, not an ancestor of 田家庵区
    envelope = BudgetEnvelope.objects.create(fiscal_year=2026, funding_source="fiscal", division=other_district,
                                             finance_bureau=world.finance_org, name="大通", amount=D("1e6"))
    with pytest.raises(PermissionDenied):
        budget_confirm(project=project, envelope=envelope, actor=world.finance)


def test_budget_confirm_denied_roles(world, project):
    other_finance = user_with_role(Role.FINANCE, OrganizationFactory(kind=Organization.Kind.FINANCE))
    for actor in (world.purchaser, world.community, world.supplier_staff[0], other_finance):
        with pytest.raises(PermissionDenied):
            budget_confirm(project=project, envelope=world.envelope, actor=actor)
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.APPROVED
    assert not BudgetCommitment.objects.exists()


def test_budget_confirm_state(world, project):
    budget_confirm(project=project, envelope=world.envelope, actor=world.finance)
    with pytest.raises(ServiceError):
        budget_confirm(project=project, envelope=world.envelope, actor=world.finance)


def test_budget_reject(world, project):
    budget_reject(project=project, actor=world.finance, reason="预算测算依据不足")
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.RETURNED
    assert project.return_reason == "预算测算依据不足"
    assert AuditEntry.objects.filter(action="budget.reject").exists()
    assert Notification.objects.filter(recipient=world.community, title__contains=project.code).exists()


def test_budget_reject_needs_reason_and_role(world, project):
    with pytest.raises(ServiceError):
        budget_reject(project=project, actor=world.finance, reason=" ")
    other_district_finance = user_with_role(
        Role.FINANCE, OrganizationFactory(kind=Organization.Kind.FINANCE,
                                          division=__import__("accounts.models").models.Division.objects.get(
                                              code="340402")))
    for actor in (world.purchaser, other_district_finance):
        with pytest.raises(PermissionDenied):
            budget_reject(project=project, actor=actor, reason="x")
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.APPROVED
