"""Settings for several machines: FILE_STORAGE/AWS_* switch the default storage to S3, CACHE_URL
puts the cache and sessions in Redis, and production mode refuses what only works on one
machine (the filesystem broker; with MULTI_NODE=1 a local cache, local files or SQLite)."""

import json
import secrets
import subprocess
import sys

import pytest

from tests.config.test_settings import PRODUCTION_ENV, ROOT, _manage

SHOW = ("import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'storage': s.STORAGES['default'], 'caches': s.CACHES, "
        "'sessions': s.SESSION_ENGINE}, default=str))")


def _settings(tmp_path, **env) -> dict:
    proc = subprocess.run([sys.executable, "-c", SHOW], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path),
                                            "DJANGO_SETTINGS_MODULE": "config.settings", **env})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_development_defaults_keep_files_on_disk_and_cache_in_memory(tmp_path):
    found = _settings(tmp_path)
    assert found["storage"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert found["caches"]["default"]["BACKEND"].endswith("LocMemCache")
    assert found["sessions"] == "django.contrib.sessions.backends.db"


def test_bucket_name_switches_files_to_private_s3_and_cache_url_to_redis(tmp_path):
    found = _settings(tmp_path, AWS_STORAGE_BUCKET_NAME="sanshe-files",
                      AWS_S3_ENDPOINT_URL="https://minio.mz.example.gov.cn",
                      CACHE_URL="redis://10.0.0.5:6379/2")
    options = found["storage"]["OPTIONS"]
    assert found["storage"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert (options["bucket_name"], options["endpoint_url"], options["addressing_style"]) == (
        "sanshe-files", "https://minio.mz.example.gov.cn", "path")
    assert options["default_acl"] == "private" and options["file_overwrite"] is False
    assert options["querystring_auth"] is True and options["querystring_expire"] == 60
    assert found["caches"]["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert found["caches"]["default"]["LOCATION"] == "redis://10.0.0.5:6379/2"
    assert found["sessions"] == "core.sessions"  # Django's cached_db, surviving an outage


def test_s3_without_a_bucket_is_refused(tmp_path):
    proc = _manage("check", env_overrides={"FILE_STORAGE": "s3"}, tmp_path=tmp_path)
    assert proc.returncode != 0 and "AWS_STORAGE_BUCKET_NAME must be set" in proc.stderr


def test_production_refuses_the_filesystem_broker(tmp_path):
    env = {**PRODUCTION_ENV, "SECRET_KEY": secrets.token_urlsafe(50),
           "CELERY_BROKER_URL": "filesystem://"}
    proc = _manage("check", env_overrides=env, tmp_path=tmp_path)
    assert proc.returncode != 0 and "CELERY_BROKER_URL must point at Redis" in proc.stderr


MULTI = {**PRODUCTION_ENV, "MULTI_NODE": "1", "CACHE_URL": "redis://127.0.0.1:6379/2",
         "AWS_STORAGE_BUCKET_NAME": "sanshe-files",
         "DATABASE_URL": "postgres://sanshe@127.0.0.1:5432/sanshe"}


@pytest.mark.parametrize(("missing", "message"), [
    ("CACHE_URL", "CACHE_URL (Redis) must be set when MULTI_NODE=1"),
    ("AWS_STORAGE_BUCKET_NAME", "FILE_STORAGE=s3 (AWS_STORAGE_BUCKET_NAME) must be set"),
    ("DATABASE_URL", "DATABASE_URL must point at PostgreSQL when MULTI_NODE=1"),
])
def test_several_nodes_in_production_need_shared_cache_files_and_database(tmp_path, missing,
                                                                           message):
    env = {**{k: v for k, v in MULTI.items() if k != missing},
           "SECRET_KEY": secrets.token_urlsafe(50)}
    if missing == "DATABASE_URL":
        env["DATABASE_URL"] = f"sqlite:///{tmp_path}/db.sqlite3"
    proc = _manage("check", env_overrides=env, tmp_path=tmp_path)
    assert proc.returncode != 0 and message in proc.stderr
