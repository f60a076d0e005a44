"""Collusion signals at opening (87号令第三十七条 "视为投标人串通投标") and the committee's finding.

87号令 37 lists what is *deemed* collusion: (一) 不同投标人的投标文件由同一单位或者个人编制;
(二) 不同投标人委托同一单位或者个人办理投标事宜; (三) 不同投标人的投标文件载明的项目管理成员或者
联系人员为同一人; (四) 不同投标人的投标文件异常一致或者投标报价呈规律性差异; (五) 不同投标人的
投标文件相互混装; (六) 不同投标人的投标保证金从同一单位或者个人的账户转出. 条例74 lists collusion
among suppliers as an offence. Whether a case is one is the evaluation committee's finding in the
qualification and compliance review: the system only flags, never rejects, and no bidder is told.

bids_open calls ``flag_collusion_signals`` once; each signal becomes a ``BidFlag`` that names why
and links the bids. The signals, precisely:

- ``same_file``: two bids of different organizations carry a file with the same SHA-256 (37(四)(五)).
- ``same_document_author``: a PDF's /Author or /Company, or an Office file's dc:creator,
  cp:lastModifiedBy or Company, is the same (whitespace removed, case folded) in files of two bids;
  software defaults such as "Administrator" are ignored (37(一)).
- ``same_contact``: the same contact person, contact phone (digits compared) or project manager in
  two bids (37(三)).
- ``price_pattern``: sorted by price, a run of at least 3 consecutive opened bids whose prices rise
  by exactly the same amount (equal differences, to the cent), or in which every middle price is the
  geometric mean of its neighbours to within one cent (equal ratios); equal prices are not a pattern,
  fixed-price tenders are skipped, and so is a run whose prices are all whole thousands of 元
  (``ROUND_PRICE_UNIT``): bidders commonly quote round sums, and equal steps between round sums
  near one budget happen by chance (37(四) 投标报价呈规律性差异).
- ``same_client_address``: bids submitted from the same client address (core.middleware, behind
  TRUSTED_PROXY_COUNT proxies) within ``SAME_ADDRESS_MINUTES`` of each other (37(二)).

The committee records a finding on each flag (``bid_flag_decide``): not collusion, or deemed
collusion (the bids are invalid, 87号令 37; the award refuses such a bid).
"""

import datetime
import re
import zipfile
from decimal import Decimal
from xml.etree import ElementTree

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from core.models import StoredFile
from core.notifications import notify
from procurement.models import Bid, BidFlag, Tender
from procurement.selectors.grants import project_purchaser_staff
from procurement.services.tenders import tender_url

# Submissions from one client address this close together are flagged (87号令 37(二)).
SAME_ADDRESS_MINUTES = 30
# Author names that office software writes by default: equal across strangers, not a signal.
GENERIC_AUTHORS = frozenset({
    "administrator", "admin", "user", "users", "author", "unknown", "owner", "microsoftofficeuser",
    "microsoft", "微软用户", "用户", "作者", "walkinnet", "wps", "python-docx",
})
# A run of prices that are all multiples of this (元) is not flagged as a pattern: round quotes.
ROUND_PRICE_UNIT = Decimal("1000")
DECIDABLE_STATUSES = (Tender.Status.EVALUATING, Tender.Status.EVALUATED)
CENT = Decimal("0.01")


def _key(text: str) -> str:
    return "".join((text or "").split()).casefold()


def _names(bids) -> str:
    return "、".join(b.organization.name for b in bids)


def _groups(bids, value) -> list[tuple[str, list[Bid]]]:
    """Return (value, bids) for each value shared by bids of at least two organizations."""
    found: dict[str, list[Bid]] = {}
    for bid in bids:
        for v in value(bid):
            if v and bid not in found.setdefault(v, []):
                found[v].append(bid)
    return [(v, same) for v, same in found.items()
            if len({b.organization_id for b in same}) > 1]


# File metadata ----------------------------------------------------------------------------------

_OFFICE_NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "ep": "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
}


MAX_PROPERTIES_BYTES = 256 * 1024


