"""Backup and restore with the files in an S3 bucket (issue 11 item 8 with item 7): ``backup``
reads every object through the storage API into ``files.tar.gz``, ``restore`` writes them into
the target's bucket, and the restored platform reads the file back; nothing touches DATA_DIR."""

import secrets

from tests.core.test_backup import CHECK, SEED, _env, _manage
from tests.storage.conftest import REGION, Bucket


def _s3_env(base: dict, endpoint: str, bucket: str) -> dict:
    return {**base, "AWS_STORAGE_BUCKET_NAME": bucket, "AWS_S3_ENDPOINT_URL": endpoint,
            "AWS_S3_REGION_NAME": REGION, "AWS_S3_ACCESS_KEY_ID": "testing",
            "AWS_S3_SECRET_ACCESS_KEY": "testing"}


def test_backup_and_restore_copy_the_bucket(tmp_path, s3_endpoint):
    key = secrets.token_urlsafe(32)
    source = Bucket(s3_endpoint, f"src-{secrets.token_hex(4)}")
    target = Bucket(s3_endpoint, f"dst-{secrets.token_hex(4)}")
    src = _s3_env(_env(tmp_path / "src", f"sqlite:///{tmp_path}/src.sqlite3", key),
                  s3_endpoint, source.name)
    _manage(src, "migrate", "-v0")
    _manage(src, "shell", "-c", SEED)
    assert source.keys() == {"uploads/2026/11/evidence.txt"}
    out = _manage(src, "backup", "--out", str(tmp_path / "backups")).stdout
    backup_dir = out.strip().rsplit(" ", 1)[-1]

    dst = _s3_env(_env(tmp_path / "dst", f"sqlite:///{tmp_path}/dst.sqlite3", key),
                  s3_endpoint, target.name)
    assert "chain intact" in _manage(dst, "restore", backup_dir).stdout
    assert target.keys() == {"uploads/2026/11/evidence.txt"}
    assert target.read("uploads/2026/11/evidence.txt") == "服务照片说明".encode()
    assert "服务照片说明" in _manage(dst, "shell", "-c", CHECK).stdout
    assert not (tmp_path / "src" / "files").exists() and not (tmp_path / "dst" / "files").exists()
