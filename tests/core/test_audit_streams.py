"""The audit log as STREAMS chains appended side by side (core.audit, issue 11 item 2): each
stream proves itself as the single chain did — an edited, deleted or inserted row, a removed
tail, a stream truncated with its head reset or re-hashed after the anchor are all caught — and
on PostgreSQL two open transactions append without waiting for each other."""

import itertools
import os
import threading

import pytest
from django.db import connection, transaction

from core import audit
from core.audit import audit_anchor, audit_record, entry_hash, verify_chain
from core.models import AuditChainHead, AuditEntry

pytestmark = pytest.mark.django_db


def _raw(sql, params=()):
    """The attacker's SQL (as in test_audit_anchor): on PostgreSQL with the append-only triggers
    off, inside the test's transaction."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql" and not getattr(connection, "_audit_unguarded", False):
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")
            connection._audit_unguarded = True
        cur.execute(sql, params)


@pytest.fixture(autouse=True)
def _guard_back():
    yield
    connection._audit_unguarded = False


@pytest.fixture
def streams(make_user, monkeypatch):
    """Twelve rows spread over streams 1, 2 and 3 in turn (as concurrent writers would spread
    them; one test connection alone always gets stream 1): {stream: [rows in order]}."""
    turn = itertools.cycle((1, 2, 3))

    def head_in_turn():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=next(turn))
        return head

    monkeypatch.setattr(audit, "_head_for_append", head_in_turn)
    actor = make_user("stream-auditor")
    rows = [audit_record(actor=actor, action=f"stream.step{i}", target=actor, after={"i": i})
            for i in range(12)]
    monkeypatch.undo()
    return {s: [r for r in rows if r.stream == s] for s in (1, 2, 3)}


def test_each_row_chains_to_the_previous_row_of_its_stream(streams):
    for rows in streams.values():
        assert len(rows) == 4
        assert rows[0].prev_hash == audit.GENESIS_HASH
        assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
        assert AuditChainHead.objects.get(pk=rows[0].stream).last_hash == rows[-1].hash
    assert verify_chain() == (True, None, "ok")


def test_an_edited_row_of_a_stream_is_caught(streams):
    row = streams[2][1]
    _raw("UPDATE core_auditentry SET action = 'stream.forged' WHERE id = %s", [row.pk])
    assert verify_chain()[:2] == (False, row.pk)


def test_a_deleted_row_inside_a_stream_is_caught(streams):
    gone, after = streams[2][1], streams[2][2]
    _raw("DELETE FROM core_auditentry WHERE id = %s", [gone.pk])
    ok, bad, reason = verify_chain()
    assert (ok, bad) == (False, after.pk) and "previous hash" in reason


def test_a_row_inserted_into_a_stream_is_caught(streams):
    forged = AuditEntry(action="stream.inserted", actor_repr="system", before=None, after=None,
                        created_at=streams[3][0].created_at, prev_hash=streams[3][0].hash,
                        scheme=audit.KEYED, stream=3)
    forged.hash = "f" * 64  # without the key, no true hash
    forged.save()
    ok, bad, _reason = verify_chain()
    assert not ok and bad in (forged.pk, streams[3][1].pk)


def test_a_removed_tail_of_one_stream_is_caught_by_its_head(streams):
    last = streams[3][-1]
    _raw("DELETE FROM core_auditentry WHERE id = %s", [last.pk])
    ok, _bad, reason = verify_chain()
    assert not ok and "chain head" in reason


def test_the_anchor_records_every_stream_and_catches_a_stream_truncated_with_its_head_reset(streams):
    anchor = audit_anchor()
    assert {int(k): v["last_id"] for k, v in anchor["streams"].items()} == {
        s: rows[-1].pk for s, rows in streams.items()}
    assert all(v["count"] == 4 for v in anchor["streams"].values())
    assert anchor["count"] == 12 and anchor["last_id"] == max(r[-1].pk for r in streams.values())
    assert verify_chain() == (True, None, "ok")
    # Stream 2 cut after its second row, its head reset to match: the chain alone is fine...
    for row in streams[2][2:]:
        _raw("DELETE FROM core_auditentry WHERE id = %s", [row.pk])
    _raw("UPDATE core_auditchainhead SET last_hash = %s WHERE id = 2", [streams[2][1].hash])
    assert verify_chain(anchor={}) == (True, None, "ok")
    # ...the anchor is not.
    ok, _bad, reason = verify_chain()
    assert not ok and "missing" in reason


def test_a_stream_rehashed_after_an_edit_differs_from_the_anchor(streams):
    audit_anchor()
    rows = streams[1]
    prev = rows[0].prev_hash
    for index, entry in enumerate(rows):
        if index == 0:
            entry.action = "stream.rewritten"
        entry.prev_hash = prev
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(audit, "_key", lambda: b"the key the attacker guessed")
            new = entry_hash(entry)
        _raw("UPDATE core_auditentry SET action = %s, prev_hash = %s, hash = %s WHERE id = %s",
             [entry.action, prev, new, entry.pk])
        prev = new
    _raw("UPDATE core_auditchainhead SET last_hash = %s WHERE id = 1", [prev])
    ok, bad, _reason = verify_chain()
    assert not ok and bad == rows[0].pk  # the wrong key: the first rewritten row is caught


def test_an_anchor_from_before_streams_is_stream_1s(streams):
    legacy = {"at": "2026-11-01T00:00:00+08:00", "last_id": streams[1][-1].pk,
              "last_hash": streams[1][-1].hash, "count": 4}
    assert verify_chain(anchor=legacy) == (True, None, "ok")
    wrong = {**legacy, "count": 12}  # what the single chain counted: every row up to it
    assert verify_chain(anchor=wrong)[0] is False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_open_transactions_append_to_two_streams_without_waiting(make_user):
    if connection.vendor != "postgresql":
        if os.environ.get("CI") and os.environ.get("DATABASE_URL", "").startswith("postgres"):
            pytest.fail("the suite runs on PostgreSQL but the connection is not PostgreSQL")
        pytest.skip("needs PostgreSQL (DATABASE_URL); runs in CI's PostgreSQL pass")
    actor = make_user("stream-writer")
    held, release, seen = threading.Event(), threading.Event(), {}

    def writer():
        try:
            with transaction.atomic():
                seen["held"] = audit_record(actor=actor, action="stream.held", target=actor)
                held.set()
                release.wait(30)
        finally:
            held.set()
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert held.wait(30) and "held" in seen
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            mine = audit_record(actor=actor, action="stream.beside", target=actor)
    finally:
        release.set()
        thread.join()
    assert mine.stream != seen["held"].stream
    assert verify_chain() == (True, None, "ok")
