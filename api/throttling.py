"""Throttles of the partner API: per token (scope ``token``) besides per user and per address."""

from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken
from core.throttling import AnonRateThrottle, FailOpenThrottleMixin, UserRateThrottle


class TokenRateThrottle(FailOpenThrottleMixin, SimpleRateThrottle):
    """Count the requests of one API token (``DEFAULT_THROTTLE_RATES["token"]``); a session
    request is not counted here (the per-user throttle counts it)."""

    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


V1_THROTTLES = [AnonRateThrottle, UserRateThrottle, TokenRateThrottle]
