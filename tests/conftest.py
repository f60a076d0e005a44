import pytest
from django.db.backends.signals import connection_created


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Run celery tasks inline unless a test starts a real worker."""
    from config.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False
    # An eager task sets celery's process-wide "inside a task" flag while it runs and restores
    # the value it found: eager tasks in concurrent threads (the bid rush tests) can restore
    # another thread's True, and every later result.get() in this process then raised "Never
    # call result.get() within a task!" (tests/test_celery.py). The platform never waits on a
    # result; a test process is never a worker.
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


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


@pytest.fixture(autouse=True)
def _audit_anchor_dir(settings, tmp_path_factory):
    """Each test has its own audit anchors (core.audit): none from another test's database."""
    settings.AUDIT_ANCHOR_DIR = tmp_path_factory.mktemp("anchors")


def _allow_audit_truncate(sender, connection, **kwargs):
    """Let the test runner's flush (TRUNCATE between transactional tests) through the audit
    log's PostgreSQL guard (core/migrations/0005); UPDATE and DELETE stay refused."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET sanshe.audit_truncate = 'allow'")


connection_created.connect(_allow_audit_truncate, dispatch_uid="tests-allow-audit-truncate")


@pytest.fixture
def postgresql_required():
    """Skip the test unless the database is PostgreSQL (row locks between connections, its
    triggers); fail it in CI's PostgreSQL pass if the connection is not PostgreSQL after all."""
    import os

    from django.db import connection

    if connection.vendor != "postgresql":
        if os.environ.get("CI") and os.environ.get("DATABASE_URL", "").startswith("postgres"):
            pytest.fail("the suite runs on PostgreSQL but the connection is not PostgreSQL")
        pytest.skip("needs PostgreSQL (DATABASE_URL); runs in CI's PostgreSQL pass")


def pytest_collection_modifyitems(config, items):
    """Leave the ``fuzz`` tests (schemathesis, minutes) out unless ``-m`` names them
    (scripts/ci-fuzz runs ``-m fuzz``)."""
    if "fuzz" in (config.option.markexpr or ""):
        return
    fuzz = [item for item in items if item.get_closest_marker("fuzz")]
    if fuzz:
        config.hook.pytest_deselected(items=fuzz)
        items[:] = [item for item in items if not item.get_closest_marker("fuzz")]
