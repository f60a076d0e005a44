"""Bids (投标): submit and withdraw before the deadline; open them after it."""

import functools
import re
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from core.files import atomic_with_files, stored_files_create
from core.middleware import get_client_address
from core.notifications import notify
from core.templatetags.money import money
from procurement.models import (
    BID_DOCUMENT_KINDS,
    OTHER_BID_DOCUMENT,
    Bid,
    BidDocument,
    BidFlag,
    BidReceipt,
    ServiceProject,
    Tender,
)
from procurement.sealing import bid_file_sealer, bid_seal, bids_unseal_at_opening
from procurement.selectors.grants import project_purchaser_staff
from procurement.services._common import staff_of
from procurement.services.amendments import flag_outdated_bids
from procurement.services.arrival import deadline_passed, judged_by_arrival
from procurement.services.collusion import flag_collusion_signals
from procurement.services.eligibility import bid_eligibility_require
from procurement.services.invitations import check_may_bid
from procurement.services.receipts import bid_receipt_issue
from procurement.services.teams import check_bid_team
from procurement.services.tenders import tender_url
from procurement.signals import tender_opened
from procurement.states import BidStates, ServiceProjectStates, TenderStates

# Qualified bids needed to proceed (法36: fewer than 3 → 废标; 财库〔2015〕124号: 磋商 for
# government-purchased services may proceed with 2; 单一来源 has one supplier by definition).
MIN_QUALIFIED_BIDS = {
    Tender.Method.CONSULTATION: 2,
    Tender.Method.SINGLE_SOURCE: 1,
}
DEFAULT_MIN_QUALIFIED_BIDS = 3
BID_FILE_TYPES = ("pdf", "office")


def _org_staff(org_ids) -> list:
    return list(get_user_model().objects.filter(
        is_active=True, memberships__organization_id__in=list(org_ids),
        memberships__role=Role.SOCIAL_ORG, memberships__is_active=True,
    ).distinct())


def _normalized(name: str) -> str:
    """Return the name with all whitespace removed (全角 spaces included), for comparison."""
    return "".join((name or "").split())


# The one form a price is typed in on the bid form and sent to the API: ASCII digits, an optional
# point and at most two decimals. Anything else is refused, never read "helpfully" (see
# parse_bid_price).
PRICE_FORM = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")
MAX_PRICE_DIGITS = 12  # Bid.price: max_digits 14, decimal_places 2


def parse_bid_price(value) -> Decimal:
    """Return the bid price as a 2-place Decimal, or refuse it with the reason; never round.

    A price is the bidder's offer: one with more than two decimals, with full-width digits,
    thousands separators, a sign, an exponent or spaces inside, or sent as a float, is refused
    (the bidder must state exactly what they offer, in the form the page showed), as is zero.
    """
    if isinstance(value, bool | float):
        raise ServiceError(_("投标报价须以数字文本提交（如 280000.00），不接受浮点数。"),
                           code="price_form")
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ServiceError(_("投标报价无效。"), code="price")
        if value.adjusted() >= MAX_PRICE_DIGITS:
            raise ServiceError(_("投标报价过大。"), code="price")
        if value != value.quantize(Decimal("0.01")):
            raise ServiceError(_("投标报价最多保留两位小数（分），不得四舍五入：请按实际报价填写。"),
                               code="price_decimals")
        text = f"{value:.2f}"
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise ServiceError(_("投标报价无效。"), code="price")
    if not text:
        raise ServiceError(_("请填写投标报价。"), code="price")
    if not PRICE_FORM.fullmatch(text):
        message, code = _price_form_refusal(text)
        raise ServiceError(message, code=code)
    price = Decimal(text)
    if price <= 0:
        raise ServiceError(_("投标报价必须大于0。"), code="price")
    return price.quantize(Decimal("0.01"))


def _price_form_refusal(text: str) -> tuple[str, str]:
    """Return (message, code): why text is not a price in the form the bidder was shown."""
    if re.fullmatch(r"[0-9]+\.[0-9]{3,}", text):
        return _("投标报价最多保留两位小数（分），不得四舍五入：请按实际报价填写。"), "price_decimals"
    if re.fullmatch(r"-[0-9.]+", text):
        return _("投标报价必须大于0。"), "price"
    if re.fullmatch(r"[0-9]{13,}(\.[0-9]{1,2})?", text):
        return _("投标报价过大。"), "price"
    if not text.isascii():
        return _("投标报价只能使用半角数字和小数点（如 280000.00），"
                 "不接受全角数字、中文数字或其他符号。"), "price_form"
    if "," in text or " " in text or "_" in text:
        return _("投标报价不得包含千位分隔符或空格，请按 280000.00 的格式填写。"), "price_form"
    if "e" in text.lower():
        return _("投标报价不得使用科学计数法，请按 280000.00 的格式填写。"), "price_form"
    return _("投标报价格式不正确，请按 280000.00 的格式填写（半角数字，最多两位小数）。"), "price_form"


