"""Expert scoring, ranking and the art-64 score corrections."""

from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from core.notifications import notify
from evaluation.bid_report import evaluation_report_request
from evaluation.models import CommitteeMember, ScoreCorrection, ScoreItem, ScoreSheet, TieDraw
from evaluation.rules import RankRow, bid_final_score, price_scores, q2, rank_bids
from evaluation.states import ScoreSheetStates
from procurement.models import Bid, Tender, TenderCriterion
from procurement.selectors.grants import project_purchaser_staff
from procurement.services.final_quotes import final_prices, final_prices_settle
from procurement.states import TenderStates


def _decimal(value, criterion) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ServiceError(_("“%(name)s”的得分不是有效数字。") % {"name": criterion.name},
                           code="score_invalid") from None


def _check_range(score: Decimal, criterion) -> None:
    if score < 0 or score > criterion.max_score:
        raise ServiceError(
            _("“%(name)s”的得分应在0至%(max)s分之间。") % {"name": criterion.name, "max": criterion.max_score},
            code="score_range",
        )


def tender_price_scores(tender: Tender, bids) -> dict[int, Decimal]:
    """Return the price score of each evaluable bid from the tender's price criterion."""
    price_criterion = next((c for c in tender.criteria.all() if c.kind == TenderCriterion.Kind.PRICE), None)
    weight = price_criterion.max_score if price_criterion else tender.price_weight
    return price_scores(final_prices(tender, bids), weight)


@transaction.atomic
def scores_submit(*, member: CommitteeMember, actor, scores: dict) -> list[ScoreSheet]:
    """Submit one expert's scores for every bid; rank the bids when the last seat is in.

    scores = {bid_id: {criterion_id: Decimal}} for the non-price criteria; the price criterion is
    computed by 低价优先法.
    """
    member = CommitteeMember.objects.select_related("committee__tender").get(pk=member.pk)
    tender = Tender.objects.select_for_update(of=("self",)).select_related("project__purchaser").get(
        pk=member.committee.tender_id)
    authz.require(actor, "evaluation.score_committeemember", member)
    if tender.status != Tender.Status.EVALUATING:
        raise ServiceError(_("该项目不在评审阶段。"), code="state")
    final_prices_settle(tender)  # 最后报价 (磋商办法21, 74号令33): unsealed before scoring
    sheets = list(member.sheets.select_related("bid").order_by("bid_id"))
    if any(s.status == ScoreSheet.Status.SUBMITTED for s in sheets):
        raise ServiceError(_("您已提交评分，不能重复提交。"), code="state")
    criteria = list(tender.criteria.all())
    price_criterion = next((c for c in criteria if c.kind == TenderCriterion.Kind.PRICE), None)
    scored = [c for c in criteria if c.kind != TenderCriterion.Kind.PRICE]
    bids = [s.bid for s in sheets]
    unknown = {int(k) for k in scores} - {b.pk for b in bids}
    if unknown:
        raise ServiceError(_("评分包含不属于本次评审的投标。"), code="unknown_bid")
    prices = tender_price_scores(tender, bids) if price_criterion else {}
    now = timezone.now()
    items = []
    for sheet in sheets:
        given = {int(k): v for k, v in (scores.get(sheet.bid_id) or scores.get(str(sheet.bid_id)) or {}).items()}
        total = Decimal("0")
        for criterion in scored:
            if criterion.pk not in given or given[criterion.pk] in (None, ""):
                raise ServiceError(_("请填写“%(name)s”的得分（%(bid)s）。")
                                   % {"name": criterion.name, "bid": sheet.bid.organization_id},
                                   code="score_missing")
            value = _decimal(given[criterion.pk], criterion)
            _check_range(value, criterion)
            value = q2(value)
            items.append(ScoreItem(sheet=sheet, criterion=criterion, score=value))
            total += value
        if price_criterion is not None:
            items.append(ScoreItem(sheet=sheet, criterion=price_criterion, score=prices[sheet.bid_id]))
            total += prices[sheet.bid_id]
        sheet.total = q2(total)
        ScoreSheetStates(sheet).submit()
        sheet.submitted_at = now
    ScoreItem.objects.bulk_create(items)
    ScoreSheet.objects.bulk_update(sheets, ["total", "status", "submitted_at"])
    audit_record(actor=actor, action="scores.submit", target=tender,
                 after={"member": member.pk, "totals": {s.bid_id: str(s.total) for s in sheets}})
    if not ScoreSheet.objects.filter(member__committee_id=member.committee_id,
                                     status=ScoreSheet.Status.DRAFT).exists():
        _rank(tender=tender, actor=actor)
        TenderStates(tender).complete_evaluation()
        tender.evaluated_at = now  # the report reaches the purchaser: 5 working days (条例43)
        tender.save(update_fields=["status", "evaluated_at"])
        audit_record(actor=None, action="tender.evaluated", target=tender,
                     before={"status": Tender.Status.EVALUATING}, after={"status": tender.status})
        notify(
            recipients=project_purchaser_staff(tender.project),
            title=_("评审完成：%(code)s") % {"code": tender.code},
            body=_("评标委员会已完成评分和排序，请在5个工作日内确定中标人。"),
        )
        evaluation_report_request(tender)  # 评标报告 (87号令 44), rendered after commit
    return sheets


