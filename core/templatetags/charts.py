"""``{% load charts %}``: ``data|chart`` turns a stored chart (``Chart.as_data()``) back into a
``core.charts.Chart`` for ``templates/charts/_chart.html`` (a Chart passes through)."""

from django import template

from core.charts import Chart

register = template.Library()


@register.filter(name="chart")
def chart_filter(value):
    if isinstance(value, Chart) or not value:
        return value
    return Chart.from_data(value)


@register.filter
def chart_value(value) -> str:
    """Format a chart value for its table: integers plainly, decimals without trailing zeros."""
    if value is None:
        return "—"
    from core.charts import _format

    return _format(float(value)) if not isinstance(value, int) else f"{value:,}"
