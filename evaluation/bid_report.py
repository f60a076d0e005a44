"""The bid evaluation report (评标报告) of a tender: its PDF, built from the committee's record.

87号令 44: the committee writes an evaluation report with the scoring, the ranking and the
members' signatures. Ours is generated from the stored data when the last expert submits (and
again after a score correction or a tie draw changed the ranking): the context is plain JSON with
display-ready strings, core.documents keeps it with the rendered file's SHA-256, so the purchaser
and the committee read the same bytes and anyone can check them against the hash.

The context builder runs a fixed number of queries whatever the number of bids and experts.
"""

from collections import defaultdict
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.charts import Chart, Series
from core.documents import document_bytes, document_ensure, document_request, pdf_attachment
from core.models import Document
from evaluation.models import CommitteeMember, ScoreCorrection, ScoreItem, TieDraw
from procurement.documents import date_text, money_text
from procurement.models import Bid, Tender, TenderCriterion
from procurement.services.final_quotes import final_prices

EVALUATION_REPORT_TEMPLATE = "documents/evaluation_report.html"
EVALUATION_REPORT_KIND = "evaluation_report"


def _time_text(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _score(value) -> str:
    return f"{Decimal(value):.2f}" if value is not None else ""


def evaluation_report_context(tender: Tender) -> dict:
    """Return the PDF context of a tender's evaluation report in eight queries."""
    tender = Tender.objects.select_related("project__community", "project__purchaser",
                                           "committee").get(pk=tender.pk)
    committee = tender.committee
    criteria = list(tender.criteria.order_by("order", "id"))
    members = list(CommitteeMember.objects.filter(committee=committee)
                   .select_related("expert").order_by("-is_chair", "id"))
    bids = list(Bid.objects.filter(score_sheets__member__committee=committee).distinct()
                .select_related("organization").order_by("rank", "organization__name"))
    prices = final_prices(tender, bids)
    items = ScoreItem.objects.filter(sheet__member__committee=committee).values_list(
        "sheet__member_id", "sheet__bid_id", "criterion_id", "score", "sheet__total")
    scores: dict = defaultdict(dict)
    totals: dict = {}
    for member_id, bid_id, criterion_id, score, total in items:
        scores[(member_id, bid_id)][criterion_id] = score
        totals[(member_id, bid_id)] = total
    names = {b.pk: b.organization.name for b in bids}
    corrections = [
        {"expert": str(c.item.sheet.member.expert), "bidder": names.get(c.item.sheet.bid_id, ""),
         "criterion": c.item.criterion.name, "old": _score(c.old_score), "new": _score(c.new_score),
         "reason": c.get_reason_display(), "explanation": c.explanation,
         "at": _time_text(c.corrected_at)}
        for c in ScoreCorrection.objects.filter(item__sheet__member__committee=committee)
        .select_related("item__sheet__member__expert", "item__criterion").order_by("corrected_at", "id")
    ]
    draw = TieDraw.objects.filter(tender=tender).select_related("drawn_by").first()
    bidders = [b.organization.name for b in bids]
    charts = {
        "final": Chart(key="final", kind=Chart.HBAR, title=_("各投标人综合得分"),
                       category=_("投标人"), labels=bidders,
                       series=[Series(_("综合得分"), [b.final_score for b in bids])]).as_data(),
        # Each expert's total for each bidder side by side: a score far from the others shows.
        "experts": Chart(key="experts", kind=Chart.BAR, title=_("各评审专家对各投标人的评分合计"),
                         category=_("评审专家"), labels=[str(m.expert) for m in members],
                         series=[Series(b.organization.name,
                                        [totals.get((m.pk, b.pk)) for m in members])
                                 for b in bids]).as_data(),
    }
    return {
        "title": f"评标报告（{tender.code}）",
        "tender": {
            "code": tender.code, "title": tender.title, "method": tender.get_method_display(),
            "evaluation_method": tender.get_evaluation_method_display(),
            "tie_rule": tender.get_tie_rule_display(),
            "budget": money_text(tender.budget_amount), "price_weight": _score(tender.price_weight),
            "bid_deadline": _time_text(tender.bid_deadline), "opened_at": _time_text(tender.opened_at),
            "evaluated_at": _time_text(tender.evaluated_at),
            "community": tender.project.community.name, "purchaser": tender.project.purchaser.name,
        },
        "committee": {"formed_at": _time_text(committee.formed_at), "draw_seed": committee.draw_seed},
        "members": [{"name": str(m.expert), "chair": m.is_chair} for m in members],
        "criteria": [{"name": c.name, "kind": c.get_kind_display(), "max_score": _score(c.max_score),
                      "price": c.kind == TenderCriterion.Kind.PRICE} for c in criteria],
        "bids": [{"bidder": b.organization.name, "price": money_text(b.price),
                  "evaluated_price": money_text(prices[b.pk]),
                  "final_quote": prices[b.pk] != b.price,
                  "price_score": _score(b.price_score), "final_score": _score(b.final_score),
                  "rank": b.rank or ""} for b in bids],
        "sheets": [
            {"expert": str(m.expert), "chair": m.is_chair,
             "rows": [{"bidder": b.organization.name,
                       "scores": [_score(scores[(m.pk, b.pk)].get(c.pk)) for c in criteria],
                       "total": _score(totals.get((m.pk, b.pk)))} for b in bids]}
            for m in members
        ],
        "corrections": corrections,
        "tie_draw": None if draw is None else {
            "seed": draw.seed, "by": str(draw.drawn_by), "at": _time_text(draw.drawn_at),
            "groups": [{"rank": g["rank"], "order": [names.get(pk, str(pk)) for pk in g["order"]]}
                       for g in draw.groups]},
        "winner": next((b.organization.name for b in bids if b.rank == 1), ""),
        "charts": charts,
        "date": date_text(tender.evaluated_at),
    }


def evaluation_report_request(tender: Tender) -> Document:
    """Record the report's inputs now; the PDF is rendered after commit (by the worker)."""
    return document_request(owner=tender, kind=EVALUATION_REPORT_KIND,
                            template_name=EVALUATION_REPORT_TEMPLATE,
                            context=evaluation_report_context(tender))


def evaluation_report_pdf(tender: Tender) -> Document:
    """Return the evaluation report's document, rendering it if its data changed."""
    return document_ensure(owner=tender, kind=EVALUATION_REPORT_KIND,
                           template_name=EVALUATION_REPORT_TEMPLATE,
                           context=evaluation_report_context(tender))


def evaluation_report_response(tender: Tender) -> HttpResponse:
    """Return the report as a PDF download named after the tender."""
    return pdf_attachment(data=document_bytes(evaluation_report_pdf(tender)),
                          filename=f"评标报告-{tender.code}.pdf",
                          fallback=f"evaluation-report-{tender.code}.pdf")


def public_evaluation_summary(tender: Tender) -> dict | None:
    """Return what the award notice publishes of the evaluation (87号令 69): the ranking with
    each bidder's final score, and the committee's names; None before the award (2 queries)."""
    if tender.status != Tender.Status.AWARDED or tender.evaluated_at is None:
        return None
    bids = (Bid.objects.filter(tender=tender, rank__isnull=False).select_related("organization")
            .order_by("rank", "organization__name"))
    members = (CommitteeMember.objects.filter(committee__tender=tender).select_related("expert")
               .order_by("-is_chair", "id"))
    return {"bids": [{"rank": b.rank, "bidder": b.organization.name,
                      "final_score": _score(b.final_score)} for b in bids],
            "experts": [str(m.expert) for m in members]}
