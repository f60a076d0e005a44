"""The performance report (绩效评价报告) PDF, built from the evaluation's data, and its download
response.

The context builder returns plain JSON data with display-ready strings (core.documents stores the
context and renders from it) and runs a fixed number of queries.
"""

from decimal import Decimal

from django.conf import settings
from django.db.models import Avg, Count, Q
from django.http import HttpResponse

from core.documents import document_bytes, document_ensure, pdf_attachment
from core.models import Document
from delivery.models import ServiceRecord
from evaluation.charts import (
    SATISFACTION_BANDS,
    indicator_chart,
    party_scores_chart,
    satisfaction_chart,
)
from evaluation.models import EvaluationParty, PerformanceEvaluation
from procurement.documents import date_text, money_text, party_data
from procurement.models import IndicatorCategory

PERFORMANCE_TEMPLATE = "documents/performance_report.html"


def performance_report_context(evaluation: PerformanceEvaluation) -> dict:
    """Return the PDF context of a performance evaluation in five queries."""
    evaluation = PerformanceEvaluation.objects.select_related(
        "contract__project__community", "contract__purchaser", "contract__supplier", "third_party_expert",
    ).get(pk=evaluation.pk)
    contract = evaluation.contract
    project = contract.project
    counts = dict(
        ServiceRecord.objects.filter(contract=contract).values_list("deliverable_id")
        .annotate(n=Count("id")).values_list("deliverable_id", "n")
    )
    bands = {f"band{i}": Count("id", filter=Q(score__gte=low, score__lte=high))
             for i, (low, high) in enumerate(SATISFACTION_BANDS)}
    satisfaction = evaluation.satisfaction_responses.aggregate(avg=Avg("score"), n=Count("id"), **bands)
    indicators, measured = [], []
    for indicator in project.indicators.all():
        if indicator.category == IndicatorCategory.OUTPUT and indicator.deliverable_id:
            actual = str(counts.get(indicator.deliverable_id, 0))
        elif indicator.category == IndicatorCategory.SATISFACTION and satisfaction["n"]:
            actual = f"{Decimal(str(satisfaction['avg'])):.2f}"
        else:
            actual = "—"
        indicators.append({"category": indicator.get_category_display(), "name": indicator.name,
                           "target": f"{indicator.target.normalize():f}", "unit": indicator.unit,
                           "actual": actual})
        if actual != "—":
            label = f"{indicator.name}（{indicator.unit}）" if indicator.unit else indicator.name
            measured.append((label, Decimal(f"{indicator.target.normalize():f}"), Decimal(actual)))
    weights = settings.PLATFORM_RULES["PARTY_WEIGHTS"]
    parties = [
        {"party": EvaluationParty(ps.party).label, "weight": weights.get(ps.party, ""),
         "score": f"{ps.score:.2f}",
         "categories": [{"name": IndicatorCategory(k).label, "score": v} for k, v in ps.category_scores.items()],
         "comment": ps.comment}
        for ps in evaluation.party_scores.all()
    ]
    if satisfaction["n"]:
        parties.append({"party": EvaluationParty.RESIDENTS.label, "weight": weights["residents"],
                        "score": f"{Decimal(str(satisfaction['avg'])):.2f}",
                        "categories": [], "comment": f"{satisfaction['n']} 份答卷"})
    return {
        "title": f"绩效评价报告（{project.code}）",
        "project": {"code": project.code, "title": project.title, "community": project.community.name,
                    "fiscal_year": project.fiscal_year},
        "contract": {"code": contract.code, "amount": money_text(contract.amount),
                     "start_date": date_text(contract.start_date), "end_date": date_text(contract.end_date)},
        "purchaser": party_data(contract.purchaser),
        "supplier": party_data(contract.supplier),
        "third_party_expert": str(evaluation.third_party_expert or ""),
        "indicators": indicators,
        "parties": parties,
        "records_total": sum(counts.values()),
        "total": f"{evaluation.total:.2f}" if evaluation.total is not None else "",
        "grade": evaluation.get_grade_display() if evaluation.grade else "",
        "status": evaluation.get_status_display(),
        "finalized_at": date_text(evaluation.finalized_at),
        # Charts as data (core.charts.Chart.as_data), drawn by the template.
        "charts": {
            "parties": party_scores_chart(parties).as_data() if parties else None,
            "indicators": indicator_chart(measured).as_data() if measured else None,
            "satisfaction": satisfaction_chart(
                [satisfaction[f"band{i}"] for i in range(len(SATISFACTION_BANDS))]).as_data()
            if satisfaction["n"] else None,
        },
    }


def performance_report_pdf(evaluation: PerformanceEvaluation) -> Document:
    """Return the performance report PDF document, rendering it if its data changed."""
    return document_ensure(owner=evaluation, kind="performance_report", template_name=PERFORMANCE_TEMPLATE,
                           context=performance_report_context(evaluation))


def performance_report_pdf_response(evaluation: PerformanceEvaluation) -> HttpResponse:
    """Build the performance evaluation report PDF and return it as an attachment."""
    return pdf_attachment(data=document_bytes(performance_report_pdf(evaluation)),
                          filename=f"绩效评价报告-{evaluation.contract.code}.pdf",
                          fallback=f"performance-report-{evaluation.contract.code}.pdf")
