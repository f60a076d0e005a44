"""Redis down while bids are submitted: the bid is saved and answered at once; its e-mails and a
document requested meanwhile are delivered once Redis is back (beat's sweepers), exactly once.

Our own redis-server (tests/faults/conftest.py) is the broker of this process and of a real
worker on the test database; the test kills it and starts it again on the same port.
"""

import re
import time

import pytest

from core.documents import document_request
from core.models import Document, Notification
from core.queue import enqueue
from core.tasks import render_pending_documents, send_notification_emails, send_pending_emails
from procurement.models import Bid, BidReceipt
from tests.faults.conftest import (
    SAMPLE_TEMPLATE,
    mails,
    sample_context,
    task_runs,
    wait_for,
)
from tests.worlds import PROCUREMENT_WORLD, bid_files, tender_published, world_build

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker, pytest.mark.faults,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def world_and_tender(postgres_db):
    world = world_build(**PROCUREMENT_WORLD)  # built eagerly, before the broker goes live
    return world, tender_published(world)


def test_redis_down_while_bids_are_submitted(world_and_tender, celery_on, redis_server,
                                             make_worker, faults_dir, shared_storage, client):
    world, tender = world_and_tender
    assert not Notification.objects.filter(email_sent_at__isnull=True, send_email=True,
                                           recipient__email__gt="").exists()
    worker = make_worker()  # running all along: it must reconnect by itself
    redis_server.stop()

    started = time.monotonic()
    client.force_login(world.supplier_staff[0])
    response = client.post(f"/api/procurement/tenders/{tender.pk}/bids/", {
        "organization": world.suppliers[0].pk, "price": "280000.00", "proposal": "方案",
        "files": bid_files()})
    elapsed = time.monotonic() - started
    assert response.status_code == 201, response.content
    print(f"bid answered {response.status_code} in {elapsed:.2f}s with Redis down")
    assert elapsed < 10, f"the bid took {elapsed:.1f}s with Redis down"
    bid = Bid.objects.get()
    assert BidReceipt.objects.filter(bid=bid).exists()
    doc = document_request(owner=tender, kind="faults_check", template_name=SAMPLE_TEMPLATE,
                           context=sample_context())
    pending = list(Notification.objects.filter(
        email_sent_at__isnull=True, send_email=True, recipient__email__gt="")
        .values_list("pk", "recipient__email", "title"))
    assert pending, "the bid notified nobody by e-mail"
    assert "could not enqueue" not in worker.log()  # the web side logged it, not the worker
    time.sleep(1)
    assert mails(faults_dir) == [] and not Document.objects.get(pk=doc.pk).is_current

    redis_server.start()
    # Beat's next runs of the sweepers (it sends them the same way once Redis answers).
    assert enqueue(send_pending_emails) and enqueue(render_pending_documents)
    wait_for(lambda: not Notification.objects.filter(
        pk__in=[p[0] for p in pending], email_sent_at__isnull=True).exists(), 120,
        what="the pending e-mails to be sent")
    wait_for(lambda: Document.objects.get(pk=doc.pk).is_current, 120,
             what="the pending document to be rendered")
    print(f"{len(pending)} e-mails and 1 document delivered "
          f"{time.monotonic() - started:.1f}s after the bid (Redis back, sweepers run)")
    doc.refresh_from_db()
    assert doc.file.storage.exists(doc.file.name)
    rendered_at = doc.generated_at

    # Beat runs again and a late task for the same notifications arrives: nothing twice.
    runs = task_runs(worker, send_notification_emails.name)
    enqueue(send_pending_emails)
    enqueue(render_pending_documents)
    enqueue(send_notification_emails, [p[0] for p in pending])
    wait_for(lambda: task_runs(worker, send_notification_emails.name) > runs
             and task_runs(worker, send_pending_emails.name) >= 2
             and task_runs(worker, render_pending_documents.name) >= 2, 60,
             what="the second runs")
    sent = sorted((m["to"][0], m["subject"]) for m in mails(faults_dir))
    assert sent == sorted((email, title) for _, email, title in pending)
    doc.refresh_from_db()
    assert doc.generated_at == rendered_at
    assert re.search(r"[Cc]onnect", worker.log())  # it did lose and regain the broker
