"""The dashboards' charts (core.charts renders them): pure functions of the selectors' numbers."""

from django.utils.translation import gettext as _

from core.charts import Chart, Series
from core.lists import MONEY
from evaluation.charts import SATISFACTION_BANDS
from procurement.models import Need, NeedCategory


def _money_series(groups) -> list[Series]:
    return [Series(_("预算额度"), [g.envelope for g in groups]),
            Series(_("已占用"), [g.committed for g in groups]),
            Series(_("已签合同"), [g.contracted for g in groups]),
            Series(_("已支付"), [g.paid for g in groups])]


def finance_charts(data) -> list[Chart]:
    """Budget execution by fiscal year, funding source and division (元)."""
    charts = []
    for key, title, category, groups, kind in (
        ("budget-by-year", _("预算执行（按年度）"), _("预算年度"), data.by_year, Chart.BAR),
        ("budget-by-source", _("预算执行（按资金来源）"), _("资金来源"), data.by_source,
         Chart.HBAR),
        ("budget-by-division", _("预算执行（按区划）"), _("区划"), data.by_division, Chart.HBAR),
    ):
        charts.append(Chart(key=key, kind=kind, title=title, category=category,
                            labels=[g.label for g in groups], series=_money_series(groups),
                            unit=_("元"), number_format=MONEY))
    charts.append(Chart(
        key="execution-by-year", kind=Chart.BAR, title=_("预算执行率（已支付÷预算额度）"),
        category=_("预算年度"), labels=[g.label for g in data.by_year], unit="%",
        series=[Series(_("执行率"), [g.execution for g in data.by_year])]))
    return charts


def purchaser_charts(data) -> list[Chart]:
    """Pipeline, stage times, overdue tasks and procurement outcomes."""
    return [
        Chart(key="pipeline", kind=Chart.HBAR, title=_("项目所处阶段"), category=_("阶段"),
              labels=[label for _s, label, _n in data.pipeline], unit=_("个"),
              series=[Series(_("项目数"), [n for _s, _l, n in data.pipeline])]),
        Chart(key="stage-times", kind=Chart.HBAR, title=_("各阶段用时"), category=_("阶段"),
              labels=[s.label for s in data.stage_times], unit=_("天"),
              series=[Series(_("中位数"), [s.median for s in data.stage_times]),
                      Series(_("最长"), [s.worst for s in data.stage_times])]),
        Chart(key="overdue-tasks", kind=Chart.HBAR, title=_("逾期待办（按环节）"),
              category=_("环节"), labels=[title for title, _n in data.overdue_by_step],
              unit=_("项"), series=[Series(_("逾期"), [n for _t, n in data.overdue_by_step])]),
        Chart(key="methods", kind=Chart.BAR, title=_("采购方式与废标"), category=_("采购方式"),
              labels=[m.label for m in data.methods], unit=_("次"),
              series=[Series(_("采购次数"), [m.tenders for m in data.methods]),
                      Series(_("废标次数"), [m.failed for m in data.methods])]),
        Chart(key="bidders", kind=Chart.BAR, title=_("每次采购的有效投标人数"),
              category=_("投标人数"), labels=[str(b) for b, _n in data.bidders_histogram],
              unit=_("次"),
              series=[Series(_("采购次数"), [n for _b, n in data.bidders_histogram])]),
        Chart(key="savings", kind=Chart.BAR, title=_("项目预算与合同金额"),
              category=_("预算年度"), labels=[str(y) for y, _b, _c in data.savings_by_year],
              unit=_("元"), number_format=MONEY,
              series=[Series(_("项目预算"), [b for _y, b, _c in data.savings_by_year]),
                      Series(_("合同金额"), [c for _y, _b, c in data.savings_by_year]),
                      Series(_("节约资金"), [b - c for _y, b, c in data.savings_by_year])]),
    ]


def community_charts(data) -> list[Chart]:
    """Needs by category and status, money by category, satisfaction."""
    categories = [(code, label) for code, label in NeedCategory.choices
                  if any(data.needs.get((code, s)) for s in Need.Status.values)]
    statuses = [(s, label) for s, label in Need.Status.choices
                if any(data.needs.get((c, s)) for c, _l in categories)]
    bands = [f"{low}–{high}" for low, high in SATISFACTION_BANDS]
    return [
        Chart(key="needs", kind=Chart.STACKED, title=_("居民需求（按类别和处理状态）"),
              category=_("类别"), labels=[str(label) for _c, label in categories], unit=_("条"),
              series=[Series(str(label), [data.needs.get((c, s), 0) for c, _l in categories])
                      for s, label in statuses]),
        Chart(key="projects", kind=Chart.BAR, title=_("服务项目数（按类别）"), category=_("类别"),
              labels=[r["label"] for r in data.projects], unit=_("个"),
              series=[Series(_("项目数"), [r["projects"] for r in data.projects])]),
        Chart(key="spend", kind=Chart.HBAR, title=_("项目资金（按类别）"), category=_("类别"),
              labels=[r["label"] for r in data.projects], unit=_("元"), number_format=MONEY,
              series=[Series(_("项目预算"), [r["budget"] for r in data.projects]),
                      Series(_("合同金额"), [r["contracted"] for r in data.projects]),
                      Series(_("已支付"), [r["paid"] for r in data.projects])]),
        Chart(key="satisfaction", kind=Chart.BAR, title=_("居民满意度分布（份）"),
              category=_("满意度分数"), labels=bands,
              series=[Series(s.label, s.bands) for s in data.satisfaction]),
    ]


def social_org_charts(data) -> list[Chart]:
    """Own bids and wins, contracts, delivery against targets, grades."""
    return [
        Chart(key="bids", kind=Chart.BAR, title=_("投标与中标（按预算年度）"),
              category=_("预算年度"), labels=[str(y) for y, *_r in data.bids_by_year],
              unit=_("次"),
              series=[Series(_("投标"), [b for _y, b, _c, _w in data.bids_by_year]),
                      Series(_("已出结果"), [c for _y, _b, c, _w in data.bids_by_year]),
                      Series(_("中标"), [w for _y, _b, _c, w in data.bids_by_year])]),
        Chart(key="contracts", kind=Chart.BAR, title=_("服务合同（按状态）"), category=_("状态"),
              labels=[label for _s, label, _n, _a in data.contracts_by_status],
              unit=_("元"), number_format=MONEY,
              series=[Series(_("合同金额"), [a for _s, _l, _n, a in data.contracts_by_status])]),
        Chart(key="delivery", kind=Chart.HBAR, title=_("履行中合同：服务产出目标与已记录台账"),
              category=_("合同"), labels=[row["code"] for row in data.delivery],
              series=[Series(_("目标数量"), [row["target"] for row in data.delivery]),
                      Series(_("已记录台账"), [row["records"] for row in data.delivery])]),
        Chart(key="grades", kind=Chart.PIE, title=_("绩效评价等级"), category=_("等级"),
              labels=[label for _g, label, _n in data.grades], unit=_("个"),
              series=[Series(_("项目数"), [n for _g, _l, n in data.grades])]),
    ]
