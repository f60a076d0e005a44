"""The audit log proves itself (issue 11 item 5): rows keyed with an HMAC whose key is outside
the database, the head exported as an anchor, and verify_audit catching what the bare chain
cannot — a truncated tail with the head reset, a chain re-hashed from an edited row onward —
and, on PostgreSQL, a trigger refusing UPDATE, DELETE and TRUNCATE."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from core import audit
from core.audit import audit_anchor, audit_record, entry_hash, latest_anchor, verify_chain
from core.models import AuditChainHead, AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(make_user):
    actor = make_user("anchor-auditor")
    return [audit_record(actor=actor, action=f"anchor.step{i}", target=actor, after={"i": i})
            for i in range(5)]


def _raw(sql, params=()):
    """The attacker's SQL; on PostgreSQL, as the table's owner, with the append-only triggers
    switched off first (once per test: inside the test's transaction, rolled back after)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql" and not getattr(connection, "_audit_unguarded", False):
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks block ALTER
            cur.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")
            connection._audit_unguarded = True
        cur.execute(sql, params)


@pytest.fixture(autouse=True)
def _guard_back():
    yield
    connection._audit_unguarded = False


def _rehash_from(first_pk, *, key):
    """What an attacker with write access does after editing a row: recompute every later
    hash (with the key it believes in) and reset the head."""
    prev = AuditEntry.objects.filter(pk__lt=first_pk).order_by("-id").values_list(
        "hash", flat=True).first() or audit.GENESIS_HASH
    for entry in AuditEntry.objects.filter(pk__gte=first_pk).order_by("id"):
        entry.prev_hash = prev
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(audit, "_key", lambda: key)
            new = entry_hash(entry)
        _raw("UPDATE core_auditentry SET prev_hash = %s, hash = %s WHERE id = %s",
             [prev, new, entry.pk])
        prev = new
    _raw("UPDATE core_auditchainhead SET last_hash = %s WHERE id = 1", [prev])


def test_new_rows_are_keyed_and_the_key_matters(chain, settings):
    assert {e.scheme for e in AuditEntry.objects.all()} == {"hmac"}
    assert verify_chain(anchor={})[0]
    settings.AUDIT_HMAC_KEY = "another-key"
    ok, bad, reason = verify_chain(anchor={})
    assert not ok and bad == chain[0].pk and "altered" in reason


def test_an_edit_rehashed_without_the_key_is_caught(chain):
    _raw("UPDATE core_auditentry SET action = %s WHERE id = %s", ["tampered", chain[2].pk])
    _rehash_from(chain[2].pk, key=b"the attacker's guess")
    ok, bad, _reason = verify_chain(anchor={})
    assert not ok and bad == chain[2].pk


def test_an_edit_rehashed_with_the_key_is_caught_by_the_anchor(chain, settings, tmp_path):
    settings.AUDIT_ANCHOR_DIR = tmp_path / "anchors"
    anchor = audit_anchor()
    assert anchor["last_id"] == chain[-1].pk and anchor["count"] == 5
    assert json.loads((tmp_path / "anchors" / "anchors.jsonl").read_text().splitlines()[-1]) == anchor
    assert verify_chain()[0]
    _raw("UPDATE core_auditentry SET action = %s WHERE id = %s", ["tampered", chain[1].pk])
    _rehash_from(chain[1].pk, key=audit._key())  # even the key does not help
    assert verify_chain(anchor={})[0]  # the bare chain is consistent again …
    ok, bad, reason = verify_chain()  # … the anchor is not fooled
    assert not ok and bad == chain[-1].pk and "anchor" in reason
    with pytest.raises(CommandError, match="anchor"):
        call_command("verify_audit")


def test_a_truncated_tail_with_the_head_reset_is_caught_by_the_anchor(chain, settings, tmp_path):
    settings.AUDIT_ANCHOR_DIR = tmp_path / "anchors"
    audit_anchor()
    _raw("DELETE FROM core_auditentry WHERE id >= %s", [chain[3].pk])
    _raw("UPDATE core_auditchainhead SET last_hash = %s WHERE id = 1", [chain[2].hash])
    assert verify_chain(anchor={})[0]  # what the bare chain cannot see
    ok, _bad, reason = verify_chain()
    assert not ok and "truncated" in reason


def test_rows_after_the_anchor_are_fine_and_anchors_accumulate(chain, settings, tmp_path, make_user):
    settings.AUDIT_ANCHOR_DIR = tmp_path / "anchors"
    first = audit_anchor()
    audit_record(actor=make_user("later"), action="anchor.after")
    assert verify_chain()[0]
    second = audit_anchor()
    assert second["count"] == first["count"] + 1
    assert latest_anchor() == second
    assert len((tmp_path / "anchors" / "anchors.jsonl").read_text().splitlines()) == 2


def test_the_anchor_is_mailed_to_the_supervisors(chain, settings, tmp_path, mailoutbox):
    settings.AUDIT_ANCHOR_DIR = tmp_path / "anchors"
    settings.AUDIT_ANCHOR_EMAILS = ["audit@sj.example.gov.cn"]
    anchor = audit_anchor()
    [mail] = mailoutbox
    assert mail.to == ["audit@sj.example.gov.cn"] and anchor["last_hash"] in mail.body


def test_an_unkeyed_row_after_keyed_ones_is_refused(chain):
    last = AuditEntry.objects.get(pk=chain[-1].pk)
    last.scheme = "sha256"
    rehashed = entry_hash(last)
    _raw("UPDATE core_auditentry SET scheme = %s, hash = %s WHERE id = %s",
         ["sha256", rehashed, last.pk])
    _raw("UPDATE core_auditchainhead SET last_hash = %s WHERE id = 1", [rehashed])
    ok, bad, reason = verify_chain(anchor={})
    assert not ok and bad == last.pk and "unkeyed" in reason


def test_the_beat_exports_the_anchor_daily():
    from config.beat import BEAT_SCHEDULE

    assert BEAT_SCHEDULE["export-audit-anchor"]["task"] == "core.tasks.audit_anchor_export"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize("sql", [
    "UPDATE core_auditentry SET action = 'x'",
    "DELETE FROM core_auditentry",
    "TRUNCATE core_auditentry CASCADE",
])
def test_postgresql_refuses_changes_to_the_audit_table(chain, sql):
    with connection.cursor() as cur:
        cur.execute("SET LOCAL sanshe.audit_truncate = 'deny'")
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cur.execute(sql)
    assert AuditEntry.objects.count() == 5
    assert AuditChainHead.objects.get(pk=1).last_hash == chain[-1].hash
