"""An organization's identity (name, credit code, legal representative) changes only through a
request approved by a platform admin other than the requester, audited (issue 7 item 8: 条例18
compares legal representatives at opening, so nobody may copy a rival's onto their own record)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.forms import OrganizationForm
from accounts.models import Organization, OrganizationIdentityChange
from accounts.roles import Role
from accounts.services.organizations import (
    organization_identity_change_approve,
    organization_identity_change_reject,
    organization_identity_change_request,
    organization_save,
)
from core.exceptions import PermissionDenied, ServiceError
from core.models import AuditEntry, Notification
from tests.factories import (
    OrganizationFactory,
    UserFactory,
    make_bad_credit_code,
    make_credit_code,
    user_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganizationFactory(legal_representative="陈明")


@pytest.fixture
def manager(org):
    return user_with_role(Role.SOCIAL_ORG, organization=org)


@pytest.fixture
def admin():
    return user_with_role(Role.ADMIN)


def _request(org, actor, **changes):
    values = {"name": org.name, "credit_code": org.credit_code,
              "legal_representative": org.legal_representative, "reason": "民政部门核准变更登记"}
    return organization_identity_change_request(organization=org, actor=actor,
                                                **{**values, **changes})


@pytest.mark.parametrize(("field", "value"), [
    ("legal_representative", "张伟"), ("name", "另一个名称社工服务中心"), ("credit_code", None),
])
@pytest.mark.parametrize("who", ["manager", "admin", "superuser"])
def test_identity_fields_cannot_be_edited_directly_law_18(request, org, field, value, who):
    actor = (UserFactory(superuser=True) if who == "superuser"
             else request.getfixturevalue(who))
    stored = Organization.objects.get(pk=org.pk)
    setattr(stored, field, value or make_credit_code())
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        organization_save(organization=stored, actor=actor)
    assert "身份信息变更申请" in " ".join(error.value.message_dict[field])
    assert Organization.objects.get(pk=org.pk).legal_representative == "陈明"
    assert AuditEntry.objects.count() == before


def test_other_fields_still_edited_by_the_organization(org, manager):
    stored = Organization.objects.get(pk=org.pk)
    stored.contact_phone = "0554-7654321"
    organization_save(organization=stored, actor=manager)
    assert Organization.objects.get(pk=org.pk).contact_phone == "0554-7654321"


def test_own_edit_form_no_longer_writes_identity_fields_law_18(org, admin):
    data = {"name": "改名", "kind": org.kind, "division": org.division_id,
            "credit_code": org.credit_code, "credit_code_override_reason": "",
            "legal_representative": "张伟", "contact_person": "新联系人", "contact_phone": "1",
            "rating": "", "is_active": "on"}
    form = OrganizationForm(data=data, instance=Organization.objects.get(pk=org.pk), actor=admin)
    assert form.fields["legal_representative"].disabled and form.fields["name"].disabled
    assert form.is_valid(), form.errors
    form.save()
    org.refresh_from_db()
    assert (org.name, org.legal_representative, org.contact_person) == (
        org.name, "陈明", "新联系人")


def test_request_then_approval_by_another_admin_changes_identity_audited_law_18(org, manager,
                                                                                 admin):
    change = _request(org, manager, legal_representative=" 李  娜 ")
    assert change.status == OrganizationIdentityChange.Status.PENDING
    assert change.legal_representative == "李 娜"
    assert Organization.objects.get(pk=org.pk).legal_representative == "陈明"  # nothing yet
    assert Notification.objects.filter(recipient=admin, title__contains="待审核").exists()
    entry = AuditEntry.objects.get(action="organization.identity_change_request")
    assert entry.actor == manager and entry.before["legal_representative"] == "陈明"
    organization_identity_change_approve(change=change, actor=admin, note="核对登记证书")
    org.refresh_from_db()
    assert org.legal_representative == "李 娜"
    change.refresh_from_db()
    assert change.status == OrganizationIdentityChange.Status.APPROVED
    assert change.reviewed_by == admin
    entry = AuditEntry.objects.get(action="organization.identity_change")
    assert entry.actor == admin
    assert (entry.before["legal_representative"], entry.after["legal_representative"]) == (
        "陈明", "李 娜")
    assert Notification.objects.filter(recipient=manager, title__contains="已批准").exists()
    with pytest.raises(ServiceError, match="已审核"):
        organization_identity_change_reject(change=change, actor=admin, note="x")


def test_requester_never_reviews_own_request_even_as_admin_law_18(org, admin):
    change = _request(org, admin, legal_representative="李娜")
    with pytest.raises(PermissionDenied):
        organization_identity_change_approve(change=change, actor=admin)
    assert Organization.objects.get(pk=org.pk).legal_representative == "陈明"
    organization_identity_change_approve(change=change, actor=user_with_role(Role.ADMIN))
    assert Organization.objects.get(pk=org.pk).legal_representative == "李娜"


@pytest.mark.parametrize("who", ["manager", "rival", "purchaser"])
def test_only_platform_admins_review_law_18(org, manager, who):
    change = _request(org, manager, legal_representative="李娜")
    actor = {"manager": manager, "rival": user_with_role(Role.SOCIAL_ORG),
             "purchaser": user_with_role(Role.PURCHASER)}[who]
    with pytest.raises(PermissionDenied):
        organization_identity_change_approve(change=change, actor=actor)
    with pytest.raises(PermissionDenied):
        organization_identity_change_reject(change=change, actor=actor, note="x")
    assert Organization.objects.get(pk=org.pk).legal_representative == "陈明"


def test_a_rival_cannot_request_for_another_organization(org):
    rival = user_with_role(Role.SOCIAL_ORG)
    with pytest.raises(PermissionDenied):
        _request(org, rival, legal_representative="李娜")
    assert not OrganizationIdentityChange.objects.exists()


def test_rejection_needs_a_reason_and_changes_nothing(org, manager, admin):
    change = _request(org, manager, legal_representative="李娜")
    with pytest.raises(ServiceError, match="驳回理由"):
        organization_identity_change_reject(change=change, actor=admin, note=" ")
    organization_identity_change_reject(change=change, actor=admin, note="未见变更登记材料")
    change.refresh_from_db()
    assert change.status == OrganizationIdentityChange.Status.REJECTED
    assert Organization.objects.get(pk=org.pk).legal_representative == "陈明"
    assert AuditEntry.objects.filter(action="organization.identity_change_reject").exists()


@pytest.mark.parametrize(("changes", "word"), [
    ({}, "相同"),
    ({"legal_representative": "李娜", "reason": " "}, "变更原因"),
    ({"credit_code": "91340403ABC"}, "18位"),
    ({"credit_code": "bad"}, "18位"),
])
def test_bad_requests_refused_and_nothing_stored(org, manager, changes, word):
    with pytest.raises(ServiceError) as error:
        _request(org, manager, **changes)
    assert word in " ".join(error.value.messages)
    assert not OrganizationIdentityChange.objects.exists()


def test_one_pending_request_at_a_time_and_duplicate_credit_code_refused(org, manager, admin):
    other = OrganizationFactory()
    with pytest.raises(ServiceError):
        _request(org, manager, credit_code=other.credit_code)
    _request(org, manager, legal_representative="李娜")
    with pytest.raises(ServiceError, match="待审核"):
        _request(org, manager, legal_representative="王芳")


def test_failing_credit_code_needs_a_reason_and_is_an_audited_override(org, manager, admin):
    bad = make_bad_credit_code()
    with pytest.raises(ServiceError, match="例外理由"):
        _request(org, manager, credit_code=bad)
    change = _request(org, manager, credit_code=bad, credit_code_override_reason="营业执照核对")
    organization_identity_change_approve(change=change, actor=admin)
    assert Organization.objects.get(pk=org.pk).credit_code == bad
    entry = AuditEntry.objects.get(action="organization.credit_code_override")
    assert entry.after == {"credit_code": bad, "reason": "营业执照核对"}


def test_stale_request_refused(org, manager, admin):
    change = _request(org, manager, legal_representative="李娜")
    Organization.objects.filter(pk=org.pk).update(legal_representative="别人")
    with pytest.raises(ServiceError, match="已发生变化"):
        organization_identity_change_approve(change=change, actor=admin)


def test_pages_request_and_review(client, org, manager, admin):
    client.force_login(manager)
    url = reverse("accounts:identity-change-request", args=[org.pk])
    assert org.name in client.get(url).content.decode()
    response = client.post(url, {"name": org.name, "credit_code": org.credit_code,
                                 "legal_representative": "李娜", "reason": " "})
    assert response.status_code == 200 and not OrganizationIdentityChange.objects.exists()
    response = client.post(url, {"name": org.name, "credit_code": org.credit_code,
                                 "legal_representative": "李娜", "reason": "变更登记"})
    assert response.status_code == 302
    change = OrganizationIdentityChange.objects.get()
    review = reverse("accounts:identity-change-review", args=[change.pk])
    assert client.get(review).status_code == 404  # the requester never reviews
    assert client.get(reverse("accounts:identity-change-request",
                              args=[OrganizationFactory().pk])).status_code == 404
    client.force_login(admin)
    assert "李娜" in client.get(reverse("accounts:identity-change-list")).content.decode()
    response = client.post(review, {"decision": "reject", "note": ""})
    assert "驳回理由" in response.content.decode()
    response = client.post(review, {"decision": "approve", "note": "核对无误"})
    assert response.status_code == 302
    assert Organization.objects.get(pk=org.pk).legal_representative == "李娜"
