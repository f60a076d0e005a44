"""Bid intake (投标登记): a bid answered at once in a deadline rush, entered right after.

A synchronous bid does all its work (the checks, sealing the price, proposal and every file,
the receipt, the audit row, the notices: ~30 queries) while the bidder waits, so in a rush
the last bidders wait for everyone before them (issue 11 item 2). A client that asks for it
(the API's ``Prefer: respond-async``, procurement.api) gets instead:

1. ``bid_intake_accept`` in the request: the same permission rule as a bid
   (procurement.submit_bid for the organization), the price in its form and a proposal; the
   whole submission (fields and files) sealed under a key derived from the current KEK; then
   one ``INSERT … SELECT`` that reads the tender FOR SHARE (the opening waits for it) and
   inserts only while the tender is published and the arrival is before its deadline, and 202
   with the arrival time. A late bid, or a tender not open, is refused at once, as a
   synchronous bid is (the reason is read only then).
2. After the commit ``bid_intakes_wake`` queues ``procurement.tasks.process_tender_intakes``
   at most once a second per tender; that task enters the tender's intakes
   (``bid_intake_process``: bid_submit with the intake's content and its *recorded* arrival,
   so the deadline is judged exactly as it would have been, however long the queue) until none
   has come for longer than that. The beat sweeper ``process_pending_bid_intakes`` enters any
   the broker lost. The intake becomes ``accepted`` (with the bid and its receipt) or
   ``refused`` (with the service's reason and code), the sealed content is erased, and the
   submitter is notified either way; ``failed`` (no key, an unexpected error) keeps it.
3. The opening processes its tender's pending intakes first and does not open while one is
   still being entered (bids_open: ``intake_pending``), so every bid that arrived in time is
   in the opening.

Nothing of the bid is readable in the row: price, proposal and files are inside the sealed
blob (AES-256-GCM, associated data naming the tender, organization and submitter);
``manage.py rotate_sealing_kek`` seals waiting ones again under the new KEK.
"""

import datetime as dt
import json
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models.query import EmptyQuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from accounts.roles import Role
from accounts.selectors import user_memberships_cached
from core import authz, crypto
from core.db import preparing_cursor
from core.exceptions import PermissionDenied, ServiceError
from core.files import atomic_with_files
from core.middleware import client_address, get_client_address
from core.notifications import notify
from core.queue import enqueue
from procurement.models import Bid, BidIntake, Tender
from procurement.permissions import org_ids
from procurement.services._common import staff_of
from procurement.services.arrival import arrival_check, deadline_passed
from procurement.services.bids import bid_submit, parse_bid_price
from procurement.services.tenders import tender_url
from procurement.states import BidIntakeStates

logger = logging.getLogger(__name__)

# The keyword arguments of bid_submit an intake carries besides its files (all JSON values).
_FIELDS = ("price", "proposal", "tender_version", "contact_person", "contact_phone",
           "project_manager")


def _label(tender_id: int, organization_id: int, user_id: int) -> bytes:
    return f"procurement.bid_intake:{tender_id}:{organization_id}:{user_id}".encode()


def _pack(fields: dict, documents) -> bytes:
    """Return the submission as bytes: a JSON header (fields, and each file's kind, name, type
    and length) and the files' contents after it."""
    contents, described = [], []
    for kind, upload in documents:
        upload.seek(0)
        data = upload.read()
        contents.append(data)
        described.append({"kind": kind, "name": upload.name,
                          "content_type": getattr(upload, "content_type", "") or "",
                          "bytes": len(data)})
    header = json.dumps({"fields": fields, "files": described}, ensure_ascii=False).encode()
    return len(header).to_bytes(4, "big") + header + b"".join(contents)


def _unpack(blob: bytes) -> tuple[dict, list]:
    """Return (fields, documents) from _pack's bytes, the files as uploaded files again."""
    size = int.from_bytes(blob[:4], "big")
    header = json.loads(blob[4:4 + size])
    offset, documents = 4 + size, []
    for entry in header["files"]:
        data = blob[offset:offset + entry["bytes"]]
        offset += entry["bytes"]
        documents.append((entry["kind"], SimpleUploadedFile(entry["name"], data,
                                                            entry["content_type"] or None)))
    return header["fields"], documents


PURPOSE = "bid-intake"


_INSERT_SQL: dict[tuple[str, bool], tuple[str, list]] = {}  # (vendor, staff check) → SQL, fields


