"""The append-only, hash-chained audit log, and the anchors that let it prove itself.

Each row carries the hash of the one before it. Since the ``hmac`` scheme a row's hash is an
HMAC-SHA256 keyed with ``settings.AUDIT_HMAC_KEY`` (a secret kept outside the database; in
development derived from SECRET_KEY), so whoever can write the table but not read the key
cannot forge a row or re-hash the chain after editing one. An anchor exports the chain heads
(for each stream: last id, its hash, the row count) to files the database cannot rewrite and by
e-mail (``audit_anchor``, daily); ``verify_chain`` checks the rows against the latest anchor
too, which catches a truncated tail with the head reset and a chain re-hashed from an edited row
onward.

Streams (issue 11 item 2). One chain with one head row made every audited transaction of the
platform wait for the one before it to commit: the head stays locked until the writer's
transaction ends, and a bid's transaction holds it through its files, receipt and commit. The
log is therefore ``STREAMS`` chains, each with its own head row (AuditChainHead pk = stream
number) and each row recording its ``stream``; ``prev_hash`` is the hash of the previous row *of
the same stream*. A writer takes the lowest-numbered head no other transaction holds (``FOR
UPDATE SKIP LOCKED``; a head it already holds counts as free, so its rows stay together), and
waits for one only when all are taken, holding none then, so heads never deadlock each other.
Concurrent transactions thus append side by side, one per head; within a stream the head's lock
orders the rows, so a stream's rows in id order are its chain. Every check of the single chain
holds per stream: an edited, deleted or inserted row breaks its stream's links or hash, a
removed tail leaves its stream's head pointing past the last row, and the anchor records every
stream's head (id, hash, count), so a stream truncated with its head reset, or re-hashed, no
longer matches it. An anchor written before streams (one head) is stream 1's.
"""

import hashlib
import hmac
import json
import logging
import os
import random
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from core.middleware import get_client_address
from core.models import AuditChainHead, AuditEntry

GENESIS_HASH = "0" * 64
KEYED = "hmac"
LEGACY = "sha256"
ANCHOR_FILE = "anchors.jsonl"
# Chains appended side by side (heads made by core/migrations/0007, or on first use): as many
# as audited transactions are expected to run at once (gunicorn and celery worker processes).
STREAMS = 16

logger = logging.getLogger(__name__)


def _key() -> bytes:
    """Return the chain's HMAC key: AUDIT_HMAC_KEY, or one derived from SECRET_KEY in development."""
    configured = getattr(settings, "AUDIT_HMAC_KEY", "")
    if configured:
        return configured.encode()
    return hashlib.sha256(b"sanshe-audit-chain:" + settings.SECRET_KEY.encode()).digest()


def _canonical(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))


def entry_hash(entry: AuditEntry) -> str:
    """Return the SHA-256 over an entry's content and the previous row's hash."""
    payload = {
        "prev": entry.prev_hash,
        "actor": entry.actor_id,
        "actor_repr": entry.actor_repr,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "target_repr": entry.target_repr,
        "before": entry.before,
        "after": entry.after,
        "created_at": entry.created_at.isoformat(),
        "client_address": entry.client_address,
    }
    data = json.dumps(payload, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False).encode()
    if entry.scheme == LEGACY:
        return hashlib.sha256(data).hexdigest()
    return hmac.new(_key(), data, hashlib.sha256).hexdigest()


def _head_for_append() -> AuditChainHead:
    """Lock and return the head to append to: the lowest-numbered one no other transaction
    holds (one this transaction holds is never skipped); when all are held, wait for one."""
    free = (AuditChainHead.objects.select_for_update(skip_locked=True)
            .filter(pk__lte=STREAMS).order_by("pk"))
    head = free.first()
    if head is None and not AuditChainHead.objects.exists():  # a flushed table: make the heads
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(pk=pk) for pk in range(1, STREAMS + 1)], ignore_conflicts=True)
        head = free.first()
    if head is None:  # all taken by others (this transaction holds none: no cycle)
        stream = random.randint(1, STREAMS)  # noqa: S311 - spreads the waiters, not a secret
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=stream)
    return head


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Append one row to the audit log inside the caller's transaction (its own when called
    outside one). The stream's head stays locked until that transaction ends."""
    with transaction.atomic(savepoint=False):
        head = _head_for_append()
        entry = AuditEntry(
            actor=actor if actor is not None and getattr(actor, "pk", None) else None,
            actor_repr=str(actor)[:150] if actor is not None and getattr(actor, "pk", None) else "system",
            action=action,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            target_repr=str(target)[:300] if target is not None else "",
            before=_canonical(before) if before is not None else None,
            after=_canonical(after) if after is not None else None,
            created_at=timezone.now(),
            client_address=get_client_address(),
            prev_hash=head.last_hash,
            scheme=KEYED,
            stream=head.pk,
        )
        entry.hash = entry_hash(entry)
        entry.save()
        AuditChainHead.objects.filter(pk=head.pk).update(last_hash=entry.hash)
    return entry


def _anchor_streams(anchor: dict | None) -> dict[int, dict]:
    """Return the anchor's heads by stream; an anchor from before streams is stream 1's."""
    if not anchor:
        return {}
    if "streams" in anchor:
        return {int(k): v for k, v in anchor["streams"].items() if v.get("last_id")}
    if anchor.get("last_id"):
        return {1: {k: anchor[k] for k in ("last_id", "last_hash", "count")}}
    return {}


