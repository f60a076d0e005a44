"""Sealed bids encrypted at rest until opening (procurement.sealing, core.crypto; issue 10).

Before opening a copy of the database (dumpdata, and pg_dump on PostgreSQL) and of the files
directory holds none of a bid's price, proposal, file content or file name; the bidder reads its
own bid back; the opening writes everything back in clear for the committee.
"""

import datetime as dt
import io
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from core import crypto
from core.files import SEALED_MIME_TYPE
from core.models import AuditEntry, StoredFile
from procurement.models import Bid, TenderKey
from procurement.selectors import bid_files_shown_for_user, bid_get_for_user
from procurement.services.bid_files import bid_submit_with_files
from tests.worlds import bids_opened_at_deadline, tender_published

PRICE = "314159.27"
PROPOSAL = "PROPOSAL-MARKER-b7e1 服务方案：每周三次入户探访"
CONTENT = b"FILE-CONTENT-MARKER-9c4d"
PDF = b"%PDF-1.4\n% " + CONTENT + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FILE_NAME = "NAME-MARKER-a5f2.pdf"
MARKERS = [PRICE.encode(), b"PROPOSAL-MARKER-b7e1", CONTENT, b"NAME-MARKER-a5f2"]


def ring(*entries) -> str:
    return ",".join(crypto.key_ring_entry(kek_id, key) for kek_id, key in entries)


K1, K2 = ("k1", crypto.generate_key()), ("k2", crypto.generate_key())


@pytest.fixture
def storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "files")}}}
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.SEALING_KEKS = ring(K1)
    return tmp_path / "files"


def marked_bid(world, tender) -> Bid:
    return bid_submit_with_files(
        tender=tender, actor=world.supplier_staff[0], organization=world.suppliers[0],
        price=PRICE, proposal=PROPOSAL,
        files=[SimpleUploadedFile(FILE_NAME, PDF, content_type="application/pdf")])


def found_in_files(root: Path) -> list[tuple[str, bytes]]:
    hits = []
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            data = path.read_bytes() + str(path).encode()
            hits += [(str(path), m) for m in MARKERS if m in data]
    return hits


def found_in_dump(*exclude) -> list[bytes]:
    out = io.StringIO()
    call_command("dumpdata", *[f"--exclude={label}" for label in exclude], stdout=out)
    data = out.getvalue().encode()
    return [m for m in MARKERS if m in data]


def test_database_and_files_hold_nothing_of_a_sealed_bid_until_opening(world, clock, storage):
    tender = tender_published(world)
    last_entry = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    bid = marked_bid(world, tender)
    others = [bid_submit_with_files(
        tender=tender, actor=world.supplier_staff[i], organization=world.suppliers[i],
        price=p, proposal=f"方案{i}",
        files=[SimpleUploadedFile(f"b{i}.pdf", PDF.replace(CONTENT, b"other %d" % i),
                                  content_type="application/pdf")])
        for i, p in ((1, "270000"), (2, "260000"))]

    assert found_in_dump() == []
    assert found_in_files(storage) == []
    row = Bid.objects.get(pk=bid.pk)
    assert row.price is None and row.proposal == "" and row.is_sealed
    [stored] = StoredFile.objects.filter(object_id=bid.pk,
                                         content_type=ContentType.objects.get_for_model(Bid))
    assert (stored.original_name, stored.mime_type) == ("sealed.bin", SEALED_MIME_TYPE)
    assert stored.file.name.endswith(".bin")
    # The audit log names neither the bidder's organization nor the file (only the actor).
    for entry in AuditEntry.objects.filter(pk__gt=last_entry):
        text = f"{entry.target_repr} {entry.before} {entry.after}"
        assert world.suppliers[0].name not in text and "NAME-MARKER" not in text

    # The bidder reads its own bid back before opening: price, proposal, file name and content.
    own = bid_get_for_user(user=world.supplier_staff[0], bid_id=bid.pk)
    assert (own.price, own.proposal) == (Decimal(PRICE), PROPOSAL)
    [shown] = bid_files_shown_for_user(user=world.supplier_staff[0], bid=own)
    assert shown.original_name == FILE_NAME
    with pytest.raises(RuntimeError):
        own.save()  # decrypted in memory only: never written back in clear

    tender = bids_opened_at_deadline(clock, tender)
    row = Bid.objects.get(pk=bid.pk)
    assert (row.price, row.proposal, row.is_sealed) == (Decimal(PRICE), PROPOSAL, False)
    stored.refresh_from_db()
    assert (stored.original_name, stored.mime_type) == (FILE_NAME, "application/pdf")
    with stored.file.open("rb") as handle:
        assert handle.read() == PDF
    assert Bid.objects.get(pk=others[0].pk).price == Decimal("270000.00")
    assert set(found_in_dump()) == set(MARKERS) - {CONTENT}  # the file's bytes stay on disk
    assert {m for _p, m in found_in_files(storage)} == {CONTENT}  # the clear file, once


