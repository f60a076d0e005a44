"""Bid intake (issue 11 item 2): a bid sent with ``Prefer: respond-async`` is answered 202 at
once, sealed in a BidIntake row, and entered by a worker through bid_submit, judged by its
recorded arrival; the opening enters what is still pending first (procurement.services.intake)."""

import datetime as dt
import io
import logging
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.urls import reverse

from accounts.roles import Role
from core.exceptions import ServiceError
from core.models import Notification
from procurement import tasks
from procurement.models import Bid, BidIntake, BidReceipt, Tender
from procurement.services import intake as intake_service
from procurement.services.arrival import MAX_ARRIVAL_AGE
from procurement.services.bids import bids_open
from procurement.services.intake import bid_intake_process
from tests.procurement.services.test_bid_concurrency import HeldTransaction, _within
from tests.worlds import bid_files, tender_published

pytestmark = pytest.mark.django_db

SECOND = dt.timedelta(seconds=1)
ASYNC = {"HTTP_PREFER": "respond-async, wait=0"}
MARK_PRICE, MARK_PROPOSAL = "271828.18", "服务方案标记-INTAKE-7f3a"
MARK_FILE = b"%PDF-1.4\n% INTAKE-FILE-MARKER-93b1\n%%EOF\n"


def url(tender):
    return f"/api/procurement/tenders/{tender.pk}/bids/"


def marked_files():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return [SimpleUploadedFile("投标文件.pdf", MARK_FILE, content_type="application/pdf")]


def post(client, world, tender, n=0, headers=ASYNC, **fields):
    client.force_login(world.supplier_staff[n])
    data = {"organization": world.suppliers[n].pk, "price": MARK_PRICE,
            "proposal": MARK_PROPOSAL, "files": marked_files(), **fields}
    return client.post(url(tender), data, **headers)


def test_answered_202_at_once_sealed_and_followed_by_the_submitter(client, world):
    tender = tender_published(world)
    response = post(client, world, tender)
    assert response.status_code == 202, response.content
    assert response["Preference-Applied"] == "respond-async"
    body = response.json()
    assert body["status"] == "pending" and body["bid"] is None and body["receipt"] is None
    intake = BidIntake.objects.get()
    assert response["Location"].endswith(reverse("procurement-api:bid-intake", args=[intake.pk]))
    assert not Bid.objects.exists()  # entered after the answer, not in the request
    # Nothing of the bid is readable in the row: price, proposal and file are sealed.
    row = repr(list(BidIntake.objects.values())).encode() + bytes(intake.sealed_body)
    for marker in (MARK_PRICE.encode(), MARK_PROPOSAL.encode(), MARK_FILE,
                   b"INTAKE-FILE-MARKER"):
        assert marker not in row
    follow = client.get(reverse("procurement-api:bid-intake", args=[intake.pk]))
    assert follow.status_code == 200 and follow.json()["status_display"] == "登记中"
    for other in (world.supplier_staff[1], world.purchaser):
        client.force_login(other)
        assert client.get(reverse("procurement-api:bid-intake", args=[intake.pk])).status_code == 404


def test_the_worker_enters_it_by_its_arrival_with_a_receipt(client, world, clock,
                                                            django_capture_on_commit_callbacks):
    tender = tender_published(world)
    arrival = tender.bid_deadline - dt.timedelta(milliseconds=1500)  # microseconds too
    clock.move_to(arrival)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = post(client, world, tender)
    assert response.status_code == 202 and len(queued) == 1
    intake = BidIntake.objects.get()
    # The worker comes long after the deadline, and after the age bound of a live request.
    clock.move_to(tender.bid_deadline + 2 * MAX_ARRIVAL_AGE)
    assert tasks.process_tender_intakes(tender.pk) == 1
    intake.refresh_from_db()
    bid = Bid.objects.unsealed().get()
    assert intake.bid == bid and intake.status == BidIntake.Status.ACCEPTED
    assert bytes(intake.sealed_body) == b""
    assert bid.arrived_at == arrival
    assert str(bid.price) == MARK_PRICE and bid.proposal == MARK_PROPOSAL
    assert bid.documents.count() == 1
    receipt = BidReceipt.objects.get(bid=bid)
    assert receipt.issued_at == arrival.replace(microsecond=0)
    client.force_login(world.supplier_staff[0])
    follow = client.get(reverse("procurement-api:bid-intake", args=[intake.pk])).json()
    assert follow["status"] == "accepted" and follow["bid"] == bid.pk
    assert follow["receipt"] == receipt.number
    # Entered once: the task again (a redelivery) and the sweeper find nothing to do.
    assert tasks.process_tender_intakes(tender.pk) == 0
    assert bid_intake_process(intake.pk) is None
    assert tasks.process_pending_bid_intakes() == 0
    assert Bid.objects.count() == 1


