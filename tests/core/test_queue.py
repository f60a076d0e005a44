"""core.queue: a broker outage never breaks the request; the outbox rows are swept later."""

import logging
import time

import pytest
from celery import shared_task

from core.documents import document_request
from core.models import Document, Notification
from core.notifications import notify
from core.queue import enqueue
from core.tasks import render_pending_documents, send_notification_emails
from tests.faults.conftest import _reset_pools, free_port

TEMPLATE = "core/document_sample.html"
CONTEXT = {"title": "清扫测试", "number": "Q-1", "paragraphs": ["段落"],
           "rows": [{"name": "活动", "amount": "10.00"}]}


@pytest.fixture
def broker_down(settings, monkeypatch):
    """This process's tasks go to a Redis port where nothing listens (not eagerly)."""
    import os

    from config.celery import app

    for name in [k for k in os.environ if k.startswith("CELERY_")]:
        monkeypatch.delenv(name)  # celery prefers CELERY_BROKER_URL over its configuration

    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager",
                                      "broker_transport_options")}
    app.conf.task_always_eager = False
    app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    app.conf.broker_transport_options = settings.REDIS_BROKER_TRANSPORT_OPTIONS
    _reset_pools(app)
    yield
    app.conf.update(saved)
    _reset_pools(app)


def test_enqueue_with_the_broker_down_returns_false_fast_and_logs(broker_down, caplog):
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="core.queue"):
        assert enqueue(send_notification_emails, [1]) is False
    assert time.monotonic() - started < 3
    assert "could not enqueue core.tasks.send_notification_emails" in caplog.text


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_notify_commits_with_the_broker_down(broker_down, make_user):
    user = make_user("outbox-user")
    started = time.monotonic()
    [note] = notify(recipients=[user], title="代理不可用时的通知")  # autocommit: hook runs now
    assert time.monotonic() - started < 3
    note = Notification.objects.get(pk=note.pk)
    assert note.email_sent_at is None  # still in the outbox for send_pending_emails


@shared_task(name="tests.core.test_queue.broken")
def broken_task():
    raise ValueError("a bug in the task")


def test_enqueue_in_eager_mode_lets_task_errors_through():
    with pytest.raises(ValueError, match="a bug in the task"):
        enqueue(broken_task)


@pytest.mark.django_db
def test_render_pending_documents_renders_what_was_never_rendered_once(
        make_user, file_storage, django_capture_on_commit_callbacks):
    owner = make_user("doc-owner")
    with django_capture_on_commit_callbacks(execute=False) as lost:
        doc = document_request(owner=owner, kind="sweep", template_name=TEMPLATE, context=CONTEXT)
    assert lost  # the render was scheduled, and lost (broker down, process died)
    assert not Document.objects.get(pk=doc.pk).is_current
    assert render_pending_documents() == [doc.pk]
    doc.refresh_from_db()
    assert doc.is_current and (file_storage / doc.file.name).exists()
    assert render_pending_documents() == []  # nothing left, nothing rendered twice