def _properties(archive, name):
    """Return the parsed XML part, or None when absent, too large or declaring a DTD (an
    untrusted file: no entity expansion is ever attempted)."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_PROPERTIES_BYTES:
        return None
    data = archive.read(info)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return None
    return ElementTree.fromstring(data)  # noqa: S314 - small, DTD-free, checked above


def _office_metadata(handle) -> list[str]:
    found = []
    with zipfile.ZipFile(handle) as archive:
        core = _properties(archive, "docProps/core.xml")
        if core is not None:
            for tag in ("dc:creator", "cp:lastModifiedBy"):
                node = core.find(tag, _OFFICE_NS)
                if node is not None and node.text:
                    found.append(node.text)
        app = _properties(archive, "docProps/app.xml")
        if app is not None:
            node = app.find("ep:Company", _OFFICE_NS)
            if node is not None and node.text:
                found.append(node.text)
    return found


def _pdf_metadata(handle) -> list[str]:
    from pypdf import PdfReader

    info = PdfReader(handle).metadata or {}
    return [str(info[k]) for k in ("/Author", "/Company") if info.get(k)]


def file_authors(stored: StoredFile) -> list[str]:
    """Return the author and organization names in the file's metadata (PDF, OOXML), or [].

    A file that cannot be read (damaged, encrypted, an old binary .doc) gives nothing.
    """
    name = stored.original_name.lower()
    try:
        with stored.file.open("rb") as handle:
            if name.endswith(".pdf"):
                values = _pdf_metadata(handle)
            elif re.search(r"\.(docx|xlsx|pptx)$", name):
                values = _office_metadata(handle)
            else:
                return []
    except Exception:  # noqa: BLE001 - a bidder's file is untrusted input; unreadable = no data
        return []
    return [v.strip() for v in values if _key(v) and _key(v) not in GENERIC_AUTHORS]


# Price patterns ----------------------------------------------------------------------------------

def _runs(prices: list[Decimal], same) -> list[tuple[int, int]]:
    """Return (first, last) index pairs of maximal runs ≥ 3 where every triple satisfies same."""
    runs, start = [], None
    for i in range(1, len(prices) - 1):
        if same(prices[i - 1], prices[i], prices[i + 1]):
            start = i - 1 if start is None else start
            end = i + 1
        elif start is not None:
            runs.append((start, end))
            start = None
    if start is not None:
        runs.append((start, end))
    return runs


def equal_differences(a: Decimal, b: Decimal, c: Decimal) -> bool:
    """Return whether b - a == c - b (to the cent) with a < b < c."""
    return a < b < c and (b - a) == (c - b)


def equal_ratios(a: Decimal, b: Decimal, c: Decimal) -> bool:
    """Return whether b is the geometric mean of a and c within one cent (a < b < c): the bids
    rise by one ratio, each rounded to the cent."""
    return a < b < c and abs((a * c).sqrt() - b) <= CENT


def price_patterns(bids) -> list[tuple[str, list[Bid]]]:
    """Return (kind text, bids) for each run of ≥ 3 prices in equal differences or ratios."""
    ordered = sorted(bids, key=lambda b: (b.price, b.pk))
    prices = [b.price for b in ordered]
    found = []
    covered: set[int] = set()
    for text, same in ((_("等差"), equal_differences), (_("等比"), equal_ratios)):
        for first, last in _runs(prices, same):
            run = ordered[first:last + 1]
            if {b.pk for b in run} <= covered:
                continue
            if all(b.price % ROUND_PRICE_UNIT == 0 for b in run):
                continue
            covered |= {b.pk for b in run}
            found.append((text, run))
    return found


# Opening ----------------------------------------------------------------------------------------

def _flag(tender, kind, bids, reason, now) -> BidFlag:
    flag = BidFlag.objects.create(tender=tender, kind=kind, reason=reason, created_at=now)
    flag.bids.set(bids)
    return flag


def _bid_files(bids) -> dict[int, list[StoredFile]]:
    files: dict[int, list[StoredFile]] = {}
    for stored in StoredFile.objects.filter(
            content_type=ContentType.objects.get_for_model(Bid),
            object_id__in=[b.pk for b in bids]).order_by("object_id", "id"):
        files.setdefault(stored.object_id, []).append(stored)
    return files


def flag_collusion_signals(tender: Tender, bids: list[Bid], now) -> list[BidFlag]:
    """Flag, for the committee, the signs of 87号令 37 among the opened bids (see the module).

    Called once by bids_open in its transaction; bids are the opened, not withdrawn bids with
    their organizations. Never changes a bid.
    """
    flags = []
    files = _bid_files(bids)
    article = _("（政府采购货物和服务招标投标管理办法第三十七条），请评标委员会核实并作出认定。")
    for digest, same in _groups(bids, lambda b: [f.sha256 for f in files.get(b.pk, [])]):
        names = sorted({f.original_name for b in same for f in files.get(b.pk, [])
                        if f.sha256 == digest})
        flags.append(_flag(tender, BidFlag.Kind.SAME_FILE, same, _(
            "%(orgs)s 的投标文件中有内容完全相同的文件（%(files)s，SHA-256 %(digest)s），"
            "可能属于投标文件异常一致或相互混装") % {
                "orgs": _names(same), "files": "、".join(names), "digest": digest[:16] + "…"}
            + article, now))
    authors: dict[int, dict[str, str]] = {
        b.pk: {_key(v): v for f in files.get(b.pk, []) for v in file_authors(f)} for b in bids}
    for key, same in _groups(bids, lambda b: list(authors[b.pk])):
        flags.append(_flag(tender, BidFlag.Kind.SAME_DOCUMENT_AUTHOR, same, _(
            "%(orgs)s 的投标文件属性中作者或单位均为“%(name)s”，可能由同一单位或者个人编制") % {
                "orgs": _names(same), "name": authors[same[0].pk][key]} + article, now))
    fields = (
        (_("联系人"), lambda b: [_key(b.contact_person)]),
        (_("联系电话"), lambda b: [re.sub(r"\D", "", b.contact_phone or "")]),
        (_("项目负责人"), lambda b: [_key(b.project_manager)]),
    )
    for label, value in fields:
        for shown, same in _groups(bids, value):
            flags.append(_flag(tender, BidFlag.Kind.SAME_CONTACT, same, _(
                "%(orgs)s 的投标文件载明的%(field)s相同（%(value)s），项目管理成员或联系人员为同一人") % {
                    "orgs": _names(same), "field": label, "value": shown} + article, now))
    if not tender.project.fixed_price:
        for text, run in price_patterns(bids):
            flags.append(_flag(tender, BidFlag.Kind.PRICE_PATTERN, run, _(
                "%(orgs)s 的投标报价（%(prices)s 元）按从低到高呈%(kind)s规律，投标报价呈规律性差异") % {
                    "orgs": _names(run), "kind": text,
                    "prices": "、".join(f"{b.price:,.2f}" for b in run)} + article, now))
    window = datetime.timedelta(minutes=SAME_ADDRESS_MINUTES)
    by_address: dict[str, list[Bid]] = {}
    for bid in sorted(bids, key=lambda b: (b.submitted_at, b.pk)):
        if bid.client_address:
            by_address.setdefault(bid.client_address, []).append(bid)
    for address, same in by_address.items():
        cluster = [same[0]]
        for bid in same[1:] + [None]:
            if bid is not None and bid.submitted_at - cluster[-1].submitted_at <= window:
                cluster.append(bid)
                continue
            if len(cluster) > 1:
                flags.append(_flag(tender, BidFlag.Kind.SAME_CLIENT_ADDRESS, cluster, _(
                    "%(orgs)s 的投标文件从同一网络地址 %(address)s 在%(minutes)s分钟内先后递交，"
                    "可能委托同一单位或者个人办理投标事宜") % {
                        "orgs": _names(cluster), "address": address,
                        "minutes": SAME_ADDRESS_MINUTES} + article, now))
            cluster = [bid]
    return flags


# The committee's finding --------------------------------------------------------------------------

def collusion_bid_ids(tender_id: int) -> set[int]:
    """Return the ids of the tender's bids the committee found deemed collusion (87号令 37)."""
    return set(BidFlag.objects.filter(tender_id=tender_id, decision=BidFlag.Decision.COLLUSION)
               .values_list("bids__id", flat=True))