@pytest.fixture(autouse=True)
def _no_wake_up_left():
    cache.clear()  # the wake-up keys of an earlier test (procurement.services.intake)
    yield
    cache.clear()


def test_a_rush_queues_one_task_per_tender_not_one_per_bid(client, world,
                                                         django_capture_on_commit_callbacks):
    first, second = tender_published(world), tender_published(world)
    with mock.patch.object(intake_service, "enqueue") as enqueue, \
            django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            assert post(client, world, first, n=n).status_code == 202
        assert post(client, world, second).status_code == 202
    assert [c.args[1] for c in enqueue.call_args_list] == [first.pk, second.pk]
    assert enqueue.call_args_list[0].args[0] is tasks.process_tender_intakes


def test_with_the_broker_down_the_bid_is_answered_and_the_sweeper_enters_it(
        client, world, django_capture_on_commit_callbacks):
    tender = tender_published(world)
    conf = tasks.process_tender_intakes.app.conf
    eager, conf.task_always_eager = conf.task_always_eager, False  # as in production
    try:
        with mock.patch.object(tasks.process_tender_intakes, "apply_async",
                               side_effect=ConnectionError("redis down")) as publish, \
                django_capture_on_commit_callbacks(execute=True):
            response = post(client, world, tender)
    finally:
        conf.task_always_eager = eager
    assert publish.called  # core.queue.enqueue met the outage, logged it, answered anyway
    assert response.status_code == 202
    assert BidIntake.objects.get().status == BidIntake.Status.PENDING
    assert tasks.process_pending_bid_intakes() == 1  # beat, every 30 s
    assert BidIntake.objects.get().status == BidIntake.Status.ACCEPTED


def test_with_the_cache_down_the_bid_is_answered_and_left_to_the_sweeper(
        client, world, caplog, django_capture_on_commit_callbacks):
    tender = tender_published(world)
    with mock.patch.object(intake_service.cache, "add", side_effect=ConnectionError("down")), \
            caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        assert post(client, world, tender).status_code == 202
    assert "wake-up for tender" in caplog.text
    assert BidIntake.objects.get().status == BidIntake.Status.PENDING
    assert tasks.process_pending_bid_intakes() == 1


def test_the_task_keeps_entering_what_comes_while_it_runs(client, world):
    """A request whose wake-up was skipped (a task was queued less than a second before) is
    entered by that task: it works until the tender has been quiet for longer than that."""
    tender = tender_published(world)
    assert post(client, world, tender).status_code == 202
    calls = []

    def late_arrival(seconds):  # while the task waits, another bid comes in
        calls.append(seconds)
        if len(calls) == 1:
            assert post(client, world, tender, n=1).status_code == 202

    with mock.patch.object(intake_service.time, "sleep", side_effect=late_arrival):
        assert intake_service.bid_intakes_drain(tender.pk, quiet_seconds=0.05,
                                                poll_seconds=0.01) == 2
    assert Bid.objects.filter(tender=tender).count() == 2


def test_late_and_malformed_are_refused_at_once(client, world, clock):
    tender = tender_published(world)
    response = post(client, world, tender, price="280,000")
    assert response.status_code == 400 and "千位分隔符" in response.json()["detail"]
    response = post(client, world, tender, proposal="  ")
    assert response.status_code == 400
    clock.move_to(tender.bid_deadline)
    response = post(client, world, tender)
    assert response.status_code == 400 and "投标截止时间已过" in response.json()["detail"]
    assert not BidIntake.objects.exists()


@pytest.mark.parametrize("tender_id", [0, 2**31, 2**63 - 1, 2**70])
def test_no_such_tender_is_404(client, world, tender_id):
    client.force_login(world.supplier_staff[0])
    response = client.post(f"/api/procurement/tenders/{tender_id}/bids/",
                           {"organization": world.suppliers[0].pk, "price": "280000.00",
                            "proposal": "方案", "files": bid_files()}, **ASYNC)
    assert response.status_code == 404
    assert not BidIntake.objects.exists()


