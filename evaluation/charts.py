"""Charts of delivery against targets and of the performance report (core.charts renders them).

Pure functions of data already read (no queries): the pages and the PDF context builder call
their selectors, then these.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from core.charts import Chart, Series

# Satisfaction answers (0–100) in the grade bands of 财预〔2020〕10号: 差, 中, 良, 优.
SATISFACTION_BANDS = ((0, 59), (60, 79), (80, 89), (90, 100))


def deliverable_label(deliverable) -> str:
    return f"{deliverable.get_activity_type_display()}·{deliverable.description}"


def delivery_target_chart(achievement) -> Chart:
    """Each deliverable's target quantity, records written and, while the contract runs, the
    records due by today at an even pace."""
    rows = achievement.deliverables
    series = [Series(_("目标数量"), [row.deliverable.quantity for row in rows]),
              Series(_("已记录台账"), [row.records for row in rows])]
    if achievement.elapsed is not None:
        series.append(Series(_("按进度应完成"), [row.expected for row in rows]))
    return Chart(key="delivery-targets", kind=Chart.HBAR, title=_("服务产出：目标与完成"),
                 category=_("服务产出"), labels=[deliverable_label(r.deliverable) for r in rows],
                 series=series)


def records_month_chart(achievement, months, by_month) -> Chart:
    """Service records written per month, stacked by deliverable."""
    series = [Series(deliverable_label(row.deliverable),
                     by_month.get(row.deliverable.pk, [0] * len(months)))
              for row in achievement.deliverables]
    return Chart(key="records-by-month", kind=Chart.STACKED, title=_("每月服务台账（条）"),
                 category=_("月份"), labels=[m.strftime("%Y-%m") for m in months], series=series)


def party_scores_chart(parties: list[dict]) -> Chart:
    """Each evaluating party's score (0–100): ``parties`` as in the report context."""
    return Chart(key="party-scores", kind=Chart.BAR, title=_("各评价主体得分"),
                 category=_("评价主体"), labels=[p["party"] for p in parties],
                 series=[Series(_("得分"), [Decimal(p["score"]) for p in parties])])


def indicator_chart(indicators: list[tuple[str, Decimal, Decimal]]) -> Chart:
    """Measured indicators: (label, target, actual)."""
    return Chart(key="indicators", kind=Chart.HBAR, title=_("绩效指标：目标值与实际值"),
                 category=_("指标"), labels=[label for label, _t, _a in indicators],
                 series=[Series(_("目标值"), [t for _l, t, _a in indicators]),
                         Series(_("实际值"), [a for _l, _t, a in indicators])])


def satisfaction_chart(counts: list[int]) -> Chart:
    """Satisfaction answers per band (``counts`` in the order of SATISFACTION_BANDS)."""
    return Chart(key="satisfaction", kind=Chart.BAR, title=_("满意度分布（份）"),
                 category=_("满意度分数"), labels=[f"{low}–{high}" for low, high in SATISFACTION_BANDS],
                 series=[Series(_("答卷数"), counts)])