@transaction.atomic
def bid_flag_decide(*, flag, actor, decision: str, note: str) -> BidFlag:
    """Record the evaluation committee's finding on an opening flag, once, with its reasons.

    Only a member of the tender's committee may decide (procurement.decide_bidflag), while the
    tender is being evaluated or awaits the award. ``collusion`` means the bids are deemed
    colluding and invalid (87号令 37): award_confirm refuses them.
    """
    flag = (BidFlag.objects.select_for_update()
            .select_related("tender__project__purchaser").get(pk=flag.pk))
    authz.require(actor, "procurement.decide_bidflag", flag)
    if flag.tender.status not in DECIDABLE_STATUSES:
        raise ServiceError(_("只有评审中或待定标的采购项目可以认定开标提示。"), code="state")
    if flag.decision:
        raise ServiceError(_("该开标提示已作出认定，不能重复认定。"), code="decided")
    if decision not in (BidFlag.Decision.CLEARED, BidFlag.Decision.COLLUSION):
        raise ServiceError(_("请选择认定结论。"), code="decision")
    note = (note or "").strip()
    if not note:
        raise ServiceError(_("请填写认定理由。"), code="note")
    flag.decision, flag.decision_note = decision, note
    flag.decided_by, flag.decided_at = actor, timezone.now()
    flag.save(update_fields=["decision", "decision_note", "decided_by", "decided_at"])
    audit_record(actor=actor, action="bid_flag.decide", target=flag,
                 before={"decision": ""},
                 after={"decision": decision, "note": note, "tender": flag.tender_id,
                        "bids": sorted(flag.bids.values_list("pk", flat=True))})
    notify(recipients=project_purchaser_staff(flag.tender.project),
           title=_("评标委员会已认定开标提示：%(code)s") % {"code": flag.tender.code},
           body=f"{flag.get_kind_display()}：{flag.get_decision_display()}。{note}",
           url=tender_url(flag.tender))
    return flag