def test_not_the_users_organization_is_404_and_nothing_saved(client, world):
    tender = tender_published(world)
    client.force_login(world.supplier_staff[0])
    response = client.post(url(tender), {"organization": world.suppliers[1].pk,
                                         "price": "280000.00", "proposal": "方案",
                                         "files": bid_files()}, **ASYNC)
    assert response.status_code == 404
    assert not BidIntake.objects.exists()


def test_refused_when_entered_with_the_reason_and_a_notice(client, world):
    tender = tender_published(world)
    assert post(client, world, tender).status_code == 202
    assert post(client, world, tender).status_code == 202  # the same organization twice
    first, second = BidIntake.objects.order_by("pk")
    assert bid_intake_process(first.pk).status == BidIntake.Status.ACCEPTED
    second = bid_intake_process(second.pk)
    assert second.status == BidIntake.Status.REFUSED
    assert second.refusal_code == "duplicate" and "已递交投标文件" in second.refusal_message
    assert bytes(second.sealed_body) == b""
    assert Bid.objects.count() == 1
    notice = Notification.objects.get(recipient=world.supplier_staff[0],
                                      title__startswith="投标文件未被接受")
    assert "已递交投标文件" in notice.body


def test_an_unexpected_error_fails_it_keeps_the_content_and_does_not_block_the_opening(
        client, world, clock, caplog):
    tender = tender_published(world)
    assert post(client, world, tender).status_code == 202
    intake = BidIntake.objects.get()
    with mock.patch.object(intake_service, "bid_submit", side_effect=RuntimeError("bug")), \
            caplog.at_level(logging.ERROR):
        intake = bid_intake_process(intake.pk)
    assert intake.status == BidIntake.Status.FAILED and intake.refusal_code == "error"
    assert bytes(intake.sealed_body) != b""  # kept for an operator
    assert "could not be entered" in caplog.text
    clock.move_to(tender.bid_deadline + SECOND)
    assert bids_open(tender=tender).status == Tender.Status.FAILED  # no bid: 废标, not stuck


def test_the_opening_enters_pending_intakes_first(client, world, clock):
    tender = tender_published(world)
    for n in range(3):
        assert post(client, world, tender, n=n, price=f"28000{n}.00").status_code == 202
    assert BidIntake.objects.filter(status="pending").count() == 3
    clock.move_to(tender.bid_deadline + SECOND)
    assert tasks.open_due_tenders() == [tender.pk]
    tender.refresh_from_db()
    assert tender.status == Tender.Status.OPENED
    assert Bid.objects.filter(tender=tender, status=Bid.Status.QUALIFIED).count() == 3
    assert set(BidIntake.objects.values_list("status", flat=True)) == {"accepted"}


def test_the_opening_waits_for_an_intake_a_worker_is_entering(client, world, clock):
    tender = tender_published(world)
    assert post(client, world, tender).status_code == 202
    clock.move_to(tender.bid_deadline + SECOND)
    # A worker holds the intake's row: bids_open skips it and does not open without it.
    with mock.patch.object(intake_service, "bid_intake_process", return_value=None), \
            pytest.raises(ServiceError) as refused:
        bids_open(tender=tender)
    assert refused.value.code == "intake_pending"
    assert Tender.objects.get(pk=tender.pk).status == Tender.Status.PUBLISHED


@pytest.mark.parametrize("headers", [{}, {"HTTP_PREFER": "return=minimal"}])
def test_without_the_preference_the_bid_is_entered_in_the_request(client, world, headers):
    tender = tender_published(world)
    response = post(client, world, tender, headers=headers)
    assert response.status_code == 201 and "Preference-Applied" not in response
    assert Bid.objects.count() == 1 and not BidIntake.objects.exists()


def test_a_body_over_the_intake_limit_is_entered_in_the_request(client, world, settings):
    settings.BID_INTAKE_MAX_BYTES = 100
    tender = tender_published(world)
    response = post(client, world, tender)
    assert response.status_code == 201
    assert Bid.objects.count() == 1 and not BidIntake.objects.exists()


def test_the_intake_request_reads_little(client, world, django_assert_max_num_queries):
    """What the 202 costs (issue 11 item 2): the session and the user, and one INSERT … SELECT
    that checks the tender under its share lock and the bidder's membership; what the bare
    ceiling view of the rush benchmark runs too. A bid entered in the request runs ~30."""
    tender = tender_published(world)
    client.force_login(world.supplier_staff[0])
    data = {"organization": world.suppliers[0].pk, "price": "280000.00", "proposal": "方案",
            "files": bid_files()}
    with django_assert_max_num_queries(3):
        response = client.post(url(tender), data, **ASYNC)
    assert response.status_code == 202


