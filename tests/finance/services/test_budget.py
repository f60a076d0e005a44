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


# --- envelope_adjust: the only way an envelope's amount changes (内部控制, 预算调整) ---------------


def test_envelope_adjust_by_finance_with_reason_is_audited_internal_control(world):
    original = world.envelope.amount
    from finance.services.budget import envelope_adjust

    envelope = envelope_adjust(envelope=world.envelope, actor=world.finance, amount=D("12000000.00"),
                               reason="区人大批准预算调整")
    envelope.refresh_from_db()
    assert envelope.amount == D("12000000.00")
    audit = AuditEntry.objects.get(action="envelope.adjust")
    assert audit.actor == world.finance and audit.target_id == str(envelope.pk)
    assert audit.before == {"amount": str(original)}
    assert audit.after["amount"] == "12000000.00" and audit.after["reason"] == "区人大批准预算调整"


def test_envelope_adjust_refuses_below_committed_internal_control(world, project):
    """The envelope may shrink to exactly what is committed, never below it."""
    original = world.envelope.amount
    from finance.services.budget import envelope_adjust

    budget_confirm(project=project, envelope=world.envelope, actor=world.finance)  # 300,000 committed
    with pytest.raises(ServiceError, match="不能低于已占用金额") as refused:
        envelope_adjust(envelope=world.envelope, actor=world.finance, amount=D("299999.99"),
                        reason="压减预算")
    assert refused.value.code == "below_committed"
    world.envelope.refresh_from_db()
    assert world.envelope.amount == original
    assert not AuditEntry.objects.filter(action="envelope.adjust").exists()
    envelope_adjust(envelope=world.envelope, actor=world.finance, amount=D("300000.00"), reason="压减预算")
    world.envelope.refresh_from_db()
    assert world.envelope.amount == D("300000.00")
    assert AuditEntry.objects.filter(action="envelope.adjust").count() == 1


@pytest.mark.parametrize("amount, reason, code", [
    (D("9000000.00"), "", "reason"), (D("9000000.00"), "   ", "reason"),
    (D("-1.00"), "调整", "amount"), ("abc", "调整", "amount"),
])
def test_envelope_adjust_bad_input_changes_nothing(world, amount, reason, code):
    original = world.envelope.amount
    from finance.services.budget import envelope_adjust

    with pytest.raises(ServiceError) as refused:
        envelope_adjust(envelope=world.envelope, actor=world.finance, amount=amount, reason=reason)
    assert refused.value.code == code
    world.envelope.refresh_from_db()
    assert world.envelope.amount == original
    assert not AuditEntry.objects.filter(action="envelope.adjust").exists()


def test_envelope_adjust_denied_outside_the_envelopes_bureau(world):
    original = world.envelope.amount
    from finance.services.budget import envelope_adjust

    other_finance = user_with_role(Role.FINANCE, OrganizationFactory(kind=Organization.Kind.FINANCE))
    for actor in (world.purchaser, world.community, world.supplier_staff[0], other_finance,
                  world.outsiders["finance"], world.admin):
        with pytest.raises(PermissionDenied):
            envelope_adjust(envelope=world.envelope, actor=actor, amount=D("1.00"), reason="调整")
    world.envelope.refresh_from_db()
    assert world.envelope.amount == original
    assert not AuditEntry.objects.filter(action="envelope.adjust").exists()


def test_admin_cannot_edit_an_envelopes_amount_internal_control(world, client):
    """The admin change form shows the amount read-only; a posted amount is ignored."""
    original = world.envelope.amount
    from django.contrib import admin

    from finance.admin import BudgetEnvelopeAdmin

    model_admin = BudgetEnvelopeAdmin(BudgetEnvelope, admin.site)
    assert "amount" in model_admin.get_readonly_fields(None, world.envelope)
    assert "amount" not in model_admin.get_readonly_fields(None, None)  # set when created
    client.force_login(world.superuser)
    from django.urls import reverse

    url = reverse("admin:finance_budgetenvelope_change", args=[world.envelope.pk])
    envelope = world.envelope
    response = client.post(url, {
        "fiscal_year": envelope.fiscal_year, "funding_source": envelope.funding_source,
        "division": envelope.division_id, "finance_bureau": envelope.finance_bureau_id,
        "name": envelope.name, "amount": "1.00",
    })
    assert response.status_code in (200, 302)
    envelope.refresh_from_db()
    assert envelope.amount == original
