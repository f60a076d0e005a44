"""The append-only, hash-chained audit log, and the anchors that let it prove itself.

Each row carries the hash of the one before it. Since the ``hmac`` scheme a row's hash is an
HMAC-SHA256 keyed with ``settings.AUDIT_HMAC_KEY`` (a secret kept outside the database; in
development derived from SECRET_KEY), so whoever can write the table but not read the key
cannot forge a row or re-hash the chain after editing one. An anchor exports the chain head
(last id, its hash, the row count) to files the database cannot rewrite and by e-mail
(``audit_anchor``, daily); ``verify_chain`` checks the rows against the latest anchor too, which
catches a truncated tail with the head reset and a chain re-hashed from an edited row onward.
"""

import hashlib
import hmac
import json
import logging
import os
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


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Append one row to the audit log inside the caller's transaction."""
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
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
        )
        entry.hash = entry_hash(entry)
        entry.save()
        head.last_hash = entry.hash
        head.save(update_fields=["last_hash"])
    return entry


def verify_chain(*, anchor: dict | None = None) -> tuple[bool, int | None, str]:
    """Return (ok, first bad row id, reason) after walking the whole chain in order and checking
    it against the anchor (default: the latest one exported; none yet: the chain alone)."""
    prev = GENESIS_HASH
    last_id = None
    keyed = False
    count = 0
    anchor = latest_anchor() if anchor is None else anchor
    anchored = None  # the anchored row's hash, once walked past
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev:
            return False, entry.pk, "previous hash does not match (a row before it was removed or altered)"
        if keyed and entry.scheme != KEYED:
            return False, entry.pk, "an unkeyed row after keyed ones (row forged or re-hashed)"
        keyed = keyed or entry.scheme == KEYED
        if entry_hash(entry) != entry.hash:
            return False, entry.pk, "content does not match its hash (row altered)"
        prev = entry.hash
        last_id = entry.pk
        count += 1
        if anchor and entry.pk == anchor["last_id"]:
            anchored = (entry.hash, count)
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != prev:
        return False, last_id, "chain head does not match the last row (a row at the end was removed)"
    if anchor and anchor.get("last_id"):
        if anchored is None:
            return False, last_id, (f"anchored row id={anchor['last_id']} is missing "
                                    "(the log was truncated after the anchor)")
        if anchored != (anchor["last_hash"], anchor["count"]):
            return False, anchor["last_id"], ("the chain up to the anchored row differs from the "
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
    """Export the chain head: append it to the anchor file (one JSON line, fsynced) and mail it
    to AUDIT_ANCHOR_EMAILS. Return the anchor."""
    last = AuditEntry.objects.order_by("-id").values("id", "hash").first()
    anchor = {
        "at": timezone.now().isoformat(),
        "last_id": last["id"] if last else None,
        "last_hash": last["hash"] if last else GENESIS_HASH,
        "count": AuditEntry.objects.filter(id__lte=last["id"]).count() if last else 0,
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
