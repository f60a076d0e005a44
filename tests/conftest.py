import pytest


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Run celery tasks inline unless a test starts a real worker."""
    from config.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _default_language():
    """Start every test in the default language: a request as an English user activates English
    in the thread, and Django leaves it active after the response."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Start every test with an empty cache: the API throttles count requests there, and user
    ids repeat from test to test."""
    from django.core.cache import cache

    cache.clear()
    yield
