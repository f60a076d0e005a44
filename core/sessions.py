"""Sessions read from the cache and written through to the database, surviving a cache outage.

The session engine with CACHE_URL (config/settings.py). Django's ``cached_db`` falls back to the
database when the cache fails to read a session or to save one, but not when it copies a
session read from the database into the cache (every request while Redis is down), checks that
a new key is free (every login) or removes a session (logout, the key changed at login): with
Redis down those answered 500. Here they use the database alone and log it.

A session removed, or changed, while the cache was unreachable may still sit in Redis, which
would serve that copy once it is back (a signed-out session signed in again): its cache key is
recorded (``core.models.SessionCachePurge``) and ``core.tasks.session_cache_purge`` (beat, every
30 s) removes the copy as soon as Redis answers.
"""

import logging

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore

from core.throttling import cache_errors

logger = logging.getLogger(__name__)


def _purge_later(cache_key: str) -> None:
    """Record a cached copy to remove once the cache answers again."""
    from core.models import SessionCachePurge

    SessionCachePurge.objects.get_or_create(cache_key=cache_key)


class SessionStore(cached_db.SessionStore):
    def load(self):
        """Django's, the copy into the cache allowed to fail."""
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # noqa: BLE001 - as Django's: any cache failure reads the database
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        try:
            self._cache.set(self.cache_key, data,
                            self.get_expiry_age(expiry=stored.expire_date))
        except cache_errors():
            logger.warning("session cache unreachable: session read from the database",
                           exc_info=True)
        return data

    def exists(self, session_key):
        try:
            return super().exists(session_key)
        except cache_errors():
            logger.warning("session cache unreachable: key checked in the database only",
                           exc_info=True)
            return DatabaseStore.exists(self, session_key)

    def save(self, must_create=False):
        """Django's, a cached copy the cache could not replace recorded to remove."""
        DatabaseStore.save(self, must_create)
        try:
            self._cache.set(self.cache_key, self._session, self.get_expiry_age())
        except Exception:  # noqa: BLE001 - as Django's: the database copy is the session
            logger.warning("session cache unreachable: session saved in the database; its "
                           "cached copy will be removed once the cache answers", exc_info=True)
            _purge_later(self.cache_key)

    def delete(self, session_key=None):
        key = session_key or self.session_key
        try:
            super().delete(session_key)
        except cache_errors():
            # The database row is gone (deleted before the cache is asked): the session is
            # over for every request that misses the cache, and its copy is removed from the
            # cache as soon as it answers (core.tasks.session_cache_purge).
            logger.warning("session %s deleted from the database; its cached copy will be "
                           "removed once the cache answers", "…" + (key or "")[-4:],
                           exc_info=True)
            _purge_later(self.cache_key_prefix + key)
