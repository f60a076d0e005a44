"""Backup and restore (issue 11 item 8): database, files and audit anchors into a fresh place,
with verify_audit passing on the restored copy; a tampered backup or the wrong key is refused.

Each test runs ``manage.py`` in subprocesses against databases of its own (a temporary SQLite
file; on PostgreSQL two scratch databases), never the test database.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG = os.environ.get("BACKUP_TEST_PG", "postgres://postgres@127.0.0.1:5432")
SEED = """
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from core.audit import audit_anchor, audit_record
for i in range(5):
    audit_record(actor=None, action=f"backup.test{i}", after={"i": i})
default_storage.save("uploads/2026/11/evidence.txt", ContentFile("服务照片说明".encode()))
audit_anchor()
audit_record(actor=None, action="backup.after-anchor")
"""
CHECK = """
from django.core.files.storage import default_storage
with default_storage.open("uploads/2026/11/evidence.txt") as handle:
    print(handle.read().decode())
"""


def _env(data_dir: Path, database_url: str, key: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABASE_", "CELERY_", "DJANGO_", "AUDIT_", "DATA_DIR"))}
    return {**env, "DATA_DIR": str(data_dir), "DATABASE_URL": database_url,
            "AUDIT_HMAC_KEY": key, "CELERY_TASK_ALWAYS_EAGER": "1"}


def _manage(env, *args, ok=True):
    proc = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    if ok:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def _round_trip(tmp_path, source_url, target_url, other_url=None):
    key = secrets.token_urlsafe(32)
    src = _env(tmp_path / "src", source_url, key)
    _manage(src, "migrate", "-v0")
    _manage(src, "shell", "-c", SEED)
    out = _manage(src, "backup", "--out", str(tmp_path / "backups"),
                  "--keys-out", str(tmp_path / "keys")).stdout
    backup_dir = Path(out.strip().rsplit(" ", 1)[-1])
    assert (backup_dir / "manifest.json").exists()
    keys = list((tmp_path / "keys").iterdir())
    assert len(keys) == 1 and f"AUDIT_HMAC_KEY={key}" in keys[0].read_text()
    assert "SEALING_KEKS=" in keys[0].read_text()  # the sealed bids' key ring (core.crypto)
    assert oct(keys[0].stat().st_mode & 0o777) == "0o600"
    assert not any(key in p.read_bytes().decode(errors="ignore")
                   for p in backup_dir.iterdir() if p.is_file())  # the key is not in the data

    dst = _env(tmp_path / "dst", target_url, key)
    restored = _manage(dst, "restore", str(backup_dir))
    assert "chain intact" in restored.stdout
    assert "OK: 6 audit rows" in _manage(dst, "verify_audit").stdout
    assert "服务照片说明" in _manage(dst, "shell", "-c", CHECK).stdout
    # A second restore onto the now full database is refused unless forced.
    assert "not empty" in _manage(dst, "restore", str(backup_dir), ok=False).stderr

    # With another key the restored chain does not verify: the key is part of the backup set.
    if other_url is not None:
        wrong = _env(tmp_path / "wrong", other_url, "not-the-key")
        failed = _manage(wrong, "restore", str(backup_dir), ok=False)
        assert failed.returncode != 0 and "audit chain broken" in failed.stderr

    # A backup whose files changed after it was made is refused before anything is touched.
    (backup_dir / "files.tar.gz").write_bytes(b"tampered")
    tampered = _manage(_env(tmp_path / "t", target_url, key), "restore", str(backup_dir), "--force",
                       ok=False)
    assert "does not match the manifest" in tampered.stderr


def test_backup_and_restore_on_sqlite(tmp_path):
    _round_trip(tmp_path, f"sqlite:///{tmp_path}/src/db.sqlite3",
                f"sqlite:///{tmp_path}/dst/db.sqlite3", f"sqlite:///{tmp_path}/wrong/db.sqlite3")


def _pg_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(f"{PG}/postgres", connect_timeout=3).close()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not here"
        return False


@pytest.mark.postgres
def test_backup_and_restore_on_postgresql(tmp_path):
    if not _pg_reachable():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {PG} is unreachable and CI is set")
        pytest.skip(f"PostgreSQL at {PG} is unreachable (set CI=1 to make this a failure)")
    import psycopg

    names = [f"backup_{word}_{secrets.token_hex(4)}" for word in ("src", "dst", "wrong")]
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        _round_trip(tmp_path, *(f"{PG}/{name}" for name in names))
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