def _flag_same_legal_representative(tender, bids, now) -> list[BidFlag]:
    """Flag, for the committee, each group of opened bids whose organizations name the same
    legal representative (条例18: 单位负责人为同一人 … 不得参加同一合同项下的政府采购活动).

    Checked at opening, never at submission: a refusal then would tell a bidder that another
    bid exists, and anyone could copy a rival's representative to get it refused. Names compare
    with all whitespace removed; organizations without one recorded are not compared. The
    committee decides (资格审查); the bids stay as they are.
    """
    groups: dict[str, list[Bid]] = {}
    for bid in bids:
        name = _normalized(bid.organization.legal_representative)
        if name:
            groups.setdefault(name, []).append(bid)
    flags = []
    for name, same in groups.items():
        if len(same) < 2:
            continue
        flag = BidFlag.objects.create(
            tender=tender, kind=BidFlag.Kind.SAME_LEGAL_REPRESENTATIVE, created_at=now,
            reason=_("%(orgs)s 的法定代表人均为“%(name)s”：单位负责人为同一人的不同供应商不得参加"
                     "同一合同项下的政府采购活动（政府采购法实施条例第十八条），请评标委员会在资格审查中"
                     "核实并作出认定。") % {
                "orgs": "、".join(b.organization.name for b in same), "name": name},
        )
        flag.bids.set(same)
        flags.append(flag)
    return flags


def bid_document_kinds(tender) -> list[str]:
    """Return the document kinds a file of a bid to the tender may be filed under: the tender's
    mandatory ones first, then the usual ones, then 其他材料."""
    kinds = list(tender.required_documents or ())
    kinds += [k for k in BID_DOCUMENT_KINDS if k not in kinds]
    return kinds + ([OTHER_BID_DOCUMENT] if OTHER_BID_DOCUMENT not in kinds else [])


def check_bid_documents(tender, documents, *, existing=()) -> list[tuple[str, object]]:
    """Return the (kind, file) pairs of a bid, or refuse a bid without any file or missing one
    of the documents the tender requires (named in the message). ``existing``: the kinds the
    bid already holds."""
    allowed = set(bid_document_kinds(tender))
    pairs = []
    for kind, file in documents:
        kind = (kind or "").strip() or OTHER_BID_DOCUMENT
        if kind not in allowed:
            raise ServiceError(_("“%(kind)s”不是本项目的投标材料类别。") % {"kind": kind},
                               code="document_kind")
        pairs.append((kind, file))
    if not pairs and not existing:
        raise ServiceError(_("投标文件未附任何材料，不予接受：请按采购文件的要求上传投标材料。"),
                           code="no_documents")
    held = {kind for kind, _file in pairs} | set(existing)
    missing = [kind for kind in tender.required_documents or () if kind not in held]
    if missing:
        raise ServiceError(_("投标文件缺少采购文件要求的材料：%(kinds)s。请为每项材料上传文件后再递交。")
                           % {"kinds": "、".join(missing)}, code="missing_documents")
    return pairs


def bid_documents_store(*, bid, actor, documents) -> list:
    """Store the (kind, file) pairs as the bid's files, each filed under its kind."""
    stored = stored_files_create(owner=bid, actor=actor, files=[f for _k, f in documents],
                                 allowed=BID_FILE_TYPES, seal=bid_file_sealer(bid))
    BidDocument.objects.bulk_create(
        BidDocument(bid=bid, stored_file=s, kind=kind)
        for s, (kind, _f) in zip(stored, documents, strict=True))
    return stored


def _locked_tender(tender) -> Tender:
    """Return the tender locked FOR UPDATE (its own row only): for what changes the tender."""
    return (Tender.objects.select_for_update(of=("self",))
            .select_related("project__purchaser", "project__community").get(pk=tender.pk))


