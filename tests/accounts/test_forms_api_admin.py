"""Every write path for organizations validates credit codes the same way."""

import pytest
from django.urls import reverse

from accounts.forms import OrganizationForm
from accounts.models import Organization
from accounts.roles import Role
from core.models import AuditEntry
from tests.factories import (
    DEFAULT_PASSWORD,
    OrganizationFactory,
    UserFactory,
    make_bad_credit_code,
    make_credit_code,
    tianjiaan,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def form_data(**kw):
    return {
        "name": "淮南市寿县邻里互助会", "kind": "social_org", "division": tianjiaan().pk,
        "credit_code": make_credit_code(), "credit_code_override_reason": "",
        "legal_representative": "", "contact_person": "", "contact_phone": "", "rating": "",
        "is_active": "on", **kw,
    }


def overrides():
    return AuditEntry.objects.filter(action="organization.credit_code_override")


# --- ModelForm ---------------------------------------------------------------------------


def test_form_accepts_valid_code_and_saves_through_service():
    admin = UserFactory(superuser=True)
    form = OrganizationForm(data=form_data(), actor=admin)
    assert form.is_valid(), form.errors
    org = form.save()
    assert AuditEntry.objects.filter(action="organization.create", target_id=str(org.pk)).exists()


def test_form_rejects_bad_code_without_reason():
    form = OrganizationForm(data=form_data(credit_code=make_bad_credit_code()),
                            actor=UserFactory(superuser=True))
    assert not form.is_valid()
    assert "校验位错误" in " ".join(form.errors["credit_code"])


def test_form_override_requires_platform_admin():
    data = form_data(credit_code=make_bad_credit_code(), credit_code_override_reason="原件核实")
    form = OrganizationForm(data=data, actor=user_with_role(Role.PURCHASER))
    assert not form.is_valid()
    assert "平台管理员" in " ".join(form.errors["credit_code_override_reason"])
    form = OrganizationForm(data=data, actor=user_with_role(Role.ADMIN))
    assert form.is_valid(), form.errors
    form.save()
    assert overrides().count() == 1


def test_form_english_message_when_language_active():
    from django.utils import translation

    with translation.override("en"):
        form = OrganizationForm(data=form_data(credit_code="123"), actor=None)
        assert not form.is_valid()
        assert form.errors["credit_code"] == [
            "A unified social credit code has 18 characters; this one has 3."
        ]


# --- API ---------------------------------------------------------------------------------

API = "/api/organizations/"


def test_api_url_name():
    assert reverse("accounts:api-organizations") == API


def test_api_requires_platform_admin(client):
    assert client.get(API).status_code == 403
    client.force_login(user_with_role(Role.PURCHASER))
    assert client.get(API).status_code == 403
    assert client.post(API, form_data(), content_type="application/json").status_code == 403


def test_api_lists_for_admin(client, django_assert_max_num_queries):
    OrganizationFactory.create_batch(3)
    client.force_login(user_with_role(Role.ADMIN))
    with django_assert_max_num_queries(8):
        response = client.get(API)
    assert response.status_code == 200
    assert response.json()["count"] >= 3


def test_api_create_valid_and_invalid(client):
    client.force_login(UserFactory(superuser=True))
    data = form_data(credit_code=make_credit_code().lower())
    del data["is_active"]
    response = client.post(API, data, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["credit_code"] == data["credit_code"].upper()

    bad = form_data(name="另一个机构", credit_code=make_bad_credit_code())
    del bad["is_active"]
    response = client.post(API, bad, content_type="application/json")
    assert response.status_code == 400
    assert "校验位错误" in " ".join(response.json()["credit_code"])
    assert not overrides().exists()


def test_api_override_by_admin_is_audited(client):
    admin = user_with_role(Role.ADMIN)
    client.force_login(admin)
    data = form_data(credit_code=make_bad_credit_code(), credit_code_override_reason="登记证书核实")
    del data["is_active"]
    response = client.post(API, data, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert overrides().get().actor == admin


def test_api_english_message_for_english_admin(client):
    client.force_login(user_with_role(Role.ADMIN, language="en"))
    data = form_data(credit_code="9135052155323005XI")
    del data["is_active"]
    response = client.post(API, data, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["credit_code"] == [
        "The unified social credit code contains the invalid character “I” "
        "(I, O, S, V and Z are not used)."
    ]


# --- admin -------------------------------------------------------------------------------


def admin_post_org(client, **kw):
    return client.post(reverse("admin:accounts_organization_add"), form_data(**kw))


def test_admin_requires_staff(client):
    user = UserFactory()
    client.login(username=user.username, password=DEFAULT_PASSWORD)
    response = client.get(reverse("admin:accounts_organization_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_role_group_can_use_admin_but_plain_staff_cannot(client):
    client.force_login(UserFactory(staff=True))
    assert client.get(reverse("admin:accounts_organization_changelist")).status_code == 403
    client.force_login(user_with_role(Role.ADMIN))
    for name in ["organization", "division", "membership", "user", "expertprofile",
                 "socialworkerprofile"]:
        assert client.get(reverse(f"admin:accounts_{name}_changelist")).status_code == 200, name
    assert client.get(reverse("admin:accounts_organization_add")).status_code == 200


def test_admin_rejects_bad_code_and_accepts_override(client):
    admin = user_with_role(Role.ADMIN)
    client.force_login(admin)
    bad = make_bad_credit_code()
    response = admin_post_org(client, credit_code=bad)
    assert response.status_code == 200
    assert "校验位错误" in response.content.decode()
    assert not Organization.objects.filter(credit_code=bad).exists()

    response = admin_post_org(client, credit_code=bad, credit_code_override_reason="原件核实")
    assert response.status_code == 302
    org = Organization.objects.get(credit_code=bad)
    entry = overrides().get()
    assert (entry.actor, entry.target_id) == (admin, str(org.pk))


def test_admin_english_message_for_english_user(client):
    client.force_login(user_with_role(Role.ADMIN, language="en"))
    response = admin_post_org(client, credit_code="12345")
    assert response.status_code == 200
    assert "A unified social credit code has 18 characters; this one has 5." in (
        response.content.decode()
    )


def test_admin_recusal_inline_validates_credit_code(client):
    from tests.factories import ExpertProfileFactory

    expert = ExpertProfileFactory()
    client.force_login(UserFactory(superuser=True))
    url = reverse("admin:accounts_expertprofile_change", args=[expert.pk])
    data = {
        "user": expert.user.pk, "specialties": expert.specialties, "is_active": "on",
        "recusals-TOTAL_FORMS": "1", "recusals-INITIAL_FORMS": "0",
        "recusals-MIN_NUM_FORMS": "0", "recusals-MAX_NUM_FORMS": "1000",
        "recusals-0-credit_code": make_bad_credit_code(), "recusals-0-unit_name": "某机构",
        "recusals-0-reason": "",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "校验位错误" in response.content.decode()
    good = make_credit_code()
    data["recusals-0-credit_code"] = good.lower()
    assert client.post(url, data).status_code == 302
    assert list(expert.recusals.values_list("credit_code", flat=True)) == [good]
