"""Amendments (更正公告) of a published tender and the bidders' re-confirmation.

The purchaser may clarify or amend the documents it has issued before the deadline, but may not
change the subject of the procurement or the qualification conditions (87号令第27条): the
amendable parts are the amendment's own text (更正事项, part of the documents from then on), the
scoring criteria and price weight, the tie rule and the bid deadline. Every amendment makes a new
version of the documents (``Tender.version``) and is published as a 更正公告 on the portal.

An amendment that may affect how bids are prepared (可能影响投标文件编制) must reach every
supplier at least 15 days before the deadline for tenders (87号令第27条), 5 days for 磋商
(磋商办法第10条) — calendar days, the numbers shared with clarification answers
(PLATFORM_RULES CLARIFICATION_MIN_DAYS_*) — and 3 working days for 谈判 (74号令第29条);
otherwise the deadline is postponed (顺延) so those days hold. The postponed deadline keeps the
old deadline's time of day and, by practice, falls on a working day (the bids are opened in
public at the deadline, 87号令第39条). The opening task reads ``Tender.bid_deadline`` each
time, so it follows.

A clarification answer that may affect responses (澄清, ``question_answer(…, affects_responses=True)``)
is an amendment of kind 澄清 made here as well: 87号令第27条 says "澄清或者修改" and treats both
alike, so it makes a new version, its public text (question and answer, without the asker) is the
amendment's content, the same deadline rule applies and bidders re-confirm. A deadline extension
(``tender_extend_deadline``) is recorded as an amendment of kind 延期 that does not affect bids
(see procurement.services.tenders).

Every bidder that already submitted is told and must re-confirm its bid against the new version
(``bid_reconfirm``, with a receipt) or withdraw and resubmit it. A bid still answering an older
version at the deadline is not refused by the system: it is opened, the opening record shows the
version it answers, and it is flagged for the committee (BidFlag ``outdated_version``), which
decides in the compliance review whether it responds substantively to the amended documents
(87号令第63条: 未实质性响应 → 投标无效 is the committee's finding, not the platform's).
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from core import authz
from core.audit import audit_record
from core.calendar import add_working_days, is_working_day
from core.exceptions import ServiceError
from core.notifications import notify
from procurement.models import Bid, BidFlag, BidReceipt, Tender, TenderAmendment, TenderCriterion
from procurement.services._common import staff_of
from procurement.services.arrival import judged_by_arrival
from procurement.services.clarifications import question_recipients
from procurement.services.receipts import bid_receipt_issue
from procurement.services.tenders import (
    check_criteria,
    check_documents_until,
    check_price_weight,
    tender_url,
)

Method = Tender.Method

# Working days an amendment affecting responses must precede the 谈判 deadline (74号令第29条).
NEGOTIATION_AMENDMENT_WORKING_DAYS = 3


def amendment_min_days(method: str) -> tuple[int, str] | None:
    """Return (days, "calendar" | "working") an amendment affecting bids must precede the
    deadline by, or None when the method has no such rule (单一来源)."""
    rules = settings.PLATFORM_RULES
    if method in (Method.OPEN, Method.INVITED):
        return int(rules.get("CLARIFICATION_MIN_DAYS_TENDER", 15)), "calendar"
    if method == Method.CONSULTATION:
        return int(rules.get("CLARIFICATION_MIN_DAYS_CONSULTATION", 5)), "calendar"
    if method == Method.NEGOTIATION:
        return NEGOTIATION_AMENDMENT_WORKING_DAYS, "working"
    return None


def earliest_amended_deadline(tender, at) -> datetime.datetime | None:
    """Return the earliest deadline an amendment affecting bids, published at ``at``, leaves
    (None when the method has no rule).

    Calendar days: the deadline must be at least that many days after ``at``. Working days: the
    deadline is on or after the n-th working day after ``at``'s day. Either way the result keeps
    the current deadline's time of day and falls on a working day.
    """
    rule = amendment_min_days(tender.method)
    if rule is None:
        return None
    days, kind = rule
    clock = timezone.localtime(tender.bid_deadline)
    local_at = timezone.localtime(at)
    if kind == "calendar":
        floor = local_at + datetime.timedelta(days=days)
        day = floor.date()
        candidate = clock.replace(year=day.year, month=day.month, day=day.day)
        if candidate < floor:
            day += datetime.timedelta(days=1)
    else:
        day = add_working_days(local_at.date(), days)
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return clock.replace(year=day.year, month=day.month, day=day.day)


def required_version(tender) -> int:
    """Return the oldest tender version a bid may answer without re-confirming: the version made
    by the latest amendment that affects bids (1 when there is none)."""
    return tender.required_bid_version()


def bid_is_outdated(bid, tender=None) -> bool:
    """Return whether the bid answers a version older than an amendment affecting bids."""
    tender = tender or bid.tender
    return (bid.tender_version or 1) < required_version(tender)


def _criteria_snapshot(rows) -> list[dict]:
    return [{"name": r.name, "kind": r.kind, "max_score": str(r.max_score),
             "description": r.description} for r in rows]


def _fmt(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


@transaction.atomic
def tender_amend(*, tender, actor, content, affects_bids=False, bid_deadline=None,
                 criteria=None, price_weight=None, tie_rule=None,
                 kind=TenderAmendment.Kind.AMENDMENT) -> TenderAmendment:
    """Publish an amendment (更正公告) of the tender before its deadline; version + 1.

    ``content`` states what is amended and why (it becomes part of the documents). Criteria,
    price weight or tie rule, when given, replace the current ones under the publication checks;
    changing how bids are scored always affects bids. ``bid_deadline``, when given, may only be
    later. When the amendment affects bids and comes too late, the deadline is postponed
    (87号令第27条; 磋商办法第10条; 74号令第29条). The subject and the qualification conditions
    cannot be amended (87号令第27条): a different subject or eligibility is a new procurement.
    """
    tender = (Tender.objects.select_for_update()
              .select_related("project__purchaser", "project__community").get(pk=tender.pk))
    authz.require(actor, "procurement.amend_tender", tender)
    now = timezone.now()
    if tender.status != Tender.Status.PUBLISHED or now >= tender.bid_deadline:
        raise ServiceError(_("只有投标截止前的采购项目可以发布更正公告。"), code="state")
    content = (content or "").strip()
    if not content:
        raise ServiceError(_("请填写更正事项及内容。"), code="content")
    changes: dict = {}
    old_criteria = list(tender.criteria.all())
    new_rows = None
    if price_weight is not None or criteria is not None:
        try:
            weight = (tender.price_weight if price_weight is None
                      else Decimal(str(price_weight)))
        except InvalidOperation as exc:
            raise ServiceError(_("价格分权重无效。"), code="price_weight") from exc
        check_price_weight(tender.method, weight, fixed_price=tender.project.fixed_price)
        if criteria is None:
            raise ServiceError(_("修改价格分权重时须同时给出完整的评分标准。"), code="criteria")
        new_rows = check_criteria(criteria, weight)
        if weight != tender.price_weight:
            changes["price_weight"] = [str(tender.price_weight), str(weight)]
            tender.price_weight = weight
        before, after = _criteria_snapshot(old_criteria), _criteria_snapshot(new_rows)
        if before != after:
            changes["criteria"] = [before, after]
        else:
            new_rows = None
    if tie_rule is not None and tie_rule != tender.tie_rule:
        if tie_rule not in Tender.TieRule.values:
            raise ServiceError(_("请选择有效的并列排序规则。"), code="tie_rule")
        changes["tie_rule"] = [tender.tie_rule, tie_rule]
        tender.tie_rule = tie_rule
    # Changing how bids are scored always affects how they are prepared.
    affects_bids = bool(affects_bids) or bool(
        {"criteria", "price_weight", "tie_rule"} & set(changes))
    old_deadline = tender.bid_deadline
    new_deadline = old_deadline
    if bid_deadline is not None:
        if timezone.is_naive(bid_deadline):
            raise ServiceError(_("投标截止时间必须带时区。"), code="deadline")
        if bid_deadline < old_deadline:
            raise ServiceError(_("更正公告不得提前投标截止时间。"), code="earlier")
        new_deadline = bid_deadline
    postponed = False
    if affects_bids:
        earliest = earliest_amended_deadline(tender, now)
        if earliest is not None and new_deadline < earliest:
            new_deadline, postponed = earliest, True
    if new_deadline != old_deadline:
        changes["bid_deadline"] = [old_deadline.isoformat(), new_deadline.isoformat()]
        tender.bid_deadline = new_deadline
        # The documents are provided until the deadline's day at the latest; still valid.
        check_documents_until(tender.method, tender.published_at, new_deadline,
                              tender.documents_until)
    tender.version += 1
    tender.save(update_fields=["price_weight", "tie_rule", "bid_deadline", "version"])
    if new_rows is not None:
        tender.criteria.all().delete()
        for row in new_rows:
            row.tender = tender
        TenderCriterion.objects.bulk_create(new_rows)
    amendment = TenderAmendment.objects.create(
        tender=tender, kind=kind, version=tender.version, content=content, affects_bids=affects_bids,
        changes=changes, old_deadline=old_deadline, new_deadline=new_deadline,
        deadline_postponed_by_law=postponed, published_at=now, published_by=actor,
    )
    audit_record(actor=actor, action="tender.amend", target=tender,
                 before={"version": tender.version - 1, "bid_deadline": old_deadline.isoformat()},
                 after={"version": tender.version, "bid_deadline": new_deadline.isoformat(),
                        "affects_bids": affects_bids, "deadline_postponed_by_law": postponed,
                        "amendment": amendment.pk, "kind": kind, "changed": sorted(changes)})
    _notify_amendment(tender, amendment)
    return amendment


def _notify_amendment(tender, amendment) -> None:
    """Tell every supplier that bid or asked (the known holders of the documents)."""
    clarification = amendment.kind == TenderAmendment.Kind.CLARIFICATION
    lines = [(_("澄清内容：%(content)s") if clarification else _("更正事项：%(content)s"))
             % {"content": amendment.content}]
    if amendment.new_deadline != amendment.old_deadline:
        lines.append(_("投标截止时间由 %(old)s 变更为 %(new)s。") % {
            "old": _fmt(amendment.old_deadline), "new": _fmt(amendment.new_deadline)})
    if amendment.affects_bids:
        lines.append(_("本次更正可能影响投标文件编制：已递交投标文件的机构须在投标截止前对第%(v)d版"
                       "采购文件重新确认投标，或撤回后重新递交；否则开标时将提示评标委员会该投标响应"
                       "的是更正前的采购文件。") % {"v": amendment.version})
    notify(recipients=question_recipients(tender),
           title=(_("澄清公告：%(code)s（第%(v)d版）") if clarification
                  else _("更正公告：%(code)s（第%(v)d版）"))
           % {"code": tender.code, "v": amendment.version},
           body="\n".join(lines), url=tender_url(tender))


@judged_by_arrival
@transaction.atomic
def bid_reconfirm(*, bid, actor, arrived_at=None) -> Bid:
    """Re-confirm the bid, unchanged, against the tender's current version, before the deadline
    (judged by the request's ``arrived_at``, procurement.services.arrival); the bidder gets a
    receipt (投标回执, kind 重新确认) with the version and the digests."""
    bid = Bid.objects.select_for_update().select_related("organization").get(pk=bid.pk)
    tender = Tender.objects.select_for_update().get(pk=bid.tender_id)
    authz.require(actor, "procurement.reconfirm_bid", bid)
    now = arrived_at
    if (bid.status != Bid.Status.SUBMITTED or tender.status != Tender.Status.PUBLISHED
            or now >= tender.bid_deadline):
        raise ServiceError(_("只有投标截止前已递交的投标文件可以重新确认。"), code="state")
    if bid.tender_version == tender.version:
        raise ServiceError(_("该投标已响应当前版本的采购文件，无需重新确认。"), code="current")
    before = bid.tender_version
    bid.tender_version = tender.version
    bid.save(update_fields=["tender_version"])
    bid.tender = tender
    receipt = bid_receipt_issue(bid=bid, kind=BidReceipt.Kind.RECONFIRMED, actor=actor, at=now)
    audit_record(actor=actor, action="bid.reconfirm", target=bid,
                 before={"tender_version": before},
                 after={"tender_version": bid.tender_version, "receipt": receipt.number})
    notify(recipients=staff_of(bid.organization, Role.SOCIAL_ORG),
           title=_("投标已重新确认：%(code)s（第%(v)d版）") % {"code": tender.code,
                                                         "v": tender.version},
           body=_("回执编号：%(number)s") % {"number": receipt.number}, url=tender_url(tender))
    return bid


def flag_outdated_bids(tender, bids, now) -> list[BidFlag]:
    """At opening, flag for the committee each bid that answers a version older than the latest
    amendment affecting bids and was neither re-confirmed nor resubmitted (87号令第27条、第63条).
    Never a refusal: the committee decides whether the bid still responds substantively."""
    needed = required_version(tender)
    flags = []
    for bid in bids:
        if (bid.tender_version or 1) >= needed:
            continue
        flag = BidFlag.objects.create(
            tender=tender, kind=BidFlag.Kind.OUTDATED_VERSION, created_at=now,
            reason=_("%(org)s 的投标响应第%(old)d版采购文件，此后第%(new)d版更正公告可能影响投标文件"
                     "编制，投标截止前未重新确认或重新递交。更正内容为采购文件的组成部分（87号令"
                     "第二十七条），请评标委员会在符合性审查中认定该投标是否实质性响应更正后的"
                     "采购文件。") % {"org": bid.organization.name, "old": bid.tender_version or 1,
                                   "new": needed},
        )
        flag.bids.set([bid])
        flags.append(flag)
    return flags