def _shared_tender(tender) -> Tender:
    """Return the tender with its row locked FOR SHARE until the transaction ends: for a bid.

    A bid reads the tender's state, deadline and version and must not be saved after they have
    changed, but it changes nothing on the tender. A share lock keeps every writer of the row
    (bids_open, an amendment, an extension: FOR UPDATE or UPDATE) waiting until the bid commits,
    and the bid waiting until a writer has committed, while bids on the same tender take it side
    by side (issue 11 item 2: a FOR UPDATE here made a rush of bids on one tender run one at a
    time). Only the tender's row: the project, purchaser and community are read unlocked (the
    project as the caller read it, when it did: the views' selector has). Databases without row
    locks (SQLite) serialize writers anyway.
    """
    if connection.features.has_select_for_update:
        rows = list(Tender.objects.raw(
            "SELECT * FROM procurement_tender WHERE id = %s FOR SHARE", [tender.pk]))
        if not rows:
            raise Tender.DoesNotExist
        shared = rows[0]
    else:
        shared = Tender.objects.get(pk=tender.pk)
    if Tender.project.is_cached(tender):
        shared.project = tender.project
    return shared


def _duplicate_refused(service):
    """Refuse, as a duplicate, the bid that lost the race for the unique (tender, organization)
    index to a concurrent first bid of the same organization (its transaction rolled back)."""

    @functools.wraps(service)
    def refused(*args, **kwargs):
        try:
            return service(*args, **kwargs)
        except IntegrityError as exc:
            if "bid_one_per_org" not in str(exc) and "procurement_bid.tender_id" not in str(exc):
                raise
            raise ServiceError(_("本机构已递交投标文件；如需修改请先撤回。"), code="duplicate") from None

    return refused


@judged_by_arrival
@_duplicate_refused
@transaction.atomic
def bid_submit(*, tender, actor, organization, price, proposal, files=(), documents=(),
               team=(), tender_version=None, contact_person="", contact_phone="",
               project_manager="", arrived_at=None) -> Bid:
    """Submit the organization's sealed bid before the deadline, with its files and the
    social-work team it promises (its own 持证社工, copied into the contract), and give the
    bidder a receipt (投标回执). Call it inside core.files.atomic_with_files when files are given
    (bid_files.bid_submit_with_files does). ``tender_version``, when given, is the version of the
    documents the bidder's form showed: refused if an amendment (更正公告) came in between. The
    contact person, phone and project manager and the client address the bid comes from are kept
    for the collusion signals at opening (87号令 37).

    ``documents`` are (kind, file) pairs, kind one of the tender's document kinds
    (bid_document_kinds); ``files`` are filed as 其他材料. A bid without any file, or without a
    file for each document the tender requires (Tender.required_documents), is refused.

    ``arrived_at``: when the request reached the server (request.arrived_at, set by
    core.middleware.ArrivalTimeMiddleware); the deadline is judged by it, not by when the lock
    below is obtained (procurement.services.arrival). Default: now.

    Bids on one tender run side by side (a share lock on the tender, _shared_tender); two of the
    same organization meet at the row lock of its earlier bid or at the unique (tender,
    organization) index, and the later one is refused as a duplicate."""
    tender = _shared_tender(tender)
    authz.require(actor, "procurement.submit_bid", Bid(tender=tender, organization=organization))
    if tender.status != Tender.Status.PUBLISHED:
        raise ServiceError(_("该采购项目不在投标期内。"), code="state")
    now = timezone.now()
    if deadline_passed(tender, arrived_at):
        raise ServiceError(_("投标截止时间已过，不再接受投标。"), code="deadline")
    if tender_version is not None and tender_version != tender.version:
        raise ServiceError(_("采购文件已更正为第%(v)d版，请阅读更正公告后再递交投标文件。")
                           % {"v": tender.version}, code="tender_version")
    project = tender.project
    if organization.pk == project.community_id or project.design_partners.filter(
        pk=organization.pk
    ).exists():
        raise ServiceError(
            _("参与本项目需求调研或项目设计的机构不得参加本项目投标（政府采购法实施条例第十八条）。"),
            code="design_partner",
        )
    bid_eligibility_require(tender=tender, organization=organization)  # 法22, 125号: registry
    check_may_bid(tender, organization)  # 邀请招标 法34, 单一来源 条例38
    # 条例18 (same legal representative) is checked at opening (bids_open), never here: a
    # refusal now would tell a bidder that another bid exists.
    price = parse_bid_price(price)
    if not (proposal or "").strip():
        raise ServiceError(_("请填写服务方案。"), code="proposal")
    team = check_bid_team(organization, team)
    if project.fixed_price and price != tender.budget_amount:
        # Bought at a fixed price (87号令 55): price is not competed, every offer is that price.
        raise ServiceError(_("本项目为固定价格采购，投标报价应为 %(amount)s 元。")
                           % {"amount": money(tender.budget_amount)}, code="fixed_price")
    # Unordered: Bid's default ordering joins the tender, and FOR UPDATE would lock it too.
    bid = (Bid.objects.select_for_update().filter(tender=tender, organization=organization)
           .order_by().first())
    if bid is not None and bid.status != Bid.Status.WITHDRAWN:
        raise ServiceError(_("本机构已递交投标文件；如需修改请先撤回。"), code="duplicate")
    before = None if bid is None else {"status": bid.status}
    # A bid resubmitted after its withdrawal keeps the files it had (87号令33: 补充、修改).
    documents = check_bid_documents(
        tender, [*documents, *((OTHER_BID_DOCUMENT, f) for f in files or ())],
        existing=() if bid is None else set(bid.documents.values_list("kind", flat=True)))
    new = bid is None
    if new:
        bid = Bid(tender=tender, organization=organization)  # created submitted
    else:
        BidStates(bid).resubmit()
    bid_seal(bid, price=price, proposal=proposal.strip())  # encrypted at rest until opening
    bid.submitted_by = actor
    bid.submitted_at = now
    bid.arrived_at = arrived_at
    bid.withdrawn_at = None
    bid.tender_version = tender.version  # the version the bidder saw (更正公告, 87号令27)
    bid.contact_person = (contact_person or "").strip()[:50]
    bid.contact_phone = (contact_phone or "").strip()[:30]
    bid.project_manager = (project_manager or "").strip()[:50]
    bid.client_address = get_client_address()
    bid.save()  # a concurrent first bid of the organization: waits here, then IntegrityError
    if team or not new:
        bid.team.set(team)
    bid_documents_store(bid=bid, actor=actor, documents=documents)
    bid_receipt_issue(bid=bid, kind=BidReceipt.Kind.SUBMITTED, actor=actor, at=arrived_at)
    # The audit row never holds the price or proposal: the log is readable before opening.
    audit_record(actor=actor, action="bid.submit", target=bid, before=before,
                 after={"status": bid.status, "tender": tender.pk})
    notify(recipients=staff_of(organization, Role.SOCIAL_ORG),
           title=_("投标文件已递交：%(code)s") % {"code": tender.code},
           body=_("投标文件在截止时间前密封保存，开标前任何人不得查看。"),
           url=tender_url(tender))
    return bid


