"""Services and selectors for stored files."""

import hashlib

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.files.base import File
from django.db import transaction
from django.http import Http404

from core.audit import audit_record
from core.models import StoredFile
from core.uploads import validate_upload


def _sha256(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    while chunk := file.read(1 << 20):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def stored_file_create(*, file, owner, actor, allowed=("pdf", "image", "office"),
                       max_bytes=None) -> StoredFile:
    """Validate an upload and store it under a random name, attached to its owning object.

    When the owner defines ``user_can_upload_file(user)`` it is asked first; otherwise the calling
    service is responsible for having authorized the actor.
    """
    check = getattr(owner, "user_can_upload_file", None)
    if check is not None:
        decision = check(actor)
        if not decision:
            raise PermissionDenied(getattr(decision, "reason", "") or "")
    info = validate_upload(file, allowed=allowed, max_bytes=max_bytes)
    digest = _sha256(file)
    with transaction.atomic():
        stored = StoredFile(
            content_type=ContentType.objects.get_for_model(owner, for_concrete_model=False),
            object_id=owner.pk,
            original_name=info.safe_name,
            size=info.size,
            sha256=digest,
            mime_type=info.mime_type,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        stored.file.save(info.safe_name, File(file), save=False)
        path = stored.file.name
        try:
            stored.save()
            audit_record(
                actor=actor, action="file.upload", target=stored,
                after={"owner": f"{owner._meta.label_lower}:{owner.pk}", "name": info.safe_name,
                       "size": info.size, "sha256": digest},
            )
        except Exception:
            stored.file.storage.delete(path)
            raise
    return stored


def user_can_download_file(user, stored: StoredFile) -> bool:
    """Return whether the user may download the file, asking its owning object."""
    owner = stored.owner
    if owner is None:
        return False
    check = getattr(owner, "user_can_download_file", None)
    if check is not None:
        return bool(check(user if user is not None else AnonymousUser()))
    return bool(getattr(user, "is_superuser", False))


def stored_file_get_for_download(*, user, pk: int) -> StoredFile:
    """Return the file if the user may download it; raise Http404 for missing and forbidden."""
    stored = StoredFile.objects.select_related("content_type").filter(pk=pk).first()
    if stored is None or not user_can_download_file(user, stored):
        raise Http404
    return stored
