import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Organization
from accounts.roles import Role
from accounts.services.organizations import organization_save
from core.models import AuditEntry
from tests.factories import (
    OrganizationFactory,
    UserFactory,
    make_bad_credit_code,
    make_credit_code,
    tianjiaan,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def new_org(**kw):
    defaults = {
        "name": "淮南市田家庵区阳光社工服务中心", "kind": Organization.Kind.SOCIAL_ORG,
        "division": tianjiaan(),
    }
    return Organization(**{**defaults, **kw})


@pytest.fixture
def superuser():
    return UserFactory(superuser=True)


@pytest.fixture
def role_admin():
    return user_with_role(Role.ADMIN)


def test_valid_code_saved_normalized_and_audited(superuser):
    code = make_credit_code()
    org = organization_save(organization=new_org(credit_code=f" {code.lower()} "), actor=superuser)
    org.refresh_from_db()
    assert org.credit_code == code
    entry = AuditEntry.objects.get(action="organization.create", target_id=str(org.pk))
    assert entry.actor == superuser
    assert entry.after["credit_code"] == code
    assert not AuditEntry.objects.filter(action="organization.credit_code_override").exists()


def test_failing_code_without_reason_rejected_even_for_admin(superuser):
    with pytest.raises(ValidationError) as exc:
        organization_save(organization=new_org(credit_code=make_bad_credit_code()), actor=superuser)
    assert "credit_code" in exc.value.message_dict
    assert any("例外理由" in m for m in exc.value.message_dict["credit_code"])
    assert not Organization.objects.filter(name__contains="阳光").exists()


@pytest.mark.parametrize("actor_fixture", ["superuser", "role_admin"])
def test_failing_code_with_reason_by_admin_is_accepted_and_audited(request, actor_fixture):
    actor = request.getfixturevalue(actor_fixture)
    bad = make_bad_credit_code()
    org = organization_save(
        organization=new_org(credit_code=bad, credit_code_override_reason="营业执照原件核对无误"),
        actor=actor,
    )
    entry = AuditEntry.objects.get(action="organization.credit_code_override")
    assert entry.actor == actor
    assert entry.target_id == str(org.pk)
    assert entry.after == {"credit_code": bad, "reason": "营业执照原件核对无误"}


def test_format_errors_cannot_be_overridden(superuser):
    with pytest.raises(ValidationError) as exc:
        organization_save(
            organization=new_org(credit_code="91340403ABC", credit_code_override_reason="x"),
            actor=superuser,
        )
    assert "18位" in " ".join(exc.value.message_dict["credit_code"])


def test_member_cannot_override_and_no_audit_row():
    manager = user_with_role(Role.SOCIAL_ORG)
    org = Organization.objects.get(memberships__user=manager)
    org.credit_code = make_bad_credit_code()
    org.credit_code_override_reason = "真实代码"
    with pytest.raises(ValidationError) as exc:
        organization_save(organization=org, actor=manager)
    assert "credit_code_override_reason" in exc.value.message_dict
    assert not AuditEntry.objects.filter(action="organization.credit_code_override").exists()


def test_member_can_edit_own_org_but_not_others():
    manager = user_with_role(Role.SOCIAL_ORG)
    org = Organization.objects.get(memberships__user=manager)
    org.contact_phone = "0554-7654321"
    organization_save(organization=org, actor=manager)
    other = OrganizationFactory()
    other.contact_phone = "1"
    with pytest.raises(PermissionDenied):
        organization_save(organization=other, actor=manager)
    with pytest.raises(PermissionDenied):
        organization_save(organization=new_org(credit_code=make_credit_code()), actor=manager)


def test_existing_override_survives_edits_by_member_without_new_audit(superuser):
    org = organization_save(
        organization=new_org(credit_code=make_bad_credit_code(), credit_code_override_reason="核实"),
        actor=superuser,
    )
    manager = user_with_role(Role.SOCIAL_ORG, organization=org)
    org = Organization.objects.get(pk=org.pk)
    org.contact_person = "王五"
    organization_save(organization=org, actor=manager)
    assert AuditEntry.objects.filter(action="organization.credit_code_override").count() == 1
    # Changing the reason is a new override and needs an admin again.
    org.credit_code_override_reason = "另一理由"
    with pytest.raises(ValidationError):
        organization_save(organization=org, actor=manager)


def test_update_audit_has_before_and_after(superuser):
    org = OrganizationFactory()
    org.contact_person = "李四"
    organization_save(organization=org, actor=superuser)
    entry = AuditEntry.objects.get(action="organization.update")
    assert entry.after["contact_person"] == "李四"
    assert entry.before["contact_person"] != "李四"


def test_duplicate_credit_code_rejected(superuser):
    existing = OrganizationFactory()
    with pytest.raises(ValidationError):
        organization_save(organization=new_org(credit_code=existing.credit_code), actor=superuser)
