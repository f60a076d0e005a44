import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from core.audit import audit_record, verify_chain
from core.models import AppendOnlyError, AuditEntry, Holiday

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(make_user):
    actor = make_user("auditor")
    return [audit_record(actor=actor, action=f"test.step{i}", target=actor, after={"i": i})
            for i in range(4)]


def tamper(sql, params):
    """Run the attacker's SQL on the audit table; on PostgreSQL, as the table's owner would,
    first switch off its append-only triggers (inside the test's transaction)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks block ALTER
            cur.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")
        cur.execute(sql, params)


def run_verify():
    from io import StringIO

    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


class TestAppendOnly:
    def test_save_on_existing_row_raises(self, chain):
        entry = AuditEntry.objects.get(pk=chain[0].pk)
        entry.action = "tampered"
        with pytest.raises(AppendOnlyError):
            entry.save()

    def test_queryset_update_raises(self, chain):
        with pytest.raises(AppendOnlyError):
            AuditEntry.objects.filter(pk=chain[0].pk).update(action="tampered")

    def test_queryset_delete_raises(self, chain):
        with pytest.raises(AppendOnlyError):
            AuditEntry.objects.all().delete()
        assert AuditEntry.objects.count() == 4

    def test_instance_delete_raises(self, chain):
        with pytest.raises(AppendOnlyError):
            chain[1].delete()


class TestVerifyAuditCommand:
    def test_intact_chain_prints_ok(self, chain):
        assert "OK" in run_verify()
        assert verify_chain()[0] is True

    def test_edited_row_is_named(self, chain):
        tamper("UPDATE core_auditentry SET action = %s WHERE id = %s", ["tampered", chain[2].pk])
        with pytest.raises(CommandError, match=rf"id={chain[2].pk}\b") as exc:
            run_verify()
        assert exc.value.returncode != 0

    def test_deleted_middle_row_names_the_row_after_it(self, chain):
        tamper("DELETE FROM core_auditentry WHERE id = %s", [chain[1].pk])
        with pytest.raises(CommandError, match=rf"id={chain[2].pk}\b"):
            run_verify()

    def test_deleted_last_row_is_detected(self, chain):
        tamper("DELETE FROM core_auditentry WHERE id = %s", [chain[3].pk])
        with pytest.raises(CommandError, match=rf"id={chain[2].pk}\b.*head"):
            run_verify()


class TestAuditAdmin:
    def test_superuser_lists_with_filters(self, client, superuser, chain):
        client.force_login(superuser)
        url = reverse("admin:core_auditentry_changelist")
        response = client.get(url, {"action": "test.step1"})
        assert response.status_code == 200
        assert list(response.context["cl"].queryset) == [chain[1]]

    def test_admin_role_may_view(self, client, make_user, chain):
        from accounts.services.memberships import membership_grant

        user = make_user("opsadmin", is_staff=True)
        membership_grant(user=user, organization=None, role="admin", actor=None)
        client.force_login(user)
        assert client.get(reverse("admin:core_auditentry_changelist")).status_code == 200

    def test_admin_group_alone_may_not_view(self, client, make_user, chain):
        user = make_user("grouponly", is_staff=True)
        user.groups.add(Group.objects.get_or_create(name="admin")[0])
        client.force_login(user)
        assert client.get(reverse("admin:core_auditentry_changelist")).status_code == 403

    def test_other_staff_may_not_view(self, client, make_user, chain):
        client.force_login(make_user("clerk", is_staff=True))
        assert client.get(reverse("admin:core_auditentry_changelist")).status_code == 403

    def test_no_add_change_or_delete(self, client, superuser, chain):
        client.force_login(superuser)
        assert client.get(reverse("admin:core_auditentry_add")).status_code == 403
        pk = chain[0].pk
        change_url = reverse("admin:core_auditentry_change", args=[pk])
        assert client.post(change_url, {"action": "tampered"}).status_code == 403
        assert client.post(reverse("admin:core_auditentry_delete", args=[pk]),
                           {"post": "yes"}).status_code == 403
        response = client.post(reverse("admin:core_auditentry_changelist"),
                               {"action": "delete_selected", "_selected_action": [pk],
                                "post": "yes"})
        assert response.status_code in (200, 302, 403)
        assert AuditEntry.objects.get(pk=pk).action == "test.step0"
        assert verify_chain()[0]


def test_client_address_from_request_is_recorded(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:core_holiday_add"),
        {"date": "2030-10-08", "name": "测试假日", "kind": "holiday"},
        REMOTE_ADDR="10.20.30.40",
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="holiday.add")
    assert entry.client_address == "10.20.30.40"
    assert entry.actor == superuser
    assert entry.target_id == str(Holiday.objects.get(date="2030-10-08").pk)
    assert verify_chain()[0]