def _insert_sql(staff_check: bool) -> tuple[str, list]:
    """Return the INSERT … SELECT of _insert_if_open and the intake fields of its parameters,
    built from the models once per process (a rush answers thousands with the same text)."""
    key = (connection.vendor, staff_check)
    if key not in _INSERT_SQL:
        q = connection.ops.quote_name
        tender_field = BidIntake._meta.get_field("tender")
        fields = [f for f in BidIntake._meta.concrete_fields
                  if not f.primary_key and f is not tender_field]
        columns = ", ".join(q(f.column) for f in [tender_field, *fields])
        values = ", ".join(["t.id", *(f"CAST(%s AS {f.cast_db_type(connection)})"
                                      for f in fields)])
        deadline_and_state = "t.id = %s AND t.status = %s AND t.bid_deadline > %s"
        staff = ""
        if staff_check:
            # can_submit_bid (procurement.permissions) in SQL, for a request whose memberships
            # were not read: an active membership as the organization's social-org staff, the
            # organization a social organization. tests/procurement/test_bid_intake.py pins
            # that it allows exactly whom the rule allows.
            member, org = Membership._meta, Organization._meta
            column = {name: q(member.get_field(name).column)
                      for name in ("user", "organization", "role", "is_active")}
            staff = (f" AND EXISTS (SELECT 1 FROM {q(member.db_table)} m JOIN {q(org.db_table)}"  # noqa: S608
                     f" o ON o.{q(org.pk.column)} = m.{column['organization']}"
                     f" WHERE m.{column['user']} = %s AND m.{column['organization']} = %s"
                     f" AND m.{column['role']} = %s AND m.{column['is_active']}"
                     f" AND o.{q(org.get_field('kind').column)} = %s)")
        lock = " FOR SHARE OF t" if connection.features.has_select_for_update else ""
        # Names and types come from the models, every value is a parameter.
        sql = (f"INSERT INTO {q(BidIntake._meta.db_table)} ({columns}) "  # noqa: S608
               f"SELECT {values} FROM {q(Tender._meta.db_table)} t "
               f"WHERE {deadline_and_state}{staff}{lock} RETURNING id")
        _INSERT_SQL[key] = sql, fields
    return _INSERT_SQL[key]


def _insert_if_open(intake: BidIntake, *, staff_check: bool) -> int | None:
    """Insert the intake in one statement that reads its tender under a share lock (PostgreSQL:
    ``INSERT … SELECT … FOR SHARE``) and inserts only while the tender is published and the
    intake arrived before its deadline (and, with ``staff_check``, while its submitter is staff
    of its social organization); return its id, or None when nothing was inserted.

    One round trip instead of a transaction around a locked read and an insert (issue 11 item 2):
    the lock still makes an opening or an amendment (FOR UPDATE) wait for this insert to commit,
    and this insert wait for them, as a bid does (bids._shared_tender)."""
    sql, fields = _insert_sql(staff_check)
    deadline = Tender._meta.get_field("bid_deadline")
    params = [f.get_db_prep_save(f.pre_save(intake, True), connection) for f in fields]
    params += [intake.tender_id, Tender.Status.PUBLISHED,
               deadline.get_db_prep_value(intake.arrived_at, connection)]
    if staff_check:
        params += [intake.submitted_by_id, intake.organization_id, Role.SOCIAL_ORG,
                   Organization.Kind.SOCIAL_ORG]
    with preparing_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else row[0]


def _no_such_organization() -> ServiceError:
    return ServiceError(_("请选择您所在的社会组织。"), code="organization")


def _organization(organization_id: int, memberships=()):
    """Return the organization, from the actor's memberships when one names it, else read;
    a ServiceError when there is none."""
    organization = next((m.organization for m in memberships
                         if m.organization_id == organization_id), None) or \
        Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        raise _no_such_organization()
    return organization