def test_the_bidder_downloads_its_sealed_file_others_get_404(client, world, storage):
    tender = tender_published(world)
    bid = marked_bid(world, tender)
    stored = StoredFile.objects.get(object_id=bid.pk, content_type=ContentType.objects.get_for_model(Bid))
    url = reverse("core:file-download", args=[stored.pk])
    client.force_login(world.supplier_staff[0])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert FILE_NAME in response["Content-Disposition"]
    for user in (world.supplier_staff[1], world.purchaser, world.superuser):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_tampered_or_swapped_ciphertext_is_refused(world, storage):
    tender = tender_published(world)
    bid = marked_bid(world, tender)
    other = bid_submit_with_files(tender=tender, actor=world.supplier_staff[1],
                                  organization=world.suppliers[1], price="1000.00",
                                  proposal="方案", files=[SimpleUploadedFile(
                                      "x.pdf", PDF.replace(CONTENT, b"x"),
                                      content_type="application/pdf")])
    # Another bid's sealed price copied over this one's: bound to its bid, it does not open.
    Bid.objects.filter(pk=bid.pk).update(sealed_price=Bid.objects.get(pk=other.pk).sealed_price)
    with pytest.raises(crypto.SealingError) as error:
        bid_get_for_user(user=world.supplier_staff[0], bid_id=bid.pk)
    assert error.value.code == "sealing_tampered"


def test_missing_or_wrong_kek_is_refused_clearly(client, world, storage, settings):
    tender = tender_published(world)
    bid = marked_bid(world, tender)
    settings.SEALING_KEKS = ring(("k1", crypto.generate_key()))  # same id, another key
    with pytest.raises(crypto.SealingError) as error:
        bid_get_for_user(user=world.supplier_staff[0], bid_id=bid.pk)
    assert error.value.code == "sealing_tampered"
    settings.SEALING_KEKS = ring(K2)  # the tender's KEK is not in the ring
    with pytest.raises(crypto.SealingError) as error:
        bid_get_for_user(user=world.supplier_staff[0], bid_id=bid.pk)
    assert error.value.code == "sealing_key"
    client.force_login(world.supplier_staff[0])
    response = client.get(reverse("procurement:bid-detail", args=[bid.pk]))
    assert response.status_code == 400
    assert "密封密钥" in response.content.decode()


def test_a_malformed_key_ring_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    for text in ("k1", "k1:abc", ":" + crypto.key_ring_entry("x", K1[1]).split(":")[1]):
        with pytest.raises(ImproperlyConfigured):
            crypto.parse_key_ring(text)


def test_rotation_rewraps_data_keys_under_the_current_kek(world, clock, storage, settings):
    tender = tender_published(world)
    bid = marked_bid(world, tender)
    assert TenderKey.objects.get(tender=tender).kek_id == "k1"
    settings.SEALING_KEKS = ring(K2, K1)  # k2 current, k1 kept until the rotation ran
    out = io.StringIO()
    call_command("rotate_sealing_kek", stdout=out)
    assert "rewrapped 1" in out.getvalue()
    assert TenderKey.objects.get(tender=tender).kek_id == "k2"
    assert AuditEntry.objects.filter(action="sealing.rotate").exists()
    settings.SEALING_KEKS = ring(K2)  # the old KEK is gone: the bid still opens
    assert bid_get_for_user(user=world.supplier_staff[0], bid_id=bid.pk).price == Decimal(PRICE)