def _rank(*, tender: Tender, actor) -> list[Bid]:
    """Set each evaluated bid's price score, final score (mean of totals) and rank.

    The tender's evaluation method decides the order (综合评分法 by total, 最低报价法 by price,
    法38(五)); bids still equal after the tie rule share a rank until ``tie_draw`` orders them.
    """
    sheets = list(
        ScoreSheet.objects.filter(member__committee__tender=tender).select_related("bid")
        .prefetch_related("items__criterion")
    )
    totals: dict[int, list[Decimal]] = defaultdict(list)
    technical: dict[int, list[Decimal]] = defaultdict(list)
    bids: dict[int, Bid] = {}
    for sheet in sheets:
        bids[sheet.bid_id] = sheet.bid
        totals[sheet.bid_id].append(sheet.total)
        technical[sheet.bid_id].append(sum(
            (i.score for i in sheet.items.all() if i.criterion.kind == TenderCriterion.Kind.TECHNICAL),
            Decimal("0"),
        ))
    prices = tender_price_scores(tender, bids.values())
    evaluated = final_prices(tender, bids.values())  # the final quote where a round was held
    for bid_id, bid in bids.items():
        bid.final_score = bid_final_score(totals[bid_id])
        bid.price_score = prices[bid_id]
    ranks = rank_bids(
        [RankRow(key=b.pk, total=b.final_score, price=evaluated[b.pk],
                 technical=bid_final_score(technical[b.pk]))
         for b in bids.values()],
        method=tender.evaluation_method, tie_rule=tender.tie_rule,
    )
    for bid_id, bid in bids.items():
        bid.rank = ranks[bid_id]
    Bid.objects.bulk_update(bids.values(), ["final_score", "price_score", "rank"])
    return sorted(bids.values(), key=lambda b: b.rank)


@transaction.atomic
def score_correct(*, item: ScoreItem, actor, new_score, reason: str, explanation: str) -> ScoreCorrection:
    """Correct one submitted score for an 87号令 art 64 reason and recompute the ranking."""
    item = ScoreItem.objects.select_related("sheet__member__committee__tender", "criterion").get(pk=item.pk)
    tender = Tender.objects.select_for_update(of=("self",)).get(pk=item.sheet.member.committee.tender_id)
    authz.require(actor, "evaluation.correct_scoreitem", item)
    if tender.status not in (Tender.Status.EVALUATING, Tender.Status.EVALUATED):
        raise ServiceError(_("定标后不能修改评分。"), code="state")
    if item.sheet.status != ScoreSheet.Status.SUBMITTED:
        raise ServiceError(_("只能修改已提交的评分。"), code="state")
    if reason not in ScoreCorrection.Reason.values:
        raise ServiceError(_("评分修改仅限于87号令第六十四条规定的情形。"), code="reason")
    if not (explanation or "").strip():
        raise ServiceError(_("请说明修改情况。"), code="explanation")
    if item.criterion.kind == TenderCriterion.Kind.PRICE:
        raise ServiceError(_("价格分由系统按公式计算，不能手工修改。"), code="price")
    if TieDraw.objects.filter(tender=tender).exists():
        # A correction would re-rank and re-open the tie: the drawn order must not be redrawable.
        raise ServiceError(_("并列排名已随机抽签确定，不能再修改评分。"), code="drawn")
    new_score = _decimal(new_score, item.criterion)
    _check_range(new_score, item.criterion)
    new_score = q2(new_score)
    correction = ScoreCorrection.objects.create(
        item=item, old_score=item.score, new_score=new_score, reason=reason,
        explanation=explanation.strip(), corrected_by=actor, corrected_at=timezone.now(),
    )
    old = item.score
    item.score = new_score
    item.save(update_fields=["score"])
    sheet = item.sheet
    sheet.total = q2(sum((i.score for i in sheet.items.all()), Decimal("0")))
    sheet.save(update_fields=["total"])
    if tender.status == Tender.Status.EVALUATED:
        _rank(tender=tender, actor=actor)
        evaluation_report_request(tender)  # the report shows the correction and the new ranking
    audit_record(actor=actor, action="score.correct", target=tender,
                 before={"item": item.pk, "score": str(old)},
                 after={"item": item.pk, "score": str(new_score), "reason": reason,
                        "sheet_total": str(sheet.total)})
    return correction