def _why_not_open(actor, tender_id: int, organization_id: int, arrived_at) -> None:
    """Raise why an intake was not inserted: no such organization, the rule refusing the actor
    for it (PermissionDenied), no such tender or a draft the actor may not see (404), not open
    for bids, or past its deadline; return when none of these holds (a membership granted, or
    a tender reopened, since the insert was tried)."""
    authz.require(actor, "procurement.submit_bid", Bid(
        tender_id=tender_id, organization=_organization(organization_id)))
    tender = Tender.objects.filter(pk=tender_id).first()
    if tender is None:
        raise Http404
    if tender.status == Tender.Status.DRAFT:  # public once published; a draft: its purchaser's
        authz.require(actor, "procurement.view_tender", tender)
    if tender.status == Tender.Status.PUBLISHED and deadline_passed(tender, arrived_at):
        raise ServiceError(_("投标截止时间已过，不再接受投标。"), code="deadline")
    if tender.status != Tender.Status.PUBLISHED:
        raise ServiceError(_("该采购项目不在投标期内。"), code="state")


def _staff_checked(actor, tender_id: int, organization):
    """Check the bid rule in Python when the actor's memberships are already read (with a
    request's user; an API token narrows them to its organization, and the rule must see only
    those) and return the organization, loaded; return None to leave the check to the insert's
    SQL (no query here)."""
    memberships = user_memberships_cached(actor)
    if memberships is None and actor.is_active:
        return None
    organization = _organization(organization.pk, memberships or ())
    authz.require(actor, "procurement.submit_bid", Bid(tender_id=tender_id,
                                                       organization=organization))
    return organization


def bid_intake_accept(*, tender, actor, organization, price, proposal, documents=(), files=(),
                      team=(), tender_version=None, contact_person="", contact_phone="",
                      project_manager="", arrived_at=None, language="") -> BidIntake:
    """Record the organization's bid to enter after the answer (the arguments of bid_submit)
    and queue it; refuse at once what would be refused for who, when or the price's form.
    ``tender`` and ``organization`` may be unloaded (``Tender(pk=…)``): a tender that does not
    exist or that the actor may not see (a draft) is Http404, an organization the actor is not
    social-org staff of is PermissionDenied, one that does not exist a ServiceError.

    Whom the rule allows is asked in Python from the memberships a request already holds (read
    with its user, accounts.selectors.user_with_memberships, or narrowed by an API token), and
    in the insert itself for an actor read without them: one statement in all. The rest
    (eligibility, the documents the tender requires, a duplicate, the team, a fixed price) is
    checked when it is entered, by bid_submit itself, which asks the rule again."""
    if not 0 < tender.pk < 2**63:  # no id of a tender (and no value for raw SQL's parameters)
        raise Http404
    if not 0 < organization.pk < 2**63:
        raise _no_such_organization()
    staff_check = _staff_checked(actor, tender.pk, organization) is None
    arrived_at = arrival_check(arrived_at)
    price = parse_bid_price(price)
    if not (proposal or "").strip():
        raise ServiceError(_("请填写服务方案。"), code="proposal")
    fields = {"price": str(price), "proposal": proposal, "tender_version": tender_version,
              "contact_person": contact_person, "contact_phone": contact_phone,
              "project_manager": project_manager,
              # A form's empty choice is qs.none(): asking its truth compiles a query.
              "team": [getattr(member, "pk", member) for member in
                       (() if team is None or isinstance(team, EmptyQuerySet) else team)]}
    body = _pack(fields, [*documents, *(("", f) for f in files or ())])
    kek_id, key = crypto.purpose_key(PURPOSE)
    intake = BidIntake(tender_id=tender.pk, organization_id=organization.pk, submitted_by=actor,
                       arrived_at=arrived_at, content_type="application/x-bid-intake",
                       kek_id=kek_id, body_bytes=len(body), client_address=get_client_address(),
                       language=language or translation.get_language() or "")
    intake.sealed_body = crypto.seal(key, body, _label(tender.pk, organization.pk, actor.pk))
    intake.pk = _insert_if_open(intake, staff_check=staff_check)
    if intake.pk is None:
        _why_not_open(actor, tender.pk, organization.pk, arrived_at)
        # Allowed and open now (it changed since): once more, the rule just asked in Python.
        intake.pk = _insert_if_open(intake, staff_check=False)
        if intake.pk is None:
            _why_not_open(actor, tender.pk, organization.pk, arrived_at)
            raise ServiceError(_("投标登记未成功，请重新提交。"), code="retry")
    intake._state.adding = False
    transaction.on_commit(lambda: bid_intakes_wake(intake.tender_id))
    return intake


# A worker entering a tender's intakes keeps looking for more until none has come for longer
# than this; a request wakes one (queues the task) at most once per this many seconds.
WAKE_SECONDS = 1.0


