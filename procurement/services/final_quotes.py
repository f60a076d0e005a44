"""The final-quote round (最后报价) of a 竞争性磋商 or 竞争性谈判 (issue 7 item 10).

What the law says, and what is encoded:

* After the discussions the committee asks every responsive supplier to submit its final quote
  within a set time (磋商办法第二十一条; 74号令第三十三条). The purchaser opens the round for the
  committee after the opening and before any expert has scored; the round names its deadline.
* The final quote is part of the response (磋商办法第二十一条 last paragraph) and replaces the
  earlier price in the evaluation: 磋商 scores it as the price (综合评分, 磋商办法第二十三条),
  谈判 awards the lowest responsive final quote (法38(五); 74号令第三十五条).
* Neither text caps the final quote at the bidder's earlier price (the requirements may have
  changed in the discussions), so none is imposed; the budget is the cap (a quote above it is not
  responsive, 法36). The form is the bid price's: two decimals at most, never rounded.
* One quote per bidder, final once given. A bidder who gives none before the deadline keeps its
  earlier price as its final quote (our choice, stated on the round page; 磋商办法22 and 74号令34
  let a supplier leave before the final quote, which the platform does not model).
* Sealed: until the round closes (every responsive bidder has quoted, or the deadline passed)
  nobody but the bidder sees a quote; the committee and purchaser see them all at once.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from core.notifications import notify
from procurement.digests import price_digest
from procurement.models import Bid, BidReceipt, FinalQuote, FinalQuoteRound, Tender
from procurement.sealing import final_quote_seal, final_quotes_unseal_at_close
from procurement.selectors.grants import project_purchaser_staff
from procurement.services._common import staff_of
from procurement.services.bids import (
    DEFAULT_MIN_QUALIFIED_BIDS,
    MIN_QUALIFIED_BIDS,
    _org_staff,
    parse_bid_price,
)
from procurement.services.receipts import bid_receipt_issue
from procurement.services.tenders import tender_url

ROUND_METHODS = (Tender.Method.CONSULTATION, Tender.Method.NEGOTIATION)
ROUND_TENDER_STATUSES = (Tender.Status.OPENED, Tender.Status.EVALUATING)


def _responsive(tender) -> list[Bid]:
    return list(tender.bids.filter(status=Bid.Status.QUALIFIED).select_related("organization"))


@transaction.atomic
def final_quote_round_open(*, tender, actor, deadline) -> FinalQuoteRound:
    """Open the final-quote round of a 磋商 or 谈判 after the discussions (磋商办法21, 74号令33)."""
    tender = (Tender.objects.select_for_update().select_related("project__purchaser")
              .get(pk=tender.pk))
    authz.require(actor, "procurement.open_finalquoteround", tender)
    if tender.method not in ROUND_METHODS:
        raise ServiceError(_("只有竞争性磋商和竞争性谈判有最后报价环节。"), code="method")
    if tender.project.fixed_price:
        raise ServiceError(_("固定价格项目的价格不参与竞争，没有最后报价环节。"), code="fixed_price")
    if tender.status not in ROUND_TENDER_STATUSES:
        raise ServiceError(_("只能在开启响应文件后、评审完成前发起最后报价。"), code="state")
    if FinalQuoteRound.objects.filter(tender=tender).exists():
        raise ServiceError(_("本项目已发起过最后报价。"), code="exists")
    if Bid.objects.filter(tender=tender, score_sheets__status="submitted").exists():
        raise ServiceError(_("评审专家已开始提交评分，不能再发起最后报价。"), code="scored")
    now = timezone.now()
    if not isinstance(deadline, datetime.datetime) or timezone.is_naive(deadline):
        raise ServiceError(_("请填写带时区的最后报价截止时间。"), code="deadline")
    if deadline <= now:
        raise ServiceError(_("最后报价截止时间必须晚于当前时间。"), code="deadline")
    bids = _responsive(tender)
    needed = MIN_QUALIFIED_BIDS.get(tender.method, DEFAULT_MIN_QUALIFIED_BIDS)
    if len(bids) < needed:
        raise ServiceError(_("实质性响应的供应商不足%(n)d家，不能进行最后报价。") % {"n": needed},
                           code="too_few")
    round_ = FinalQuoteRound.objects.create(tender=tender, opened_by=actor, opened_at=now,
                                            deadline=deadline)
    audit_record(actor=actor, action="final_quote_round.open", target=tender,
                 after={"round": round_.pk, "deadline": deadline.isoformat(),
                        "bids": [b.pk for b in bids]})
    notify(recipients=_org_staff(b.organization_id for b in bids),
           title=_("请提交最后报价：%(code)s") % {"code": tender.code},
           body=_("请于%(deadline)s前提交最后报价；逾期未提交的，以响应文件中的报价为最后报价。") % {
               "deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")},
           url=tender_url(tender))
    return round_


@transaction.atomic
def final_quote_submit(*, round, actor, organization, price) -> FinalQuote:  # noqa: A002
    """Submit the organization's sealed final quote before the round's deadline (once)."""
    round_ = FinalQuoteRound.objects.select_for_update().get(pk=round.pk)
    tender = Tender.objects.select_related("project").get(pk=round_.tender_id)
    bid = (Bid.objects.select_for_update().select_related("organization")
           .filter(tender=tender, organization=organization).first())
    if bid is None:
        bid = Bid(tender=tender, organization=organization)
    authz.require(actor, "procurement.submit_finalquote", bid)
    if bid.pk is None or bid.status != Bid.Status.QUALIFIED:
        raise ServiceError(_("只有实质性响应的供应商可以提交最后报价。"), code="not_responsive")
    now = timezone.now()
    if round_.closed_at is not None or now >= round_.deadline:
        raise ServiceError(_("最后报价截止时间已过，不再接受最后报价。"), code="deadline")
    if FinalQuote.objects.filter(bid=bid).exists():
        raise ServiceError(_("本机构已提交最后报价，最后报价不得更改。"), code="duplicate")
    price = parse_bid_price(price)
    if price > tender.budget_amount:
        raise ServiceError(_("最后报价超过采购预算（%(amount)s 元），不能提交。") % {
            "amount": tender.budget_amount}, code="over_budget")
    quote = FinalQuote(round=round_, bid=bid, submitted_by=actor, submitted_at=now)
    final_quote_seal(quote, bid=bid, price=price)  # encrypted at rest until the round closes
    quote.save()
    quote.price = price  # the bidder's own, in memory
    # A receipt (投标回执) to the second, with the digest of the final quote, not of the price.
    receipt = bid_receipt_issue(bid=bid, kind=BidReceipt.Kind.FINAL_QUOTE, actor=actor, at=now)
    receipt.price_sha256 = price_digest(price)
    receipt.save(update_fields=["price_sha256"])
    # The price stays out of the audit row until the round closes (sealed).
    audit_record(actor=actor, action="final_quote.submit", target=bid,
                 after={"round": round_.pk, "submitted_at": now.replace(microsecond=0).isoformat()})
    notify(recipients=staff_of(organization, Role.SOCIAL_ORG),
           title=_("最后报价已递交：%(code)s") % {"code": tender.code},
           body=_("递交时间：%(at)s。最后报价在全部供应商提交或截止时间届满前密封保存。") % {
               "at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S")},
           url=tender_url(tender))
    if round_.quotes.count() >= len(_responsive(tender)):
        _close(round_, tender, actor=None, now=now)
    return quote


def _close(round_, tender, *, actor, now) -> None:
    round_.closed_at = now
    round_.save(update_fields=["closed_at"])
    final_quotes_unseal_at_close(round_)
    quotes = {q.bid_id: str(q.price) for q in round_.quotes.all()}
    kept = {b.pk: str(b.price) for b in _responsive(tender) if b.pk not in quotes}
    audit_record(actor=actor, action="final_quote_round.close", target=tender,
                 after={"round": round_.pk, "quotes": quotes, "kept_earlier_price": kept})
    notify(recipients=list(project_purchaser_staff(tender.project)),
           title=_("最后报价已揭晓：%(code)s") % {"code": tender.code},
           body=_("已提交最后报价 %(n)d 家，沿用响应报价 %(k)d 家。") % {"n": len(quotes),
                                                                "k": len(kept)},
           url=tender_url(tender))


@transaction.atomic
def final_quote_round_close(*, round, actor=None) -> FinalQuoteRound:  # noqa: A002
    """Close the round and unseal its quotes once all are in or the deadline passed.

    Idempotent; with actor None the system closes it (at scoring, see ``final_prices_settle``).
    """
    round_ = FinalQuoteRound.objects.select_for_update().get(pk=round.pk)
    tender = Tender.objects.select_related("project").get(pk=round_.tender_id)
    if actor is not None:
        authz.require(actor, "procurement.close_finalquoteround", tender)
    if round_.closed_at is not None:
        return round_
    now = timezone.now()
    if now < round_.deadline and round_.quotes.count() < len(_responsive(tender)):
        raise ServiceError(_("最后报价截止时间未到且仍有供应商未提交，不能揭晓最后报价。"),
                           code="sealed")
    _close(round_, tender, actor=actor, now=now)
    return round_


def final_prices_settle(tender) -> None:
    """Before scoring: close a round whose deadline passed; refuse while quotes are sealed."""
    round_ = FinalQuoteRound.objects.filter(tender=tender).first()
    if round_ is None or round_.closed_at is not None:
        return
    if timezone.now() >= round_.deadline:
        final_quote_round_close(round=round_)
        return
    raise ServiceError(_("最后报价尚未揭晓（截止时间%(deadline)s），不能评分。") % {
        "deadline": timezone.localtime(round_.deadline).strftime("%Y-%m-%d %H:%M")},
        code="final_quotes_sealed")


def final_prices(tender, bids) -> dict:
    """Return {bid id: the price the evaluation uses}: the final quote where a closed round has
    one, otherwise the bid's price (no round, or the bidder kept its price)."""
    bids = list(bids)
    round_ = FinalQuoteRound.objects.filter(tender=tender, closed_at__isnull=False).first()
    quotes = {}
    if round_ is not None:
        quotes = dict(FinalQuote.objects.filter(round=round_).values_list("bid_id", "price"))
    return {b.pk: quotes.get(b.pk, b.price) for b in bids}


def bid_final_price(bid) -> object:
    """Return the price the bid is evaluated and awarded at (its final quote, if any)."""
    return final_prices(bid.tender, [bid])[bid.pk]
