"""Fixtures of the partner API tests: a frozen clock, the page world, token clients."""

import datetime as dt

import pytest
import time_machine

from core import calendar
from tests.api_tokens import token_headers
from tests.worlds import PROCUREMENT_WORLD, TZ, World, world_build

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # a Monday, no holiday nearby


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(db, clock) -> World:
    return world_build(**PROCUREMENT_WORLD, social_workers=1)


class TokenClient:
    """The test client with a token of one user in every request (``api.get(user, url)``)."""

    def __init__(self, client):
        self.client = client
        self.headers = {}

    def _headers(self, user):
        if user is None:
            return {}
        if user.pk not in self.headers:
            self.headers[user.pk] = token_headers(user)
        return self.headers[user.pk]

    def get(self, user, url, **kw):
        return self.client.get(url, headers=self._headers(user), **kw)

    def post(self, user, url, data=None, *, json=True, **kw):
        if json:
            return self.client.post(url, data=data or {}, content_type="application/json",
                                    headers=self._headers(user), **kw)
        return self.client.post(url, data=data or {}, headers=self._headers(user), **kw)


@pytest.fixture
def api(client) -> TokenClient:
    return TokenClient(client)