def test_admin_pages_show_nothing_of_a_sealed_bid(client, world, storage):
    tender = tender_published(world)
    bid = marked_bid(world, tender)
    client.force_login(world.superuser)
    for url in ("/admin/core/storedfile/", "/admin/core/auditentry/", "/admin/procurement/bid/"):
        page = client.get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        assert "NAME-MARKER" not in html and PRICE not in html, url
        if "auditentry" not in url:  # the world's set-up rows name the organization
            assert world.suppliers[0].name not in html, url
            assert str(world.supplier_staff[0]) not in html, url  # nor its uploader
    assert client.get(f"/admin/procurement/bid/{bid.pk}/change/").status_code in (302, 404)
    stored = StoredFile.objects.get(object_id=bid.pk, content_type=ContentType.objects.get_for_model(Bid))
    html = client.get(f"/admin/core/storedfile/{stored.pk}/change/").content.decode()
    assert "NAME-MARKER" not in html and str(world.supplier_staff[0]) not in html


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pg_dump_holds_nothing_of_a_sealed_bid(world, storage):
    if connection.vendor != "postgresql" or not shutil.which("pg_dump"):
        pytest.skip("needs PostgreSQL and pg_dump")
    tender = tender_published(world)
    marked_bid(world, tender)
    params = connection.get_connection_params()
    args = ["pg_dump", "--data-only", "-d", params.get("dbname") or params.get("database"),
            "-h", params.get("host") or "127.0.0.1", "-U", params.get("user") or "postgres"]
    if params.get("port"):
        args += ["-p", str(params["port"])]
    dump = subprocess.run(args, capture_output=True, check=True,
                          env={**os.environ, "PGPASSWORD": params.get("password") or ""}).stdout
    assert b"procurement_bid" in dump  # the dump did hold the tables
    assert [m for m in MARKERS if m in dump] == []


def test_final_quote_sealed_at_rest_until_its_round_closes(client, world, storage):
    import datetime as dt

    import time_machine

    from procurement.models import FinalQuote
    from procurement.services.final_quotes import final_quote_round_open, final_quote_submit
    from tests.worlds import tender_opened

    tender = tender_opened(world, method="consultation", price_weight=Decimal("20"))
    with time_machine.travel(tender.bid_deadline + dt.timedelta(minutes=10), tick=False):
        round_ = final_quote_round_open(tender=tender, actor=world.purchaser,
                                        deadline=tender.bid_deadline + dt.timedelta(hours=2))
        quote = final_quote_submit(round=round_, actor=world.supplier_staff[0],
                                   organization=world.suppliers[0], price="251234.56")
        assert quote.price == Decimal("251234.56")  # the bidder's own object
        row = FinalQuote.objects.get(pk=quote.pk)
        assert row.price is None and row.sealed_price is not None
        out = io.StringIO()
        call_command("dumpdata", "procurement", "core", stdout=out)
        assert "251234.56" not in out.getvalue()
        client.force_login(world.supplier_staff[0])  # the bidder reads its own quote back
        page = client.get(reverse("procurement:final-quotes", args=[tender.pk]))
        assert "251,234.56" in page.content.decode() or "251234.56" in page.content.decode()
        for i in (1, 2):
            final_quote_submit(round=round_, actor=world.supplier_staff[i],
                               organization=world.suppliers[i], price=f"26000{i}.00")
    assert FinalQuote.objects.get(pk=quote.pk).price == Decimal("251234.56")  # unsealed at close
    assert not FinalQuote.objects.filter(sealed_price__isnull=False).exists()


def test_migration_seals_the_bids_of_unopened_tenders(world, clock, storage):
    """procurement 0020's data step, run on bids stored in clear (as before the change)."""
    import importlib

    from django.apps import apps

    from core.files import stored_file_create
    from procurement.sealing import bid_plaintext
    from tests.factories.procurement import BidFactory

    migration = importlib.import_module("procurement.migrations.0020_bid_sealing_at_rest")
    tender = tender_published(world)
    bid = BidFactory(tender=tender, organization=world.suppliers[0], price=Decimal(PRICE),
                     proposal=PROPOSAL, submitted_by=world.supplier_staff[0])
    stored = stored_file_create(file=SimpleUploadedFile(FILE_NAME, PDF), owner=bid,
                                actor=world.supplier_staff[0], allowed=("pdf",))
    assert found_in_files(storage) != []
    migration.seal_unopened_bids(apps, None)
    # The append-only audit log keeps the file name its upload recorded before the change
    # (docs/security.md); everything else is sealed.
    assert found_in_dump("core.auditentry") == [] and found_in_files(storage) == []
    bid = Bid.objects.get(pk=bid.pk)
    assert bid_plaintext(bid) == (Decimal(PRICE), PROPOSAL)
    [shown] = bid_files_shown_for_user(user=world.supplier_staff[0], bid=bid)
    assert (shown.pk, shown.original_name) == (stored.pk, FILE_NAME)