def _bidders(world):
    """Return (case, user, organization) pairs around the bid rule: its staff, other staff,
    other roles, a lapsed membership, the social-org role in an organization of another kind,
    a superuser without a membership."""
    from accounts.models import Membership, Organization
    from tests.factories import OrganizationFactory, UserFactory, user_with_role

    own = world.suppliers[0]
    lapsed = user_with_role(Role.SOCIAL_ORG, own)
    Membership.objects.filter(user=lapsed).update(is_active=False)
    community = OrganizationFactory(kind=Organization.Kind.COMMUNITY)
    wrong_kind = UserFactory()
    Membership.objects.create(user=wrong_kind, organization=community, role=Role.SOCIAL_ORG)
    return [("staff", world.supplier_staff[0], own),
            ("staff of another", world.supplier_staff[1], own),
            ("purchaser", world.purchaser, own),
            ("a community's staff", world.community, own),
            ("lapsed membership", lapsed, own),
            ("role in a community", wrong_kind, community),
            ("superuser", UserFactory(superuser=True), own)]


@pytest.mark.parametrize("memberships_read", [False, True], ids=["rule in SQL", "rule in Python"])
def test_the_insert_allows_exactly_whom_the_bid_rule_allows(world, memberships_read):
    """bid_intake_accept asks can_submit_bid inside its INSERT when the request has not read
    the memberships, and in Python when it has: both answer as the rule does."""
    from accounts.models import User
    from accounts.selectors import user_memberships
    from core import authz
    from core.exceptions import PermissionDenied
    from procurement.services.intake import bid_intake_accept

    tender = tender_published(world)
    decided = {}
    for case, user, organization in _bidders(world):
        allowed = bool(authz.decide(user, "procurement.submit_bid",
                                    Bid(tender=tender, organization=organization)))
        actor = User.objects.get(pk=user.pk)  # nothing read yet, as in a request
        if memberships_read:
            user_memberships(actor)
        try:
            bid_intake_accept(tender=Tender(pk=tender.pk), actor=actor,
                              organization=type(organization)(pk=organization.pk),
                              price="280000.00", proposal="方案", files=bid_files())
        except PermissionDenied:
            decided[case] = False
        else:
            decided[case] = True
        assert decided[case] == allowed, case
    assert decided["staff"] and sum(decided.values()) == 1
    assert BidIntake.objects.count() == 1


def test_an_api_token_of_one_organization_does_not_bid_for_another(client, world):
    """The token narrows its user's memberships to its organization: the intake asks the rule
    on those, not on every membership the database holds."""
    from accounts.models import Membership
    from tests.api_tokens import issue_test_token

    tender = tender_published(world)
    staff = world.supplier_staff[0]
    Membership.objects.create(user=staff, organization=world.suppliers[1], role=Role.SOCIAL_ORG)
    _, key = issue_test_token(staff, world.suppliers[1])
    path = reverse("api-v1:tender-bids", args=[tender.pk])
    data = {"organization": world.suppliers[0].pk, "price": "280000.00", "proposal": "方案",
            "files": bid_files()}
    refused = client.post(path, data, HTTP_AUTHORIZATION=f"Bearer {key}", **ASYNC)
    assert refused.status_code == 404 and not BidIntake.objects.exists()
    answered = client.post(path, {**data, "organization": world.suppliers[1].pk,
                                  "files": bid_files()},
                           HTTP_AUTHORIZATION=f"Bearer {key}", **ASYNC)
    assert answered.status_code == 202, answered.content


@pytest.mark.parametrize("organization", ["0", "abc", "9223372036854775808", "999999"])
def test_no_such_organization_is_refused_with_the_field_message(client, world, organization):
    tender = tender_published(world)
    client.force_login(world.supplier_staff[0])
    response = client.post(url(tender), {"organization": organization, "price": "280000.00",
                                         "proposal": "方案", "files": bid_files()}, **ASYNC)
    assert response.status_code == 400
    assert "请选择您所在的社会组织。" in response.content.decode()
    assert not BidIntake.objects.exists()


