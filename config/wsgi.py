"""The WSGI entry point (``gunicorn config.wsgi:application``).

Each worker builds Django's URL reverse tables here, once per language, before it takes a
request. Built on first use instead, they cost the first request of every worker 70–100 ms per
language: right after a restart, the bids of a deadline rush queued behind them (issue 11 item 2).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def build_url_tables() -> None:
    """Build the root URLconf's reverse tables for every language of settings.LANGUAGES."""
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation

    resolver = get_resolver()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            resolver.reverse_dict  # noqa: B018 - built on first access, for the active language


build_url_tables()
