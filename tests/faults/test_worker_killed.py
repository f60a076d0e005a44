"""A worker killed in the middle of an e-mail or a PDF render: the task is redelivered and done
once (acks_late + reject_on_worker_lost; the tasks re-check their row under a lock).

The worker (tests/faults/worker_app.py) stops at a fault point inside the send or the render
(tests/faults/hooks.py); the test SIGKILLs that pool process, or the whole worker.
"""

import os
import signal

import pytest

from core.documents import document_request
from core.models import Document, Notification
from core.notifications import notify
from core.queue import enqueue
from core.tasks import render_document, send_notification_emails, send_pending_emails
from tests.factories.accounts import UserFactory
from tests.faults.conftest import (
    SAMPLE_TEMPLATE,
    mails,
    paused,
    sample_context,
    task_runs,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker, pytest.mark.faults,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def recipient(postgres_db):
    return UserFactory(email="faults@example.org")


def test_worker_killed_while_sending_a_notification(recipient, celery_on, make_worker,
                                                    faults_dir):
    (faults_dir / "pause-mail").touch()
    worker = make_worker()
    [note] = notify(recipients=[recipient], title="故障测试：通知")
    os.kill(paused(faults_dir, "mail"), signal.SIGKILL)  # the pool process, mid-send

    wait_for(lambda: Notification.objects.get(pk=note.pk).email_sent_at, 90,
             what="the redelivered e-mail")
    assert "WorkerLostError" in worker.log() or "signal 9" in worker.log()
    # A late duplicate of the task and beat's sweeper find it sent.
    enqueue(send_notification_emails, [note.pk])
    enqueue(send_pending_emails)
    wait_for(lambda: task_runs(worker, send_notification_emails.name) >= 2
             and task_runs(worker, send_pending_emails.name) >= 1, 60, what="the late tasks")
    assert [m["subject"] for m in mails(faults_dir)] == ["故障测试：通知"]


def test_whole_worker_lost_while_sending_the_sweeper_delivers_once(
        recipient, celery_on, make_worker, faults_dir):
    (faults_dir / "pause-mail").touch()
    first = make_worker("w1")
    [note] = notify(recipients=[recipient], title="故障测试：机器失联")
    paused(faults_dir, "mail")
    first.kill()  # the whole machine: its message stays unacknowledged in Redis (visibility)
    second = make_worker("w2")
    enqueue(send_pending_emails)  # beat's sweeper, every five minutes
    wait_for(lambda: Notification.objects.get(pk=note.pk).email_sent_at, 90,
             what="the sweeper's e-mail")
    # When Redis hands the lost message out again, it finds the e-mail sent.
    enqueue(send_notification_emails, [note.pk])
    wait_for(lambda: task_runs(second, send_notification_emails.name) >= 1, 60,
             what="the late task")
    assert [m["subject"] for m in mails(faults_dir)] == ["故障测试：机器失联"]


def test_worker_killed_while_rendering_a_pdf(recipient, celery_on, make_worker, faults_dir,
                                             shared_storage):
    (faults_dir / "pause-render").touch()
    worker = make_worker()
    doc = document_request(owner=recipient, kind="faults_check", template_name=SAMPLE_TEMPLATE,
                           context=sample_context())
    os.kill(paused(faults_dir, "render"), signal.SIGKILL)  # mid-render, holding the row lock

    wait_for(lambda: Document.objects.get(pk=doc.pk).is_current, 120,
             what="the redelivered render")
    doc.refresh_from_db()
    assert doc.file.storage.exists(doc.file.name)
    assert [p.name for p in shared_storage.rglob("*.pdf")] == [os.path.basename(doc.file.name)]
    rendered = (doc.sha256, doc.generated_at)
    # Rendered once per version: a duplicate task leaves the file alone.
    runs = task_runs(worker, render_document.name)
    enqueue(render_document, doc.pk)
    wait_for(lambda: task_runs(worker, render_document.name) > runs, 60, what="the late task")
    doc.refresh_from_db()
    assert (doc.sha256, doc.generated_at) == rendered
