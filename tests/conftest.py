import pytest


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Run celery tasks inline unless a test starts a real worker."""
    from config.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False
