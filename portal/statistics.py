"""The public statistics page (issue 9 item 2): open data of what has been published.

Money of signed contracts by community and by service category, projects by stage (from the
publication of their tender on), the grades of closed projects. Each chart exports its numbers as
Excel (``?chart=<key>&export=xlsx``) and CSV (``&export=csv``); ``?format=json`` answers every
chart's numbers (``core.charts.Chart.as_data``). Aggregated in SQL, four queries in all.
"""

import csv
from decimal import Decimal

from django.db.models import Count, Sum
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.charts import Chart, ChartExportMixin, Series
from core.lists import MONEY
from evaluation.models import PerformanceEvaluation
from portal.selectors import PUBLIC_CONTRACT_STATUSES, public_grade_list
from procurement.models import Contract, NeedCategory, ServiceProject

# The stages a project is public in: its tender is announced from TENDERING on.
PUBLIC_PROJECT_STATUSES = [
    ServiceProject.Status.TENDERING, ServiceProject.Status.EVALUATING,
    ServiceProject.Status.AWARDED, ServiceProject.Status.IN_DELIVERY,
    ServiceProject.Status.PERFORMANCE_REVIEW, ServiceProject.Status.SETTLEMENT,
    ServiceProject.Status.CLOSED,
]
# The chart of money by community draws this many communities; its export holds all of them.
COMMUNITIES_DRAWN = 20


def public_statistics() -> dict:
    """Return the published numbers: money by community and category, projects by stage,
    grades (four queries)."""
    contracts = Contract.objects.filter(status__in=PUBLIC_CONTRACT_STATUSES).order_by()
    by_community = list(
        contracts.values_list("project__community__name")
        .annotate(n=Count("pk"), amount=Sum("amount")).order_by("-amount",
                                                                 "project__community__name"))
    by_category = dict((c, (n, a)) for c, n, a in contracts.values_list("project__category")
                       .annotate(n=Count("pk"), amount=Sum("amount")))
    stages = dict(ServiceProject.objects.filter(status__in=PUBLIC_PROJECT_STATUSES).order_by()
                  .values_list("status").annotate(n=Count("pk")))
    grades = dict(public_grade_list().order_by().values_list("grade").annotate(n=Count("pk")))
    return {
        "by_community": by_community,
        "by_category": [(str(label), *by_category[code]) for code, label in NeedCategory.choices
                        if code in by_category],
        "stages": [(str(label), stages.get(status, 0)) for status, label
                   in ServiceProject.Status.choices if status in PUBLIC_PROJECT_STATUSES],
        "grades": [(str(label), grades.get(grade, 0))
                   for grade, label in PerformanceEvaluation.Grade.choices],
    }


def statistics_charts(data: dict, *, drawn: int | None = None) -> list[Chart]:
    """Return the page's charts; ``drawn`` limits the communities of the first one."""
    communities = data["by_community"][:drawn] if drawn else data["by_community"]
    return [
        Chart(key="money-by-community", kind=Chart.HBAR, title=_("合同金额（按社区）"),
              category=_("社区"), labels=[name for name, _n, _a in communities], unit=_("元"),
              number_format=MONEY,
              series=[Series(_("合同金额"), [a for _c, _n, a in communities])]),
        Chart(key="money-by-category", kind=Chart.BAR, title=_("合同金额（按服务类别）"),
              category=_("服务类别"), labels=[label for label, _n, _a in data["by_category"]],
              unit=_("元"), number_format=MONEY,
              series=[Series(_("合同金额"), [a for _l, _n, a in data["by_category"]])]),
        Chart(key="projects-by-stage", kind=Chart.HBAR, title=_("服务项目（按阶段）"),
              category=_("阶段"), labels=[label for label, _n in data["stages"]], unit=_("个"),
              series=[Series(_("项目数"), [n for _l, n in data["stages"]])]),
        Chart(key="grades", kind=Chart.PIE, title=_("绩效评价等级分布"), category=_("等级"),
              labels=[label for label, _n in data["grades"]], unit=_("个"),
              series=[Series(_("项目数"), [n for _l, n in data["grades"]])]),
    ]


def _csv_response(chart: Chart) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{chart.key}.csv"'
    response.write("\ufeff")  # Excel opens a UTF-8 file with a BOM as UTF-8
    writer = csv.writer(response)
    writer.writerow(chart.header)
    cents = Decimal("0.01")
    for row in chart.rows:
        writer.writerow([row[0]] + ["" if v is None else
                                    Decimal(v).quantize(cents) if chart.number_format == MONEY
                                    else v for v in row[1:]])
    return response


class StatisticsView(ChartExportMixin, TemplateView):
    """The statistics page, open to everyone (no login)."""

    template_name = "portal/statistics.html"

    def data(self) -> dict:
        if not hasattr(self, "_data"):
            self._data = public_statistics()
        return self._data

    def get_charts(self):
        return statistics_charts(self.data())

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "json":
            return JsonResponse({"charts": [c.as_data() for c in self.get_charts()]},
                                json_dumps_params={"ensure_ascii": False})
        key = request.GET.get("chart")
        if key and request.GET.get("export") == "csv":
            for chart in self.get_charts():
                if chart.key == key:
                    return _csv_response(chart)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = self.data()
        charts = statistics_charts(data, drawn=COMMUNITIES_DRAWN)
        context.update(charts=charts, community_count=len(data["by_community"]),
                       communities_drawn=COMMUNITIES_DRAWN,
                       total=sum((a for _c, _n, a in data["by_community"]), Decimal("0")),
                       contract_count=sum(n for _c, n, _a in data["by_community"]))
        return context
