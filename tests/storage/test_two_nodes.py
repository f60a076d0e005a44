"""Two web nodes, one platform (issue 11 item 7): two server processes share PostgreSQL, Redis
(cache and sessions) and an S3 bucket (moto) and nothing else. A bidder signed in on node A
downloads its bid file and receipt PDF from node B; a rival signed in on node B gets 404;
signing out on node B signs out on node A."""

import os
import re
import socket
import subprocess
import sys
import time
from decimal import Decimal

import pytest
import requests
from django.db import connection
from django.urls import reverse

from core import crypto
from procurement.services.bid_files import bid_files_add
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.storage.conftest import REGION
from tests.storage.test_shared_cache import _redis_url
from tests.worlds import PROCUREMENT_WORLD, bids_submitted, tender_published, world_build

_MUST_RUN = bool(os.environ.get("CI")) and os.environ.get("DATABASE_URL", "").startswith("postgres")
pytestmark = [pytest.mark.postgres, pytest.mark.redis,
              pytest.mark.skipif(connection.vendor != "postgresql" and not _MUST_RUN,
                                 reason="two nodes need PostgreSQL (DATABASE_URL); runs in CI's "
                                        "PostgreSQL pass")]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = b"%PDF-1.4\n% uploaded on one node\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(port: int, env: dict, log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}",
                             "--noreload", "--skip-checks"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def _wait(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the node exited"
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"node on port {port} did not start")


def _login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}{reverse('login')}", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(f"{base}{reverse('login')}", timeout=30, allow_redirects=False,
                          data={"username": username, "password": DEFAULT_PASSWORD,
                                "csrfmiddlewaretoken": token}, headers={"Referer": base})
    assert answer.status_code == 302, answer.text[:500]
    return session


def _key_ring_text() -> str:
    """This process's sealing key ring, the current key first, as SEALING_KEKS text."""
    current, ring = crypto.key_ring()
    order = [current, *(kek_id for kek_id in ring if kek_id != current)]
    return ",".join(crypto.key_ring_entry(kek_id, ring[kek_id]) for kek_id in order)


@pytest.fixture
def nodes(django_db_serialized_rollback, transactional_db, bucket, s3_endpoint, tmp_path):
    if connection.vendor != "postgresql":
        pytest.fail("the suite runs on PostgreSQL but the connection is not PostgreSQL")
    db = connection.settings_dict
    database_url = (f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}"
                    f":{db['PORT'] or 5432}/{db['NAME']}")
    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("DATABASE_", "CELERY_", "CACHE_", "AWS_", "DJANGO_"))}
    prefix = f"sanshe-nodes-{bucket.name}"
    shared = {"DATABASE_URL": database_url, "CACHE_URL": _redis_url(), "CACHE_KEY_PREFIX": prefix,
              "AWS_STORAGE_BUCKET_NAME": bucket.name, "AWS_S3_ENDPOINT_URL": s3_endpoint,
              "AWS_S3_REGION_NAME": REGION, "AWS_S3_ACCESS_KEY_ID": "testing",
              "AWS_S3_SECRET_ACCESS_KEY": "testing", "CELERY_TASK_ALWAYS_EAGER": "1",
              # The same key ring as this process: the bid it seals is opened by the nodes.
              "SEALING_KEKS": _key_ring_text()}
    procs, bases = [], []
    for name in ("a", "b"):
        port = _free_port()
        env = {**base_env, **shared, "DATA_DIR": str(tmp_path / name)}
        log = open(tmp_path / f"node-{name}.log", "wb")  # noqa: SIM115 - closed below
        procs.append((_start(port, env, log), log))
        bases.append((port, f"http://127.0.0.1:{port}"))
    try:
        for (port, _base), (proc, _log) in zip(bases, procs, strict=True):
            _wait(port, proc)
        yield [base for _port, base in bases]
    finally:
        for proc, log in procs:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=30)
            log.close()
        import redis

        client = redis.Redis.from_url(_redis_url())
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)


def test_signed_in_on_one_node_served_by_the_other(nodes, bucket, tmp_path):
    world = world_build(**PROCUREMENT_WORLD)
    tender = tender_published(world)
    [bid] = bids_submitted(world, tender, prices=[Decimal("280000")])
    bidder, rival = world.supplier_staff[0], world.supplier_staff[1]
    from django.core.files.uploadedfile import SimpleUploadedFile

    [stored] = bid_files_add(bid=bid, actor=bidder,
                             files=[SimpleUploadedFile("方案.pdf", DATA, "application/pdf")])
    assert stored.file.name in bucket.keys()
    node_a, node_b = nodes
    download = reverse("core:file-download", args=[stored.pk])
    receipt = reverse("procurement:bid-receipt-pdf", args=[bid.receipts.order_by("id").first().pk])

    on_a = _login(node_a, bidder.username)
    on_b = requests.Session()
    on_b.cookies.update(on_a.cookies)  # the load balancer sends the next request elsewhere
    got = on_b.get(f"{node_b}{download}", timeout=30, allow_redirects=False)
    assert got.status_code == 200 and got.content == DATA
    pdf = on_b.get(f"{node_b}{receipt}", timeout=60, allow_redirects=False)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert any(key.startswith("documents/") for key in bucket.keys())  # rendered into the bucket
    assert on_a.get(f"{node_a}{receipt}", timeout=60).content == pdf.content

    other = _login(node_b, rival.username)
    assert other.get(f"{node_a}{download}", timeout=30, allow_redirects=False).status_code == 404

    # Signing out on node B ends the session on node A too.
    token = on_b.cookies.get("csrftoken")
    out = on_b.post(f"{node_b}{reverse('logout')}", data={"csrfmiddlewaretoken": token},
                    headers={"Referer": node_b}, timeout=30, allow_redirects=False)
    assert out.status_code == 302
    after = on_a.get(f"{node_a}{download}", timeout=30, allow_redirects=False)
    assert after.status_code != 200 and after.content != DATA
