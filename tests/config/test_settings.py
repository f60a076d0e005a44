"""Settings: production mode refuses unsafe start-up, and every variable is documented."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV_CALL = re.compile(r"""\benv(?:_bool|_list)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")
OS_ENV = re.compile(r"""os\.environ(?:\.get)?[\(\[]\s*["']([A-Z][A-Z0-9_]*)["']""")


def _manage(*args, env_overrides, tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_PRODUCTION", "DJANGO_DEBUG",
                         "AUDIT_HMAC_KEY", "SEALING_KEKS", "SEALING_KEK_FILE"}}
    env.update(env_overrides)
    env.setdefault("DATA_DIR", str(tmp_path))
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key(tmp_path):
    proc = _manage("check", env_overrides={"DJANGO_PRODUCTION": "1",
                                           "ALLOWED_HOSTS": "mz.example.gov.cn"}, tmp_path=tmp_path)
    assert proc.returncode != 0
    assert "SECRET_KEY must be set" in proc.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path):
    proc = _manage("check", env_overrides={"DJANGO_PRODUCTION": "1",
                                           "SECRET_KEY": secrets.token_urlsafe(50)},
                   tmp_path=tmp_path)
    assert proc.returncode != 0
    assert "ALLOWED_HOSTS must be set" in proc.stderr


def test_production_refuses_to_start_with_debug(tmp_path):
    env = {"DJANGO_PRODUCTION": "1", "ALLOWED_HOSTS": "mz.example.gov.cn",
           "SECRET_KEY": secrets.token_urlsafe(50), "AUDIT_HMAC_KEY": "audit-key",
           "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
           "SEALING_KEKS": "k1:" + "A" * 43 + "="}
    proc = _manage("check", env_overrides={**env, "DJANGO_DEBUG": "1"}, tmp_path=tmp_path)
    assert proc.returncode != 0
    assert "DJANGO_DEBUG must not be on when DJANGO_PRODUCTION=1" in proc.stderr
    # The same environment without DEBUG starts.
    assert _manage("check", env_overrides=env, tmp_path=tmp_path).returncode == 0


PRODUCTION_ENV = {"DJANGO_PRODUCTION": "1", "ALLOWED_HOSTS": "mz.example.gov.cn",
                  "AUDIT_HMAC_KEY": "audit-key-kept-outside-the-database",
                  "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
                  "SEALING_KEKS": "k1:" + "A" * 43 + "="}


def test_production_refuses_to_start_without_the_sealing_key_ring(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SEALING_KEKS"}
    proc = _manage("check", env_overrides={**env, "SECRET_KEY": secrets.token_urlsafe(50)},
                   tmp_path=tmp_path)
    assert proc.returncode != 0
    assert "SEALING_KEKS or SEALING_KEK_FILE must be set" in proc.stderr


def test_production_refuses_to_start_without_the_audit_key(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "AUDIT_HMAC_KEY"}
    proc = _manage("check", env_overrides={**env, "SECRET_KEY": secrets.token_urlsafe(50)},
                   tmp_path=tmp_path)
    assert proc.returncode != 0
    assert "AUDIT_HMAC_KEY must be set" in proc.stderr


def test_production_passes_check_deploy_when_configured(tmp_path):
    env = {**PRODUCTION_ENV, "SECRET_KEY": secrets.token_urlsafe(50)}
    # Every check, including the API schema's, must be clean: no warning is left.
    proc = _manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=env,
                   tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Django's deployment checks report warnings: none may be left.
    proc = _manage("check", "--deploy", "--tag", "security", "--fail-level", "WARNING",
                   env_overrides=env, tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout


def test_development_defaults_fail_the_security_checks(tmp_path):
    """Guard the test above: the deployment checks really flag the development defaults."""
    proc = _manage("check", "--deploy", "--tag", "security", "--fail-level", "WARNING",
                   env_overrides={}, tmp_path=tmp_path)
    assert proc.returncode != 0
    assert "security.W" in proc.stderr


def _settings_variables() -> set[str]:
    text = (ROOT / "config" / "settings.py").read_text()
    return set(ENV_CALL.findall(text)) | set(OS_ENV.findall(text))


def test_every_environment_variable_is_documented():
    names = _settings_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_PRODUCTION"} <= names
    doc = (ROOT / "docs" / "settings.md").read_text()
    documented = set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]*)`", doc, flags=re.MULTILINE))
    missing = sorted(names - documented)
    assert not missing, f"add these variables to the table in docs/settings.md: {missing}"


@pytest.mark.parametrize("value, expected", [("1", True), ("yes", True), ("0", False),
                                             ("", False), ("off", False)])
def test_env_bool_parses_common_spellings(monkeypatch, value, expected):
    from config.settings import env_bool

    monkeypatch.setenv("SANSHE_TEST_FLAG", value)
    assert env_bool("SANSHE_TEST_FLAG") is expected


def test_env_list_splits_and_strips(monkeypatch):
    from config.settings import env_list

    monkeypatch.setenv("SANSHE_TEST_LIST", " a.example , b.example,, ")
    assert env_list("SANSHE_TEST_LIST") == ["a.example", "b.example"]


def test_celery_is_not_eager_by_default_and_uses_json(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c",
         "import django; django.setup(); from django.conf import settings as s; "
         "print(s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_TASK_SERIALIZER, s.CELERY_BROKER_URL, "
         "s.CELERY_TASK_ACKS_LATE)"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("CELERY_")},
             "DJANGO_SETTINGS_MODULE": "config.settings", "DATA_DIR": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "json", "filesystem://", "True"]
    for sub in ("queue", "processed", "control", "results"):
        assert (tmp_path / "broker" / sub).is_dir()
