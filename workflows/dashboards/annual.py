"""The bureau's annual report (年度报告) of one fiscal year, as a PDF with charts (issue 9 item 5).

For a purchaser (民政局) and a fiscal year: the money (the envelopes funding its projects that
year: amount, committed, contracted, paid, execution), the projects by stage, procurement
outcomes by method (tenders, 废标, bidders), savings against budget, time per stage, performance
grades and residents' satisfaction, and the communities under the bureau against the city plan's
targets (measured in that year). Everything comes from the dashboards' and the plan monitoring's
SQL aggregates — nothing is counted a second way here — and the context is plain JSON, kept by
core.documents with the PDF's SHA-256 and re-rendered only when the numbers change.
"""

from decimal import Decimal

from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext as _

from core.charts import Chart, Series
from core.documents import document_bytes, document_ensure, pdf_attachment
from evaluation.models import PerformanceEvaluation, SatisfactionResponse
from finance.models import BudgetEnvelope
from finance.selectors import ledger_rows
from planning.models import PlanIndicator
from planning.selectors import (
    communities_under,
    community_rows,
    met_totals,
    plans,
    street_summary,
)
from procurement.documents import date_text, money_text
from procurement.models import ServiceProject
from workflows.dashboards.charts import purchaser_charts
from workflows.dashboards.selectors import percent, purchaser_dashboard

ANNUAL_TEMPLATE = "documents/annual_report.html"


def _pct(value) -> str:
    return "" if value is None else f"{value:.1f}%"


def report_years(organization) -> list[int]:
    """Return the fiscal years of the purchaser's projects, newest first."""
    return list(ServiceProject.objects.filter(purchaser=organization).order_by("-fiscal_year")
                .values_list("fiscal_year", flat=True).distinct())


def annual_report_context(*, organization, year: int) -> dict:
    """Return the annual report's context (plain JSON) for the purchaser and fiscal year."""
    data = purchaser_dashboard(organization=organization, fiscal_year=year)
    envelopes = (BudgetEnvelope.objects.filter(
        fiscal_year=year, commitments__project__purchaser=organization).distinct()
        .select_related("division", "finance_bureau").order_by("funding_source", "pk"))
    ledger = ledger_rows(envelopes=envelopes)
    evaluations = PerformanceEvaluation.objects.filter(
        contract__project__purchaser=organization, contract__project__fiscal_year=year,
        status=PerformanceEvaluation.Status.FINALIZED)
    grades = dict(evaluations.order_by().values_list("grade").annotate(n=Count("pk")))
    mean = evaluations.aggregate(mean=Avg("total"))["mean"]
    survey = SatisfactionResponse.objects.filter(
        evaluation__contract__project__purchaser=organization,
        evaluation__contract__project__fiscal_year=year).aggregate(n=Count("pk"), mean=Avg("score"))
    found = plans()
    plan = found[0] if found else None
    rows = community_rows(communities_under(organization.division), plan=plan[0], year=plan[1],
                          measured=year) if plan else []
    met = met_totals(street_summary(rows))

    amount = sum((r.amount for r in ledger), Decimal("0"))
    paid = sum((r.paid for r in ledger), Decimal("0"))
    charts = {c.key.replace("-", "_"): c.as_data() for c in purchaser_charts(data)
              if c.key != "overdue-tasks"}  # today's tasks are not the year's
    def wan(value):  # 万元: an axis of 3,000,000.00-wide labels does not fit a page
        return (value / 10000).quantize(Decimal("0.01"))

    charts["budget"] = Chart(
        key="budget", kind=Chart.HBAR, title=_("预算执行（按预算额度）"), category=_("预算额度"),
        labels=[r.envelope.name for r in ledger], unit=_("万元"),
        series=[Series(_("预算额度"), [wan(r.amount) for r in ledger]),
                Series(_("已占用"), [wan(r.committed) for r in ledger]),
                Series(_("已签合同"), [wan(r.contracted) for r in ledger]),
                Series(_("已支付"), [wan(r.paid) for r in ledger])]).as_data()
    charts["grades"] = Chart(
        key="grades", kind=Chart.BAR, title=_("绩效评价等级"), category=_("等级"),
        labels=[str(label) for _value, label in PerformanceEvaluation.Grade.choices],
        series=[Series(_("项目数"), [grades.get(v, 0) for v, _l in
                                     PerformanceEvaluation.Grade.choices])]).as_data()
    if rows:
        charts["plan"] = Chart(
            key="plan", kind=Chart.HBAR, title=_("规划目标达标社区数"), category=_("指标"),
            labels=[str(i.label) for i in PlanIndicator],
            series=[Series(_("达标"), [m for m, _n in met]),
                    Series(_("未达标"), [n - m for m, n in met])]).as_data()
    return {
        "title": f"{organization.name}{year}年度政府购买社区服务报告",
        "organization": organization.name,
        "year": year,
        "generated": date_text(timezone.localdate()),
        "money": {"amount": money_text(amount),
                  "committed": money_text(sum((r.committed for r in ledger), Decimal("0"))),
                  "contracted": money_text(sum((r.contracted for r in ledger), Decimal("0"))),
                  "paid": money_text(paid), "execution": _pct(percent(paid, amount))},
        "ledger": [{"name": r.envelope.name, "source": r.envelope.get_funding_source_display(),
                    "amount": money_text(r.amount), "committed": money_text(r.committed),
                    "contracted": money_text(r.contracted), "paid": money_text(r.paid),
                    "execution": _pct(percent(r.paid, r.amount))} for r in ledger],
        "projects": data.project_count,
        "pipeline": [{"label": label, "count": n} for _s, label, n in data.pipeline],
        "methods": [{"label": m.label, "tenders": m.tenders, "concluded": m.concluded,
                     "failed": m.failed, "failure_rate": _pct(m.failure_rate),
                     "bidders": m.bidders} for m in data.methods],
        "budget": money_text(data.budget), "contracted": money_text(data.contracted),
        "savings": money_text(data.savings), "savings_rate": _pct(data.savings_rate),
        "failure_rate": _pct(data.failure_rate),
        "stages": [{"label": t.label, "count": t.count,
                    "median": "" if t.median is None else f"{t.median}",
                    "worst": "" if t.worst is None else f"{t.worst}"} for t in data.stage_times],
        "grades": [{"label": str(label), "count": grades.get(value, 0)}
                   for value, label in PerformanceEvaluation.Grade.choices],
        "grade_mean": "" if mean is None else f"{Decimal(str(mean)):.2f}",
        "survey": {"count": survey["n"],
                   "mean": "" if survey["mean"] is None else f"{Decimal(str(survey['mean'])):.1f}"},
        "plan": None if not plan else {
            "name": plan[0], "year": plan[1], "communities": len(rows),
            "indicators": [{"label": str(i.label), "met": m, "with_target": n}
                           for i, (m, n) in zip(PlanIndicator, met, strict=True)]},
        "charts": charts,
    }


def annual_report_pdf(*, organization, year: int):
    """Return the annual report's document, rendering it when its numbers changed."""
    return document_ensure(owner=organization, kind=f"annual_report_{year}",
                           template_name=ANNUAL_TEMPLATE,
                           context=annual_report_context(organization=organization, year=year))


def annual_report_response(*, organization, year: int):
    return pdf_attachment(data=document_bytes(annual_report_pdf(organization=organization, year=year)),
                          filename=f"{organization.name}{year}年度报告.pdf",
                          fallback=f"annual-report-{year}.pdf")