def _wake_key(tender_id: int) -> str:
    return f"procurement:bid-intake-wake:{tender_id}"


def bid_intakes_wake(tender_id: int) -> bool:
    """Queue the task entering the tender's intakes unless one was queued in the last
    WAKE_SECONDS (this process's cache, or Redis shared by all: CACHE_URL); return whether it
    queued one. A rush of bids queues a few tasks, not one per bid (a celery publish costs about
    as much as the rest of the 202), and each task works until the tender's intakes have been
    quiet for longer than WAKE_SECONDS (procurement.tasks.process_tender_intakes), so an intake
    whose wake-up was skipped is entered by the task that skipped it."""
    try:
        if not cache.add(_wake_key(tender_id), 1, timeout=WAKE_SECONDS):
            return False
    except Exception:  # the cache (Redis) down: the intake is saved, the sweeper enters it
        logger.warning("bid intake wake-up for tender %s skipped", tender_id, exc_info=True)
        return False
    from procurement.tasks import process_tender_intakes

    return enqueue(process_tender_intakes, tender_id)


def bid_intakes_drain(tender_id: int, *, quiet_seconds: float, poll_seconds: float = 0.2) -> int:
    """Enter the tender's pending intakes until none has been pending for ``quiet_seconds``;
    return how many were entered or refused (the wake-up task's loop)."""
    tender, total = Tender(pk=tender_id), 0
    quiet_since = time.monotonic()
    while True:
        done = bid_intakes_process(tender=tender)
        total += done
        if done:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_seconds:
            return total
        else:
            time.sleep(poll_seconds)


def _enter(intake: BidIntake) -> Bid:
    _kek_id, key = crypto.purpose_key(PURPOSE, intake.kek_id)
    blob = crypto.unseal(key, bytes(intake.sealed_body), _label(
        intake.tender_id, intake.organization_id, intake.submitted_by_id))
    fields, documents = _unpack(blob)
    kwargs = {name: fields.get(name) for name in _FIELDS}
    kwargs = {name: value for name, value in kwargs.items() if value is not None}
    token = client_address.set(intake.client_address)
    try:
        with translation.override(intake.language or None):
            return bid_submit(tender=intake.tender, actor=intake.submitted_by,
                              organization=intake.organization, documents=documents,
                              team=fields.get("team") or (), arrived_at=intake.arrived_at,
                              arrival_recorded=True, **kwargs)
    finally:
        client_address.reset(token)


def _refusal(exc) -> tuple[str, str]:
    """Return (code, message) for a refused intake, the message as the page would show it."""
    if isinstance(exc, ServiceError):
        return getattr(exc, "code", None) or "invalid", "；".join(str(m) for m in exc.messages)
    return "forbidden", _("您无权以该机构投标，或该采购项目不存在。")


def bid_intake_process(intake_id: int) -> BidIntake | None:
    """Enter one pending intake (bid_submit, judged by its recorded arrival); return it, or
    None when it is not pending or another process is entering it (its row lock: skipped, never
    waited for, so the opening and a worker never deadlock and never enter it twice).

    A refusal by the rules (a ServiceError or the permission rule) makes it ``refused``; a
    missing or wrong sealing key, or an unexpected error, ``failed`` (logged; the sealed content
    is kept for an operator); a lost database connection leaves it pending for the sweeper."""
    with atomic_with_files():
        intake = (BidIntake.objects.select_for_update(skip_locked=True, of=("self",))
                  .select_related("tender", "organization", "submitted_by")
                  .filter(pk=intake_id, status=BidIntake.Status.PENDING).first())
        if intake is None:
            return None
        intake.attempts += 1
        intake.processed_at = timezone.now()
        try:
            with atomic_with_files():  # a savepoint: a refusal undoes the bid, not the intake
                intake.bid = _enter(intake)
        except (OperationalError, InterfaceError):
            raise
        except crypto.SealingError as exc:  # the platform's keys, not the bid: keep it
            logger.error("bid intake %s: %s", intake.pk, exc)
            BidIntakeStates(intake).fail()
            intake.refusal_code = getattr(exc, "code", None) or "sealing_key"
            intake.refusal_message = "；".join(str(m) for m in exc.messages)
        except (ServiceError, PermissionDenied, Http404) as exc:
            BidIntakeStates(intake).refuse()
            intake.refusal_code, intake.refusal_message = _refusal(exc)
        except Exception:
            logger.exception("bid intake %s could not be entered", intake.pk)
            BidIntakeStates(intake).fail()
            intake.refusal_code = "error"
            intake.refusal_message = _("系统登记投标时出错，投标未被录入；已记录该错误，"
                                       "请联系采购人或平台运维人员。")
        else:
            BidIntakeStates(intake).accept()
        if intake.status != BidIntake.Status.FAILED:
            intake.sealed_body = b""  # the bid holds it now (sealed), or it was refused
        intake.save()
        if intake.status != BidIntake.Status.ACCEPTED:
            _notify_refused(intake)
    return intake


