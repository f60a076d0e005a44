"""Redis (CACHE_URL) down while people sign in and bid: sessions fall back to the database, the
API's throttles let requests through, and nothing answers 500 (issue 11 item 6). The cache is
a Redis address nobody listens on, so the test runs without a Redis server."""

import logging
import socket

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from procurement.models import Bid, BidIntake
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.worlds import PROCUREMENT_WORLD, bid_files, tender_published, world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_down(settings):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now: every cache call is refused at once
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{port}/0"}}
    settings.SESSION_ENGINE = "core.sessions"  # production's with CACHE_URL
    from django.core.cache import cache

    with pytest.raises(Exception, match="(?i)connect"):
        cache.get("probe")  # really down


def test_sign_in_bid_and_sign_out_with_the_cache_down(client, cache_down, caplog):
    world = world_build(**PROCUREMENT_WORLD)
    tender = tender_published(world)
    staff = world.supplier_staff[0]
    caplog.set_level(logging.WARNING)

    signed_in = client.post(reverse("login"), {"username": staff.username,
                                               "password": DEFAULT_PASSWORD})
    assert signed_in.status_code == 302, signed_in.content[:500]
    key = client.cookies["sessionid"].value
    assert Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("procurement:tender-detail", args=[tender.pk])).status_code == 200

    url = f"/api/procurement/tenders/{tender.pk}/bids/"
    entered = client.post(url, {"organization": world.suppliers[0].pk, "price": "280000.00",
                                "proposal": "方案", "files": bid_files()})
    assert entered.status_code == 201, entered.content
    assert Bid.objects.count() == 1
    assert "throttle UserRateThrottle skipped" in caplog.text

    signed_out = client.post(reverse("logout"))
    assert signed_out.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert "its cached copy will be removed once the cache answers" in caplog.text
    assert client.get(reverse("procurement:tender-detail", args=[tender.pk])).status_code == 302
    # Its cached copy is to be removed once Redis answers; while it is down, the purge waits.
    from core.models import SessionCachePurge
    from core.tasks import session_cache_purge

    assert SessionCachePurge.objects.filter(cache_key__endswith=key).exists()
    assert session_cache_purge() == 0
    assert SessionCachePurge.objects.filter(cache_key__endswith=key).exists()


def test_a_session_signed_out_while_redis_was_down_is_not_served_when_it_returns(
        client, settings, monkeypatch):
    """Redis unreachable only for the sign-out: it keeps the session's copy, and once it answers
    again would serve it (the cookie signed in again) until the purge removes it."""
    from django.core.cache import caches

    from core.models import SessionCachePurge
    from core.tasks import session_cache_purge

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "sessions-purge-test"}}
    settings.SESSION_ENGINE = "core.sessions"
    world = world_build(**PROCUREMENT_WORLD)
    staff = world.supplier_staff[0]
    assert client.post(reverse("login"), {"username": staff.username,
                                          "password": DEFAULT_PASSWORD}).status_code == 302
    key = client.cookies["sessionid"].value
    page = reverse("procurement:tender-list")
    assert client.get(page).status_code == 200
    cache = caches["default"]

    def unreachable(*args, **kwargs):
        raise ConnectionError("Redis is down")

    with monkeypatch.context() as down:
        down.setattr(cache, "delete", unreachable)
        down.setattr(cache, "set", unreachable)
        assert client.post(reverse("logout")).status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    client.cookies["sessionid"] = key  # the old cookie, kept by someone
    assert client.get(page).status_code == 200  # Redis back: its stale copy signs it in

    assert session_cache_purge() == 1
    assert not SessionCachePurge.objects.exists()
    response = client.get(page)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert session_cache_purge() == 0


def test_an_intake_is_answered_with_the_cache_down(client, cache_down):
    world = world_build(**PROCUREMENT_WORLD)
    tender = tender_published(world)
    client.force_login(world.supplier_staff[0])
    answered = client.post(f"/api/procurement/tenders/{tender.pk}/bids/", {
        "organization": world.suppliers[0].pk, "price": "280000.00", "proposal": "方案",
        "files": bid_files()}, HTTP_PREFER="respond-async")
    assert answered.status_code == 202, answered.content
    assert BidIntake.objects.count() == 1
