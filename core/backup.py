"""Backup and restore of the platform: database, files, audit anchors, and the keys apart.

A backup is one directory ``sanshe-backup-<UTC time>/``:

- ``database.sqlite3`` (SQLite's online backup API) or ``database.dump`` (``pg_dump -Fc``);
- ``files.tar.gz``: every object of the default storage (uploads and generated PDFs; the
  ``DATA_DIR/files`` folder or the S3 bucket alike, read through the storage API), taken after
  the database, so every row's file is there (a file without a row is harmless);
- ``anchors.jsonl``: the audit anchors (``AUDIT_ANCHOR_DIR``), a copy of what the database
  cannot rewrite;
- ``manifest.json``: when, which database, the audit chain's head at the start of the backup,
  and the SHA-256 of every file above (a restore refuses a backup that does not match).

The keys (``AUDIT_HMAC_KEY``, ``SECRET_KEY``, ``SEALING_KEKS``) are written only on request and to a directory of
their own (``keys.env``, mode 0600): kept apart from the data, offline, since whoever holds both
can rewrite the audit log undetected (docs/deployment.md, "Backups").

``restore`` puts a backup into the database, storage and ``DATA_DIR`` the settings point at (an empty
database unless forced), then checks the audit chain: every row intact under the key in the
environment, and the head recorded in the manifest present.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from core.audit import ANCHOR_FILE, anchor_dir, verify_chain
from core.models import AuditEntry

MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env() -> tuple[list[str], dict]:
    """Return the libpq connection arguments and environment of the configured database."""
    db = connection.settings_dict
    args = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432),
            "-U", db.get("USER") or "postgres"]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian package postgresql-client)")
    return path


def _stored_names(storage, prefix: str = "") -> Iterator[str]:
    """Yield the name of every file in the storage under prefix (a folder, or a key prefix)."""
    try:
        folders, files = storage.listdir(prefix)
    except FileNotFoundError:  # a local storage whose folder was never created: no files yet
        return
    for name in sorted(files):
        yield f"{prefix}{name}"
    for folder in sorted(folders):
        yield from _stored_names(storage, f"{prefix}{folder}/")


def _files_backup(archive: Path) -> int:
    """Write every file of the default storage into a tar.gz under ``files/``; return how many.

    Read through the storage API, so the same code backs up a local folder and an S3 bucket.
    """
    count = 0
    with tarfile.open(archive, "w:gz") as tar:
        for name in _stored_names(default_storage):
            with default_storage.open(name, "rb") as handle:
                info = tarfile.TarInfo(f"files/{name}")
                info.size = handle.size
                info.mtime = int(timezone.now().timestamp())
                info.mode = 0o640
                tar.addfile(info, handle)
            count += 1
    return count


def _files_restore(archive: Path) -> int:
    """Put every file of a backup's tar.gz back into the default storage under its own name."""
    count = 0
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive, "r:gz") as tar:
        tar.extractall(tmp, filter="data")
        root = Path(tmp) / "files"
        for path in sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else ():
            name = path.relative_to(root).as_posix()
            if default_storage.exists(name):
                default_storage.delete(name)  # the backup's copy wins, as a restore should
            with path.open("rb") as handle:
                saved = default_storage.save(name, File(handle, name=name))
            if saved != name:
                raise BackupError(f"the storage renamed {name} to {saved}")
            count += 1
    return count


def _audit_head() -> dict:
    last = AuditEntry.objects.order_by("-id").values("id", "hash").first()
    return {"count": AuditEntry.objects.count(), "last_id": last["id"] if last else None,
            "last_hash": last["hash"] if last else None}


