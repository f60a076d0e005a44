"""The API's throttles, open while their cache is unreachable.

With CACHE_URL the throttles count in Redis, shared by every node. DRF's throttles ask the cache
on every API request and let its error through: with Redis down every API call, a bid in a
deadline rush included, would answer 500 (issue 11 item 6: Redis down while bids are submitted).
These let the request through instead and log it; counting resumes when Redis is back. The
login lockout (django-axes) counts in the database and holds meanwhile.
"""

import logging

from rest_framework import throttling

logger = logging.getLogger(__name__)


def cache_errors() -> tuple[type[BaseException], ...]:
    """Return the exceptions a cache backend raises when its server is unreachable."""
    try:
        from redis.exceptions import RedisError
    except ImportError:  # pragma: no cover - redis comes with celery[redis]
        return (OSError,)
    return (RedisError, OSError)


class FailOpenThrottleMixin:
    """Allow the request when the cache cannot be asked (logged at WARNING)."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except cache_errors():
            logger.warning("throttle %s skipped: its cache is unreachable",
                           type(self).__name__, exc_info=True)
            return True


class AnonRateThrottle(FailOpenThrottleMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(FailOpenThrottleMixin, throttling.UserRateThrottle):
    pass
