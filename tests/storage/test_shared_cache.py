"""Cache and sessions shared by several web nodes through Redis (CACHE_URL): a session signed in
on one node is read by another from Redis alone, and the API throttle's count is the same on
both. The second node is a separate process with the same CACHE_URL and no database of its own
(an empty SQLite file: a read that missed Redis would fail there)."""

import json
import os
import secrets
import socket
import subprocess
import sys
from urllib.parse import urlparse

import pytest
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from accounts.roles import Role
from tests.factories import user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.redis]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

NODE_B = """
import json, sys, types
import django
django.setup()
from django.contrib.sessions.backends.cached_db import SessionStore
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle
session_key, user_pk = sys.argv[1], int(sys.argv[2])
store = SessionStore(session_key)
cached = store._cache.get(store.cache_key)
SimpleRateThrottle.THROTTLE_RATES = {"user": "3/minute", "anon": "2/minute"}
request = types.SimpleNamespace(user=types.SimpleNamespace(pk=user_pk, is_authenticated=True))
print(json.dumps({"session_user": (cached or {}).get("_auth_user_id"),
                  "throttle_allows": UserRateThrottle().allow_request(request, None)}))
"""


def _redis_url() -> str:
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        url = os.environ.get(name) or ""
        if url.startswith("redis://"):
            return url
    return "redis://127.0.0.1:6379/15"


@pytest.fixture
def shared_cache(settings):
    """Point this node's cache and sessions at Redis under a key prefix of this test's own."""
    url = _redis_url()
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 1).close()
    except OSError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {url} is unreachable and CI is set")
        pytest.skip(f"Redis at {url} is unreachable (set CI=1 to make this a failure)")
    prefix = f"sanshe-test-{secrets.token_hex(4)}"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": url, "KEY_PREFIX": prefix}}
    settings.SESSION_ENGINE = "core.sessions"  # production's with CACHE_URL
    yield url, prefix
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:  # only this test's keys: the database may be another process's broker
        client.delete(*keys)


def node_b(tmp_path, url: str, prefix: str | None, session_key: str, user_pk: int) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABASE_", "CELERY_", "CACHE_", "DJANGO_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DATA_DIR": str(tmp_path)})
    if prefix is not None:
        env.update({"CACHE_URL": url, "CACHE_KEY_PREFIX": prefix})
    proc = subprocess.run([sys.executable, "-c", NODE_B, session_key, str(user_pk)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture
def low_rates(monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/minute",
                                                               "anon": "2/minute"})


def test_session_and_throttle_are_shared_by_two_nodes(client, shared_cache, low_rates, tmp_path):
    url, prefix = shared_cache
    user = user_with_role(Role.PURCHASER)
    client.force_login(user)
    key = client.session.session_key
    api = reverse("procurement-api:tender-list")
    assert [client.get(api).status_code for _ in range(3)] == [200, 200, 200]

    # Node B reads the signed-in session from Redis and counts the same three requests.
    seen = node_b(tmp_path / "b", url, prefix, key, user.pk)
    assert seen == {"session_user": str(user.pk), "throttle_allows": False}
    # A node with its own memory cache (no CACHE_URL) knows neither: the test can fail.
    alone = node_b(tmp_path / "c", url, None, key, user.pk)
    assert alone == {"session_user": None, "throttle_allows": True}

    # Signing out on node A ends the session for node B too.
    client.logout()
    assert node_b(tmp_path / "b", url, prefix, key, user.pk)["session_user"] is None