@judged_by_arrival
@transaction.atomic
def bid_withdraw(*, bid, actor, arrived_at=None) -> Bid:
    """Withdraw the bid before the deadline (judged by the request's ``arrived_at``)."""
    # The tender before the bid, in the order bids_open locks them (else the two can deadlock).
    tender = _shared_tender(Tender(pk=bid.tender_id))
    bid = Bid.objects.select_for_update().select_related("organization").get(pk=bid.pk)
    bid.tender = tender
    authz.require(actor, "procurement.withdraw_bid", bid)
    if bid.status != Bid.Status.SUBMITTED or tender.status != Tender.Status.PUBLISHED:
        raise ServiceError(_("只有投标期内已递交的投标文件可以撤回。"), code="state")
    if deadline_passed(tender, arrived_at):
        raise ServiceError(_("投标截止时间已过，不能撤回。"), code="deadline")
    BidStates(bid).withdraw()
    bid.withdrawn_at = arrived_at
    bid.save(update_fields=["status", "withdrawn_at"])
    bid_receipt_issue(bid=bid, kind=BidReceipt.Kind.WITHDRAWN, actor=actor, at=bid.withdrawn_at)
    audit_record(actor=actor, action="bid.withdraw", target=bid,
                 before={"status": Bid.Status.SUBMITTED}, after={"status": bid.status})
    notify(recipients=staff_of(bid.organization, Role.SOCIAL_ORG),
           title=_("投标文件已撤回：%(code)s") % {"code": tender.code}, url=tender_url(tender))
    return bid