def test_the_audit_log_does_not_name_who_bid_until_the_opening(client, world, storage, clock):
    """The entries about a sealed bid and its files keep their actor in the chain, but the audit
    log's pages hide who acted and from where, and a search by the bidder's name does not find
    them; after the opening they show as any other entry."""
    tender = tender_published(world)
    marked_bid(world, tender)
    bidder = world.supplier_staff[0]
    entries = list(AuditEntry.objects.filter(
        action__in=["bid.submit", "file.upload"], actor=bidder).order_by("pk"))
    assert {e.action for e in entries} == {"bid.submit", "file.upload"}  # the chain knows
    client.force_login(world.superuser)

    def page(**query):
        return client.get("/admin/core/auditentry/", query).content.decode()

    listed = page(action="bid.submit")
    assert "<td class=\"field-action\">bid.submit</td>" in listed
    assert str(bidder) not in listed and "（密封，开标后显示）" in listed
    files = page(action="file.upload")  # a page asks only about the bids its entries name
    assert "file.upload" in files and str(bidder) not in files
    found = page(q=bidder.username) + page(q=str(bidder))
    assert all(f"/admin/core/auditentry/{e.pk}/change/" not in found for e in entries)
    for entry in entries:
        detail = client.get(f"/admin/core/auditentry/{entry.pk}/change/").content.decode()
        assert entry.action in detail and str(bidder) not in detail

    bids_opened_at_deadline(clock, tender)
    client.force_login(world.superuser)
    listed = page(action="bid.submit")
    assert str(bidder) in listed
    found = page(q=bidder.username) + page(q=str(bidder))
    assert all(f"/admin/core/auditentry/{e.pk}/change/" in found for e in entries)


@pytest.mark.parametrize("where", ["in bids_open", "at the task's commit"])
def test_an_opening_that_fails_after_unsealing_leaves_no_clear_copy(world, clock, storage,
                                                                     monkeypatch, where):
    """The files are written back in clear early in bids_open; an error later in the opening
    (or its commit) rolls the bids back to sealed and removes the clear copies from storage."""
    from procurement import tasks
    from procurement.services import bids as bid_service

    tender = tender_published(world)
    bid = marked_bid(world, tender)
    clock.move_to(tender.bid_deadline + dt.timedelta(minutes=1))
    if where == "in bids_open":
        def fail(*args, **kwargs):
            raise RuntimeError("a later step of the opening failed")
        monkeypatch.setattr(bid_service, "flag_collusion_signals", fail)
        with pytest.raises(RuntimeError):
            bid_service.bids_open(tender=tender)
    else:
        opened = bid_service.bids_open

        def open_then_fail_commit(**kwargs):
            opened(**kwargs)
            raise RuntimeError("the commit failed")
        monkeypatch.setattr(bid_service, "bids_open", open_then_fail_commit)
        assert tasks.open_due_tenders() == []  # logged, the tender left for the next run
    assert found_in_files(storage) == []
    bid.refresh_from_db()
    assert bid.is_sealed and bid.tender.opened_at is None
    stored = StoredFile.objects.get(object_id=bid.pk)
    assert stored.mime_type == SEALED_MIME_TYPE and stored.file.storage.exists(stored.file.name)


def test_an_opening_run_without_the_kek_logs_the_tender_it_cannot_open(world, clock, storage,
                                                                        settings, caplog):
    """A worker whose KEK ring lacks the tender's key cannot unseal its bids: the run leaves the
    tender published (nothing half-opened) and says so at ERROR, not as a quiet "not due"."""
    from procurement import tasks

    tender = tender_published(world)
    marked_bid(world, tender)
    clock.move_to(tender.bid_deadline + dt.timedelta(minutes=1))
    settings.SEALING_KEKS = ring(K2)  # another machine's key only
    assert tasks.open_due_tenders() == []
    tender.refresh_from_db()
    assert tender.opened_at is None and tender.status == "published"
    assert f"opening tender {tender.pk} failed: its bids cannot be unsealed here" in caplog.text
    assert found_in_files(storage) == []