def test_rotation_seals_waiting_intakes_under_the_new_kek(client, world, settings):
    from django.core.management import call_command

    from tests.procurement.test_sealing_at_rest import K1, K2, ring

    settings.SEALING_KEKS = ring(K1)
    tender = tender_published(world)
    assert post(client, world, tender).status_code == 202
    intake = BidIntake.objects.get()
    assert intake.kek_id == "k1"
    settings.SEALING_KEKS = ring(K2, K1)  # k2 current, k1 kept until the rotation ran
    call_command("rotate_sealing_kek", stdout=io.StringIO())
    intake.refresh_from_db()
    assert intake.kek_id == "k2" and MARK_PROPOSAL.encode() not in bytes(intake.sealed_body)
    settings.SEALING_KEKS = ring(K2)  # the old KEK is gone: the intake is still entered
    assert bid_intake_process(intake.pk).status == BidIntake.Status.ACCEPTED
    assert Bid.objects.unsealed().get().proposal == MARK_PROPOSAL


def test_without_its_kek_an_intake_fails_and_keeps_its_content(client, world, settings):
    from tests.procurement.test_sealing_at_rest import K1, K2, ring

    settings.SEALING_KEKS = ring(K1)
    tender = tender_published(world)
    assert post(client, world, tender).status_code == 202
    settings.SEALING_KEKS = ring(K2)  # k1 lost
    intake = bid_intake_process(BidIntake.objects.get().pk)
    assert intake.status == BidIntake.Status.FAILED and intake.refusal_code == "sealing_key"
    assert bytes(intake.sealed_body) != b""  # opens again once the KEK is restored
    assert not Bid.objects.exists()
    assert Notification.objects.filter(recipient=world.supplier_staff[0],
                                       title__startswith="投标文件未被接受").exists()


# PostgreSQL: the single INSERT … SELECT holds the tender FOR SHARE until it commits ---------

def _accept(world, tender, i):
    return intake_service.bid_intake_accept(
        tender=Tender(pk=tender.pk), actor=world.supplier_staff[i],
        organization=world.suppliers[i], price="280000.00", proposal=f"方案{i}",
        documents=[("", bid_files()[0])])


@pytest.mark.postgres
def test_an_intake_being_written_blocks_the_opening_not_other_intakes(committed_world):
    world = committed_world
    tender = tender_published(world)
    held = HeldTransaction(lambda: _accept(world, tender, 0))
    held.start()
    try:
        assert held.held.wait(30) and held.error is None, held.error
        with transaction.atomic():  # another bidder's intake on the same tender goes through
            _within(2)
            _accept(world, tender, 1)
        # The opening (FOR UPDATE of the tender) waits for the intake's commit.
        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
            _within(0.5)
            Tender.objects.select_for_update().get(pk=tender.pk)
    finally:
        held.release.set()
        held.join()
    assert held.error is None, held.error
    assert BidIntake.objects.filter(tender=tender).count() == 2  # (eager: entered at commit)
    assert not BidIntake.objects.exclude(status__in=["pending", "accepted"]).exists()


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="prepared statements are PostgreSQL's (CI's PostgreSQL pass)")
def test_the_intake_insert_is_prepared_on_postgresql(world):
    """Planned each time, the insert cost twice what it costs prepared (issue 11 item 2)."""
    from procurement.services.intake import bid_intake_accept

    tender = tender_published(world)
    staff, organization = world.supplier_staff[0], world.suppliers[0]
    for _ in range(3):
        bid_intake_accept(tender=Tender(pk=tender.pk), actor=staff, organization=organization,
                          price="280000.00", proposal="方案", files=bid_files())
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                       ['INSERT INTO "procurement_bidintake"%'])
        assert cursor.fetchone()[0] == 1
    assert BidIntake.objects.count() == 3


def test_the_shared_fields_keep_nothing_of_one_request_for_the_next(client, world):
    """The intake's serializer sets its fields up once per process (core.api.SharedFieldsMixin):
    each request still gets only its own values and errors, in its own language."""
    from django.utils import translation

    from procurement.api import BidIntakeSubmitSerializer

    assert BidIntakeSubmitSerializer().fields is BidIntakeSubmitSerializer().fields
    tender = tender_published(world)
    bad = post(client, world, tender, tender_version="第二版", contact_person="长" * 51)
    assert bad.status_code == 400
    assert set(bad.json()) == {"tender_version", "contact_person"}, bad.json()
    good = post(client, world, tender, n=1, contact_person="王")
    assert good.status_code == 202, good.content
    other = post(client, world, tender, n=2, kinds=["投标函", "资格证明", "多余"])
    assert other.status_code == 400 and set(other.json()) == {"kinds"}, other.json()
    with translation.override("en"):
        english = BidIntakeSubmitSerializer(data={"organization": "x", "price": "1",
                                                  "proposal": "p"})
        assert not english.is_valid()
        message = str(english.errors["organization"][0])
    assert message == "Choose your social organization."
    assert BidIntake.objects.count() == 1