def _notify_refused(intake: BidIntake) -> None:
    tender = intake.tender
    with translation.override(intake.language or None):
        notify(recipients=[intake.submitted_by, *staff_of(intake.organization, Role.SOCIAL_ORG)],
               title=_("投标文件未被接受：%(code)s") % {"code": tender.code},
               body=_("到达时间 %(at)s 的投标未被录入：%(reason)s") % {
                   "at": timezone.localtime(intake.arrived_at).strftime("%Y-%m-%d %H:%M:%S"),
                   "reason": intake.refusal_message},
               url=tender_url(tender))


def bid_intakes_process(*, tender=None, limit: int | None = None) -> int:
    """Enter the pending intakes (of ``tender`` when given), oldest arrival first, each in its
    own transaction when called outside one; return how many were entered or refused."""
    pending = BidIntake.objects.filter(status=BidIntake.Status.PENDING)
    if tender is not None:
        pending = pending.filter(tender_id=tender.pk)
    ids = list(pending.order_by("arrived_at", "pk").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in ids if bid_intake_process(pk) is not None)


def bid_intake_fits(content_length) -> bool:
    """Return whether a request of this Content-Length is small enough to keep whole in an
    intake row (settings.BID_INTAKE_MAX_BYTES); an unreadable length is not."""
    try:
        size = int(content_length or 0)
    except ValueError:
        return False
    return size <= settings.BID_INTAKE_MAX_BYTES


def bid_intake_on_page(tender, arrived_at, content_length) -> bool:
    """Return whether the bid page records a bid as an intake instead of entering it in the
    request: when it arrived within settings.BID_PAGE_INTAKE_MINUTES before the tender's
    deadline (when the bidders of a rush come) and its request fits an intake row
    (bid_intake_fits). Earlier, the page enters it at once."""
    minutes = settings.BID_PAGE_INTAKE_MINUTES
    if minutes <= 0 or arrived_at is None or tender.bid_deadline is None:
        return False
    return (bid_intake_fits(content_length)
            and tender.bid_deadline - arrived_at <= dt.timedelta(minutes=minutes))


def bid_intakes_pending(tender) -> bool:
    """Return whether an intake of the tender is still to be entered."""
    return BidIntake.objects.filter(tender_id=tender.pk,
                                    status=BidIntake.Status.PENDING).exists()


def bid_intake_get_for_user(*, user, intake_id: int) -> BidIntake:
    """Return the intake to the user who submitted it; Http404 for anyone else."""
    intake = (BidIntake.objects.select_related("tender", "organization", "bid")
              .filter(pk=intake_id, submitted_by_id=getattr(user, "pk", None),
                      organization_id__in=org_ids(user, Role.SOCIAL_ORG)).first())
    if intake is None:
        raise Http404
    return intake


@transaction.atomic
def bid_intakes_reseal(current_kek_id: str) -> int:
    """Seal again under the current KEK the intakes still holding their content under an older
    one (pending, or kept after a failure); return how many (manage.py rotate_sealing_kek)."""
    rows = list(BidIntake.objects.select_for_update().exclude(kek_id=current_kek_id)
                .exclude(sealed_body=b"").order_by("pk"))
    _kek_id, new_key = crypto.purpose_key(PURPOSE, current_kek_id)
    for intake in rows:
        label = _label(intake.tender_id, intake.organization_id, intake.submitted_by_id)
        _old, old_key = crypto.purpose_key(PURPOSE, intake.kek_id)
        body = crypto.unseal(old_key, bytes(intake.sealed_body), label)
        intake.kek_id, intake.sealed_body = current_kek_id, crypto.seal(new_key, body, label)
        intake.save(update_fields=["kek_id", "sealed_body"])
    return len(rows)
