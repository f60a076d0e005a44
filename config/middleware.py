"""Middleware of the back office."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from viewflow.middleware import SiteMiddleware as ViewflowSiteMiddleware


class SiteMiddleware(ViewflowSiteMiddleware):
    """Send anonymous visitors of viewflow's site to the login page instead of a 403."""

    def process_view(self, request, callback, callback_args, callback_kwargs):
        try:
            return super().process_view(request, callback, callback_args, callback_kwargs)
        except PermissionDenied:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            raise