def _intakes_enter(tender) -> None:
    """Enter the tender's bids still waiting in intake (procurement.services.intake) before the
    opening reads its bids; refuse to open while one is being entered by a worker (it arrived
    before the deadline and must be in the opening: the next run of the opening will be)."""
    from procurement.services.intake import (  # it imports us
        bid_intakes_pending,
        bid_intakes_process,
    )

    if not bid_intakes_pending(tender):
        return
    bid_intakes_process(tender=tender)
    if bid_intakes_pending(tender):
        raise ServiceError(_("仍有投标正在登记，登记完成后方可开标，请稍后再试。"),
                           code="intake_pending")


@atomic_with_files()  # a transaction; the bids' files written back in clear go if it fails
def bids_open(*, tender, actor=None) -> Tender:
    """Open the bids once the deadline has passed: published → opened, or failed (废标).

    Idempotent: a tender that is no longer published is returned unchanged. With actor None the
    system (celery) opens it; otherwise the actor must be the purchaser's staff.
    """
    tender = _locked_tender(tender)
    if actor is not None:
        authz.require(actor, "procurement.open_tender", tender)
    if tender.status != Tender.Status.PUBLISHED:
        return tender
    now = timezone.now()
    if now < tender.bid_deadline:
        raise ServiceError(_("投标截止时间未到，不能开标。"), code="before_deadline")
    _intakes_enter(tender)
    bids = list(Bid.objects.select_for_update().filter(tender=tender)
                .exclude(status=Bid.Status.WITHDRAWN).select_related("organization")
                .order_by("pk"))
    bids_unseal_at_opening(tender, bids, actor=actor)  # price, proposal, files back in clear
    qualified, over_budget = [], []
    for bid in bids:
        if bid.price > tender.budget_amount:
            BidStates(bid).disqualify()
            bid.disqualification_reason = _("投标报价超过采购预算")
            over_budget.append(bid)
        else:
            BidStates(bid).qualify()
            bid.disqualification_reason = ""
            qualified.append(bid)
    Bid.objects.bulk_update(bids, ["status", "disqualification_reason"])
    flags = _flag_same_legal_representative(tender, bids, now)
    flags += flag_outdated_bids(tender, bids, now)  # amendments (87号令27)
    flags += flag_collusion_signals(tender, bids, now)  # 87号令 37, for the committee
    needed = MIN_QUALIFIED_BIDS.get(tender.method, DEFAULT_MIN_QUALIFIED_BIDS)
    tender.opened_at = now
    project = ServiceProject.objects.select_for_update().get(pk=tender.project_id)
    project_before = project.status
    if bids and not qualified:
        TenderStates(tender).fail()
        tender.failure_reason = _("所有投标报价均超过采购预算，本次采购废标。")
    elif len(qualified) < needed:
        TenderStates(tender).fail()
        tender.failure_reason = _(
            "有效投标不足%(needed)s家（实际%(count)s家），本次采购废标。") % {
            "needed": needed, "count": len(qualified)}
    else:
        TenderStates(tender).open()
        ServiceProjectStates(project).start_evaluation()
        project.save(update_fields=["status"])
    tender.save(update_fields=["status", "opened_at", "failure_reason"])
    audit_record(
        actor=actor, action="tender.open", target=tender,
        before={"status": Tender.Status.PUBLISHED, "project_status": project_before},
        after={"status": tender.status, "project_status": project.status,
               "bids": len(bids), "qualified": len(qualified),
               "over_budget": len(over_budget), "failure_reason": tender.failure_reason,
               "flags": [flag.pk for flag in flags]},
    )
    url = tender_url(tender)
    bidder_staff = _org_staff(b.organization_id for b in bids)
    purchaser_staff = list(project_purchaser_staff(tender.project))
    if tender.status == Tender.Status.FAILED:
        title = _("采购项目废标：%(code)s") % {"code": tender.code}
        notify(recipients=bidder_staff + purchaser_staff, title=title,
               body=tender.failure_reason, url=url)
    else:
        notify(recipients=bidder_staff, title=_("已开标：%(code)s") % {"code": tender.code},
               body=_("开标记录已公布。"), url=url)
        notify(recipients=purchaser_staff,
               title=_("已开标，请组建评标委员会：%(code)s") % {"code": tender.code},
               body=_("有效投标 %(count)s 家。") % {"count": len(qualified)}
               + (_("开标提示 %(count)s 条，请提交评标委员会核实。") % {"count": len(flags)}
                  if flags else ""), url=url)
    tender_id, failed = tender.pk, tender.status == Tender.Status.FAILED
    transaction.on_commit(
        lambda: tender_opened.send(sender=Tender, tender=Tender.objects.get(pk=tender_id),
                                   failed=failed)
    )
    return tender