def backup(out_dir: Path, *, keys_dir: Path | None = None) -> Path:
    """Write a backup under out_dir and return its directory."""
    target = Path(out_dir) / f"sanshe-backup-{timezone.now():%Y%m%dT%H%M%S%fZ}"
    target.mkdir(parents=True)
    head = _audit_head()
    vendor = connection.vendor
    if vendor == "sqlite":
        name = connection.settings_dict["NAME"]
        if str(name) in (":memory:", "") or "mode=memory" in str(name):
            raise BackupError("an in-memory SQLite database cannot be backed up")
        source = sqlite3.connect(str(name))
        copy = sqlite3.connect(str(target / "database.sqlite3"))
        with copy:
            source.backup(copy)
        copy.close()
        source.close()
    elif vendor == "postgresql":
        args, env = _pg_env()
        command = [_tool("pg_dump"), "-Fc", "--no-owner", "--no-privileges", *args,
                   "-f", str(target / "database.dump"), connection.settings_dict["NAME"]]
        subprocess.run(command, check=True, env=env, capture_output=True)  # noqa: S603 - settings
    else:
        raise BackupError(f"no backup for the {vendor} database")
    _files_backup(target / "files.tar.gz")
    anchors = anchor_dir() / ANCHOR_FILE
    if anchors.exists():
        shutil.copy2(anchors, target / "anchors.jsonl")
    files = {p.name: _sha256(p) for p in sorted(target.iterdir()) if p.name != MANIFEST}
    manifest = {"created_at": timezone.now().isoformat(), "database": vendor, "audit": head,
                "files": files}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False),
                                   encoding="utf-8")
    if keys_dir is not None:
        keys_dir = Path(keys_dir)
        keys_dir.mkdir(parents=True, exist_ok=True)
        keys = keys_dir / f"{target.name}.keys.env"
        # The sealing key ring too (core.crypto): without it no bid sealed in this backup opens.
        from core.crypto import key_ring, key_ring_entry

        current, ring = key_ring()
        sealing = ",".join(key_ring_entry(i, k) for i, k in
                           sorted(ring.items(), key=lambda item: item[0] != current))
        keys.write_text(f"SECRET_KEY={settings.SECRET_KEY}\n"
                        f"AUDIT_HMAC_KEY={getattr(settings, 'AUDIT_HMAC_KEY', '')}\n"
                        f"SEALING_KEKS={sealing}\n",
                        encoding="utf-8")
        keys.chmod(0o600)
    return target


def _check(source: Path) -> dict:
    manifest_path = source / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"{source} is not a backup (no {MANIFEST})")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for name, digest in manifest["files"].items():
        path = source / name
        if not path.exists() or _sha256(path) != digest:
            raise BackupError(f"{name} is missing or does not match the manifest")
    return manifest


def _database_is_empty() -> bool:
    return "core_auditentry" not in connection.introspection.table_names()


def restore(source: Path, *, force: bool = False) -> dict:
    """Restore the backup into the configured database, file storage and anchor folder; return
    the manifest after checking the audit chain against it. Raise BackupError when anything does
    not fit."""
    source = Path(source)
    manifest = _check(source)
    if manifest["database"] != connection.vendor:
        raise BackupError(f"the backup is of a {manifest['database']} database, "
                          f"the settings point at {connection.vendor}")
    if not force and not _database_is_empty():
        raise BackupError("the target database is not empty (use --force to replace it)")
    if connection.vendor == "sqlite":
        name = Path(connection.settings_dict["NAME"])
        connection.close()
        name.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / "database.sqlite3", name)
    else:
        args, env = _pg_env()
        connection.close()
        command = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--clean",
                   "--if-exists", *args, "-d", connection.settings_dict["NAME"],
                   str(source / "database.dump")]
        subprocess.run(command, check=True, env=env, capture_output=True)  # noqa: S603 - settings
    _files_restore(source / "files.tar.gz")
    if (source / "anchors.jsonl").exists():
        anchor_dir().mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / "anchors.jsonl", anchor_dir() / ANCHOR_FILE)
    ok, bad_id, reason = verify_chain()
    if not ok:
        raise BackupError(f"restored audit chain broken at row id={bad_id}: {reason}")
    head = manifest["audit"]
    if head["last_id"] is not None and not AuditEntry.objects.filter(
            pk=head["last_id"], hash=head["last_hash"]).exists():
        raise BackupError("the restored audit log lacks the head recorded at backup time")
    return manifest
