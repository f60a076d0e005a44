"""The append-only, hash-chained audit log."""

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from core.middleware import get_client_address
from core.models import AuditChainHead, AuditEntry

GENESIS_HASH = "0" * 64


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
    data = json.dumps(payload, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


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
        )
        entry.hash = entry_hash(entry)
        entry.save()
        head.last_hash = entry.hash
        head.save(update_fields=["last_hash"])
    return entry


def verify_chain() -> tuple[bool, int | None, str]:
    """Return (ok, first bad row id, reason) after walking the whole chain in order."""
    prev = GENESIS_HASH
    last_id = None
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev:
            return False, entry.pk, "previous hash does not match (a row before it was removed or altered)"
        if entry_hash(entry) != entry.hash:
            return False, entry.pk, "content does not match its hash (row altered)"
        prev = entry.hash
        last_id = entry.pk
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != prev:
        return False, last_id, "chain head does not match the last row (a row at the end was removed)"
    return True, None, "ok"
