"""Services and selectors for stored files."""

import hashlib
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import Sum
from django.http import Http404
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.exceptions import ServiceError
from core.models import StoredFile
from core.uploads import validate_upload

# The content type recorded for a file stored encrypted (``seal`` below): its real name and
# type are inside the ciphertext; its owner decrypts it (``open_stored_file``).
SEALED_MIME_TYPE = "application/x-sanshe-sealed"
SEALED_FILE_NAME = "sealed.bin"

# (storage, name) of the files written inside the innermost atomic_with_files() block.
_written: ContextVar[list | None] = ContextVar("stored_files_written", default=None)


def _sha256(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    while chunk := file.read(1 << 20):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def stored_file_create(*, file, owner, actor, allowed=("pdf", "image", "office"),
                       max_bytes=None, seal=None) -> StoredFile:
    """Validate an upload and store it under a random name, attached to its owning object.

    When the owner defines ``user_can_upload_file(user)`` it is asked first; otherwise the calling
    service is responsible for having authorized the actor.

    ``seal(data, *, name, mime_type, sha256) -> bytes``, when given, encrypts the content: the
    storage then holds only its result under a random ``.bin`` name, and the row (and its audit
    entry) show SEALED_FILE_NAME and SEALED_MIME_TYPE instead of the real name and type; size
    and sha256 stay those of the clear file (procurement.sealing).
    """
    check = getattr(owner, "user_can_upload_file", None)
    if check is not None:
        decision = check(actor)
        if not decision:
            raise PermissionDenied(getattr(decision, "reason", "") or "")
    info = validate_upload(file, allowed=allowed, max_bytes=max_bytes)
    digest = _sha256(file)
    name, mime_type, content = info.safe_name, info.mime_type, File(file)
    if seal is not None:
        file.seek(0)
        content = ContentFile(seal(file.read(), name=name, mime_type=mime_type, sha256=digest))
        name, mime_type = SEALED_FILE_NAME, SEALED_MIME_TYPE
    with transaction.atomic():
        stored = StoredFile(
            content_type=ContentType.objects.get_for_model(owner, for_concrete_model=False),
            object_id=owner.pk,
            original_name=name,
            size=info.size,
            sha256=digest,
            mime_type=mime_type,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        stored.file.save(name, content, save=False)
        path = stored.file.name
        stored_file_written(stored.file.storage, path)
        try:
            stored.save()
            audit_record(
                actor=actor, action="file.upload", target=stored,
                after={"owner": f"{owner._meta.label_lower}:{owner.pk}", "name": name,
                       "size": info.size, "sha256": digest},
            )
        except Exception:
            stored.file.storage.delete(path)
            raise
    return stored


def stored_files_create(*, files, owner, actor, allowed=("pdf", "image", "office"),
                        max_total_bytes=None, seal=None) -> list[StoredFile]:
    """Store several uploads for one owner, keeping all its files under the total size limit.

    Call it inside ``atomic_with_files()`` so that a later refusal leaves no file on disk.
    """
    if not files:
        return []
    limit = max_total_bytes if max_total_bytes is not None else settings.UPLOAD_MAX_TOTAL_BYTES
    existing = StoredFile.objects.filter(
        content_type=ContentType.objects.get_for_model(owner, for_concrete_model=False),
        object_id=owner.pk,
    ).aggregate(total=Sum("size"))["total"] or 0
    if existing + sum(f.size for f in files) > limit:
        raise ServiceError(
            _("附件总大小不能超过 %(limit)s MB，请删除部分文件后再上传。")
            % {"limit": f"{limit / (1024 * 1024):.1f}".rstrip("0").rstrip(".")},
            code="total_too_large",
        )
    return [stored_file_create(file=f, owner=owner, actor=actor, allowed=allowed, seal=seal)
            for f in files]


def stored_file_written(storage, name: str) -> None:
    """Have the enclosing ``atomic_with_files`` delete this file if its transaction rolls back
    (nothing outside one)."""
    if (written := _written.get()) is not None:
        written.append((storage, name))


@contextmanager
def atomic_with_files():
    """Run a transaction; delete the files stored inside it when it rolls back.

    Files written by ``stored_file_create`` live outside the database: without this a refused
    service after an upload would leave an orphan file on disk. Files of a block that commits
    inside an outer ``atomic_with_files`` block are handed to the outer one.
    """
    outer = _written.get()
    written: list = []
    token = _written.set(written)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        for storage, name in written:
            storage.delete(name)
        raise
    finally:
        _written.reset(token)
    if outer is not None:
        outer.extend(written)


def stored_file_delete(*, stored: StoredFile, actor) -> None:
    """Delete a stored file; whoever may attach files to its owner may remove them."""
    owner = stored.owner
    check = getattr(owner, "user_can_upload_file", None) if owner is not None else None
    decision = check(actor) if check is not None else bool(getattr(actor, "is_superuser", False))
    if not decision:
        raise PermissionDenied(getattr(decision, "reason", "") or "")
    storage, name = stored.file.storage, stored.file.name
    with transaction.atomic():
        audit_record(
            actor=actor, action="file.delete", target=stored,
            before={"owner": f"{stored.content_type.app_label}.{stored.content_type.model}:"
                             f"{stored.object_id}",
                    "name": stored.original_name, "size": stored.size, "sha256": stored.sha256},
        )
        stored.delete()
        transaction.on_commit(lambda: storage.delete(name))


def user_can_download_file(user, stored: StoredFile) -> bool:
    """Return whether the user may download the file, asking its owning object."""
    owner = stored.owner
    if owner is None:
        return False
    check = getattr(owner, "user_can_download_file", None)
    if check is not None:
        return bool(check(user if user is not None else AnonymousUser()))
    return bool(getattr(user, "is_superuser", False))


def stored_file_open(stored: StoredFile):
    """Return (binary handle, file name, content type) of the file's clear content; a sealed
    file is decrypted by its owner (``open_stored_file(stored)``). Raises FileNotFoundError."""
    if stored.mime_type == SEALED_MIME_TYPE:
        opener = getattr(stored.owner, "open_stored_file", None)
        opened = opener(stored) if opener is not None else None
        if opened is None:
            raise FileNotFoundError(stored.file.name)
        return opened
    return stored.file.open("rb"), stored.original_name, stored.mime_type


def stored_file_get_for_download(*, user, pk: int) -> StoredFile:
    """Return the file if the user may download it; raise Http404 for missing and forbidden."""
    stored = StoredFile.objects.select_related("content_type").filter(pk=pk).first()
    if stored is None or not user_can_download_file(user, stored):
        raise Http404
    return stored