def verify_chain(*, anchor: dict | None = None) -> tuple[bool, int | None, str]:
    """Return (ok, first bad row id, reason) after walking every stream's chain in id order and
    checking each against its head and the anchor (default: the latest one exported; none yet:
    the chains alone)."""
    prev: dict[int, str] = {}
    last: dict[int, int] = {}
    keyed: set[int] = set()
    count: dict[int, int] = {}
    anchor = latest_anchor() if anchor is None else anchor
    anchored_heads = _anchor_streams(anchor)
    anchored: dict[int, tuple[str, int]] = {}  # stream -> the anchored row's (hash, count)
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        stream = entry.stream
        if entry.prev_hash != prev.get(stream, GENESIS_HASH):
            return False, entry.pk, "previous hash does not match (a row before it was removed or altered)"
        if stream in keyed and entry.scheme != KEYED:
            return False, entry.pk, "an unkeyed row after keyed ones (row forged or re-hashed)"
        if entry.scheme == KEYED:
            keyed.add(stream)
        if entry_hash(entry) != entry.hash:
            return False, entry.pk, "content does not match its hash (row altered)"
        prev[stream] = entry.hash
        last[stream] = entry.pk
        count[stream] = count.get(stream, 0) + 1
        head = anchored_heads.get(stream)
        if head and entry.pk == head["last_id"]:
            anchored[stream] = (entry.hash, count[stream])
    for head in AuditChainHead.objects.order_by("pk"):
        if head.last_hash != prev.get(head.pk, GENESIS_HASH):
            return False, last.get(head.pk), ("chain head does not match the last row (a row at "
                                              "the end was removed)")
    for stream, head in sorted(anchored_heads.items()):
        if stream not in anchored:
            return False, last.get(stream), (f"anchored row id={head['last_id']} is missing "
                                             "(the log was truncated after the anchor)")
        if anchored[stream] != (head["last_hash"], head["count"]):
            return False, head["last_id"], ("the chain up to the anchored row differs from the "
                                            "anchor (rows rewritten and re-hashed)")
    return True, None, "ok"


def anchor_dir() -> Path:
    return Path(settings.AUDIT_ANCHOR_DIR)


def latest_anchor() -> dict | None:
    """Return the last anchor written to the anchor file, or None."""
    path = anchor_dir() / ANCHOR_FILE
    if not path.exists():
        return None
    last = None
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                last = json.loads(line)
    return last


def audit_anchor() -> dict:
    """Export the chain heads: append them to the anchor file (one JSON line, fsynced) and mail
    them to AUDIT_ANCHOR_EMAILS. Return the anchor: ``streams`` maps each stream to its last
    committed row (id, hash) and row count; ``last_id``, ``last_hash`` and ``count`` are the
    newest row of all and the total, for people reading it."""
    heads = list(AuditEntry.objects.values("stream").annotate(last_id=models.Max("id"),
                                                              count=models.Count("id")))
    hashes = dict(AuditEntry.objects.filter(id__in=[h["last_id"] for h in heads])
                  .values_list("id", "hash"))
    streams = {str(h["stream"]): {"last_id": h["last_id"], "last_hash": hashes[h["last_id"]],
                                  "count": h["count"]} for h in sorted(heads, key=lambda h: h["stream"])}
    newest = max(streams.values(), key=lambda h: h["last_id"], default=None)
    anchor = {
        "at": timezone.now().isoformat(),
        "last_id": newest["last_id"] if newest else None,
        "last_hash": newest["last_hash"] if newest else GENESIS_HASH,
        "count": sum(h["count"] for h in streams.values()),
        "streams": streams,
    }
    directory = anchor_dir()
    directory.mkdir(parents=True, exist_ok=True)
    line = json.dumps(anchor, sort_keys=True)
    with (directory / ANCHOR_FILE).open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    recipients = list(getattr(settings, "AUDIT_ANCHOR_EMAILS", []))
    if recipients:
        try:
            send_mail(subject=f"审计日志锚点 {anchor['at'][:10]}",
                      message=f"审计日志链头（请保存，用于核验日志未被篡改）：\n{line}\n",
                      from_email=None, recipient_list=recipients)
        except OSError:  # the file copy is written; the mail is retried with the next anchor
            logger.exception("audit anchor mail failed")
    return anchor



# Who acted on a sealed bid must not show before the opening (issue 10: the audit log shows
# nothing about an unopened bid beyond what the portal shows, not which organization bid). The
# chain keeps the whole truth; its readers (core.admin) hide the actor and client address of the
# entries these conditions select. An app registers a callable returning a Q over AuditEntry in
# its AppConfig.ready (procurement does: entries about a bid or a file still sealed); it is
# given the entries when only those are asked about (a page of the admin list), so it can read
# only what they name instead of everything sealed (issue 11 item 3).
SEALED_ENTRY_CONDITIONS: list = []


def sealed_entries_q(entries=None) -> models.Q | None:
    """Return the condition selecting entries whose actor and address are hidden for now
    (among ``entries`` only, when given)."""
    condition = None
    for make in SEALED_ENTRY_CONDITIONS:
        q = make(entries)
        condition = q if condition is None else condition | q
    return condition


def sealed_entry_ids(entries) -> set[int]:
    """Return the ids of the given entries whose actor and address are hidden."""
    entries = list(entries)
    ids = [e.pk for e in entries]
    condition = sealed_entries_q(entries) if ids else None
    if condition is None:
        return set()
    return set(AuditEntry.objects.filter(condition, pk__in=ids).values_list("pk", flat=True))
