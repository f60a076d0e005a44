import time

from django.conf import settings
from django.utils import translation

# Session key of a privileged session: when its idle expiry was last pushed forward (epoch s).
PRIVILEGED_SESSION_KEY = "_privileged_session_refreshed"
# A privileged session is saved again at most this often (its idle clock is that precise).
PRIVILEGED_SESSION_REFRESH_SECONDS = 60


class UserLanguageMiddleware:
    """Activate the language the logged-in user chose."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "language", None):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


def is_privileged_user(user) -> bool:
    """Whether the user's session gets the short idle expiry (settings.PRIVILEGED_SESSION_ROLES).

    Asked once at login, straight from the database: the memberships cached on the user object
    are left alone.
    """
    from accounts.models import Membership

    if user.is_superuser or user.is_staff:
        return True
    return Membership.objects.filter(
        user_id=user.pk, is_active=True, role__in=settings.PRIVILEGED_SESSION_ROLES
    ).exists()


def start_privileged_session(sender, request, user, **kwargs):
    """user_logged_in receiver: a privileged user's session expires when idle, not in 2 weeks."""
    session = getattr(request, "session", None)
    if session is None or not is_privileged_user(user):
        return
    session.set_expiry(settings.PRIVILEGED_SESSION_IDLE_SECONDS)
    session[PRIVILEGED_SESSION_KEY] = int(time.time())


class PrivilegedSessionMiddleware:
    """Keep a privileged session alive while it is used, and only then.

    ``set_expiry(seconds)`` counts from the session's last save, and Django saves a session only
    when it changes; this saves a privileged one again (at most once a minute) so the expiry is
    PRIVILEGED_SESSION_IDLE_SECONDS after the last request. Other sessions are not touched.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a session the request already read (the signed-in user's): no extra query.
        if session is not None and session.accessed:
            refreshed = session.get(PRIVILEGED_SESSION_KEY)
            now = int(time.time())
            if refreshed is not None and now - refreshed >= PRIVILEGED_SESSION_REFRESH_SECONDS:
                session[PRIVILEGED_SESSION_KEY] = now
        return response
