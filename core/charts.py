"""One chart renderer for pages and PDFs (issue 9 item 1).

A ``Chart`` holds a title, the category labels and one or more named series of numbers. It renders
itself as SVG on the server with pygal (no JavaScript: pygal's script is never loaded), shows the
same numbers as a table (``templates/charts/_chart.html``) and exports them to Excel (the lists'
``core.lists.xlsx_response``). The SVG scales to its container (``width: 100%``), its text uses the
project's CJK font family (the one the PDF templates embed, see ``static/fonts/README.md``), so
the same chart reads on a 390 px phone, a desktop and in a WeasyPrint PDF.

Use on a page::

    chart = Chart(key="records", kind=Chart.BAR, title=_("服务产出"), category=_("服务内容"),
                  labels=["入户探访", "小组活动"],
                  series=[Series(_("目标"), [10, 20]), Series(_("实际"), [8, 25])])
    # template: {% include "charts/_chart.html" with chart=chart export=True %}
    #           and link static core/charts.css + core/chart-svg.css (the SVG has no <style>)
    # view: ChartExportMixin answers ?chart=records&export=xlsx from get_charts()

In a generated PDF the document context must be plain JSON: store ``chart.as_data()`` and render
it with ``{% load charts %}{% include "charts/_chart.html" with chart=data|chart pdf=True %}``
(``pdf=True``: the SVG carries its own <style>). Kinds: BAR, HBAR, STACKED, LINE, PIE.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from decimal import Decimal

import pygal
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from pygal.style import Style

from core.lists import xlsx_response

# The PDF templates' family list (templates/documents/base.html); a browser without these fonts
# falls back to its own sans-serif CJK font.
FONT_FAMILY = '"Noto Sans CJK SC", "Platform CJK", "WenQuanYi Micro Hei", "PingFang SC", ' \
              '"Microsoft YaHei", sans-serif'
# The office style's colours (static/office/office.css): blue, green, amber, red, then softer ones.
COLORS = ("#1565c0", "#2e7d32", "#b26a00", "#c62828", "#6a1b9a", "#00838f", "#81c784", "#90caf9",
          "#ffb74d", "#e57373")
STYLE = Style(
    background="transparent", plot_background="transparent", foreground="#333333",
    foreground_strong="#212121", foreground_subtle="#e0e0e0", opacity=".85",
    opacity_hover=".95", colors=COLORS, font_family=FONT_FAMILY, title_font_size=16,
    label_font_size=12, major_label_font_size=12, legend_font_size=13, value_font_size=12,
    tooltip_font_size=13, value_label_font_size=12, guide_stroke_color="#e0e0e0",
    major_guide_stroke_color="#bdbdbd", guide_stroke_dasharray="0", major_guide_stroke_dasharray="0",
)
WIDTH = 480  # drawing units: about a desktop column, readable scaled to a 390 px phone
AXIS_LABEL = 9  # wide characters an axis label keeps on a horizontal bar chart (the table has all)
# Dropped from pygal's output: comments, its inline config script (no JavaScript runs) and the
# hover tooltip's empty box (it would need that script and an inline style attribute).
# The legends' ids are dropped too: two charts on one page would repeat them.
_STYLE_ELEMENT = re.compile(r"<style\b.*?</style>", re.S)
_STRIP = re.compile(r"<!--.*?-->|<script\b.*?</script>"
                    r"|<g [^>]*class=\"tooltip\"><rect [^>]*/><g class=\"text\" /></g>"
                    r"| id=\"activate-serie-\d+\"", re.S)


@dataclass
class Series:
    """One named row of numbers, one per label (None: no value)."""

    name: str
    values: list


@dataclass
class Chart:
    """A chart and its numbers; ``svg()`` draws it, ``header``/``rows`` tabulate it."""

    BAR = "bar"  # grouped vertical bars, one group per label
    HBAR = "hbar"  # grouped horizontal bars (long labels, phones)
    STACKED = "stacked"  # stacked vertical bars
    LINE = "line"  # one line per series over the labels (time)
    PIE = "pie"  # one series, shares of a whole (donut)
    KINDS = {BAR: pygal.Bar, HBAR: pygal.HorizontalBar, STACKED: pygal.StackedBar,
             LINE: pygal.Line, PIE: pygal.Pie}

    key: str
    kind: str
    title: str
    labels: list
    series: list = field(default_factory=list)
    category: str = ""  # the header of the labels' column
    unit: str = ""  # shown after values in the table header
    number_format: str | None = None  # Excel number format of the values, e.g. core.lists.MONEY
    height: int = 0  # drawing units; 0: from the number of labels

    def __post_init__(self):
        if self.kind not in self.KINDS:
            raise ValueError(f"unknown chart kind {self.kind!r}")
        self.labels = [str(label) for label in self.labels]
        self.series = [s if isinstance(s, Series) else Series(*s) for s in self.series]
        for s in self.series:
            if len(s.values) != len(self.labels):
                raise ValueError("each series needs one value per label")

    # -- numbers -------------------------------------------------------------------------------
    @property
    def header(self) -> list[str]:
        unit = f"（{self.unit}）" if self.unit else ""
        return [str(self.category or _("项目"))] + [f"{s.name}{unit}" for s in self.series]

    @property
    def rows(self) -> list[list]:
        """Return one row per label: the label, then each series' value."""
        return [[label] + [s.values[i] for s in self.series] for i, label in enumerate(self.labels)]

    @property
    def is_empty(self) -> bool:
        return not any(v for s in self.series for v in s.values)

    # -- drawing -------------------------------------------------------------------------------
    def _height(self) -> int:
        if self.height:
            return self.height
        if self.kind == self.HBAR:
            return max(200, 80 + 26 * len(self.labels) * max(1, len(self.series)))
        return 300

    def svg(self) -> str:
        """Return the chart as an inline SVG element for a page (safe HTML), scaled to its box.

        It has no <style>: the page links static/core/chart-svg.css (a Content-Security-Policy
        without 'unsafe-inline' would refuse the inline one)."""
        return mark_safe(_STYLE_ELEMENT.sub("", self.svg_styled()))  # noqa: S308 pygal escapes

    def svg_styled(self) -> str:
        """Return the chart as an inline SVG element carrying its own <style> (for PDFs)."""
        legends = self.labels if self.kind == self.PIE else [str(s.name) for s in self.series]
        legend_width = max((_text_width(t, STYLE.legend_font_size) for t in legends), default=0)
        integers = all(isinstance(v, int) for s in self.series for v in s.values if v is not None)
        extra, labels, order = {}, self.labels, slice(None)
        if self.kind == self.HBAR and self.labels:
            # pygal draws the first label at the bottom: reverse to read as the table, top down.
            order = slice(None, None, -1)
            labels = [_shorten(t, AXIS_LABEL * STYLE.label_font_size) for t in labels[order]]
            # pygal measures text at 0.6 em a character; CJK characters take a whole em.
            fs = STYLE.label_font_size
            extra["margin_left"] = 8 + max(_text_width(t, fs) - 0.6 * fs * len(t) for t in labels)
        if self.kind == self.HBAR:
            # pygal's own value-axis ticks crowd the width with 3,000,000-wide labels: a few
            # round ones instead (0, 1,000,000, 2,000,000, 3,000,000).
            numbers = [_float(v) for s in self.series for v in s.values if v is not None]
            if numbers and min(numbers) >= 0 and max(numbers) > 0:
                extra["y_labels"] = _nice_ticks(max(numbers), integers=integers)
        chart = self.KINDS[self.kind](
            style=STYLE, js=[], disable_xml_declaration=True, explicit_size=False, width=WIDTH,
            height=self._height(), show_legend=len(self.series) > 1 or self.kind == self.PIE,
            legend_at_bottom=True,
            legend_at_bottom_columns=max(1, min(3, int(WIDTH // (legend_width + 40)))),
            order_min=0 if integers else None, print_values=self.kind != self.LINE,
            print_zeroes=False, truncate_label=-1, truncate_legend=-1, x_label_rotation=0,
            margin=8, margin_bottom=26, spacing=10, show_y_guides=True, show_x_guides=False,
            inner_radius=.45 if self.kind == self.PIE else 0, dots_size=3,
            no_data_text=_("暂无数据"), value_formatter=_format, **extra,
        )
        if self.kind == self.PIE:
            for i, label in enumerate(self.labels):
                value = self.series[0].values[i] if self.series else None
                chart.add(label, [_float(value)])
        else:
            chart.x_labels = labels
            for s in self.series:
                chart.add(s.name, [_float(v) for v in s.values[order]])
        svg = _STRIP.sub("", chart.render(is_unicode=True))
        label = f'role="img" aria-label="{_attr(self.title)}" '
        return mark_safe(svg.replace("<svg ", f"<svg {label}", 1))  # noqa: S308 pygal escapes

    # -- storage and export ---------------------------------------------------------------------
    def as_data(self) -> dict:
        """Return the chart as plain JSON data (for a generated document's stored context)."""
        return {"key": self.key, "kind": self.kind, "title": str(self.title),
                "labels": self.labels, "category": str(self.category), "unit": str(self.unit),
                "number_format": self.number_format, "height": self.height,
                "series": [{"name": str(s.name), "values": [_plain(v) for v in s.values]}
                           for s in self.series]}

    @classmethod
    def from_data(cls, data: dict) -> Chart:
        """Rebuild a chart from ``as_data()`` (Decimal strings become Decimals again)."""
        series = [Series(s["name"], [_number(v) for v in s["values"]]) for s in data["series"]]
        return cls(key=data["key"], kind=data["kind"], title=data["title"],
                   labels=data["labels"], series=series, category=data.get("category", ""),
                   unit=data.get("unit", ""), number_format=data.get("number_format"),
                   height=data.get("height", 0))

    def xlsx_response(self, filename: str | None = None):
        """Return the chart's table as an Excel workbook (headers, numbers as numbers)."""
        header = self.header
        columns = [(header[0], lambda row: row[0], None)]
        for index, name in enumerate(header[1:], start=1):
            columns.append((name, lambda row, i=index: row[i], self.number_format))
        return xlsx_response(rows=self.rows, columns=columns, title=str(self.title),
                             filename=filename or str(self.title))


def stylesheet() -> str:
    """Return pygal's chart CSS for STYLE scoped to ``svg.pygal-chart``: static/core/chart-svg.css.

    Each SVG also carries these rules in its own <style> (a PDF needs them there); the static copy
    keeps the charts' colours on a page whose Content-Security-Policy refuses inline styles.
    Regenerate after changing STYLE: ``.venv/bin/python -m core.charts > static/core/chart-svg.css``.
    """
    chart = pygal.Bar(style=STYLE, js=[], no_prefix=True, disable_xml_declaration=True)
    for _color in COLORS:  # one rule set per colour
        chart.add("", [1])
    css = re.search(r"<style[^>]*>(.*?)</style>", chart.render(is_unicode=True), re.S).group(1)
    css = html.unescape(re.sub(r"/\*.*?\*/", "", css, flags=re.S))  # "&gt;" in the SVG
    lines = ["/* Generated by core.charts.stylesheet() from pygal's CSS: do not edit. */"]
    for selectors, body in re.findall(r"([^{}]*)\{([^{}]*)\}", css):
        scoped = ",".join(f"svg.pygal-chart {sel.strip()}".rstrip() for sel in selectors.split(","))
        lines.append(f"{scoped}{{{body.strip()}}}")
    return "\n".join(lines) + "\n"


class ChartExportMixin:
    """A page view whose charts export: ``get_charts()`` returns them; ``?chart=<key>&export=xlsx``
    answers that chart's numbers as Excel. Put it before the view's base class."""

    def get_charts(self) -> list[Chart]:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        key = request.GET.get("chart")
        if key and request.GET.get("export") == "xlsx":
            for chart in self.get_charts():
                if chart.key == key:
                    return chart.xlsx_response()
        return super().get(request, *args, **kwargs)


def _nice_ticks(top: float, count: int = 4, integers: bool = False) -> list:
    """Return about ``count`` round ticks from 0 covering top (steps of 1, 2, 2.5 or 5 × 10ⁿ;
    whole steps for counts)."""
    import math

    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if integers:
        step = max(1, math.ceil(step))
    ticks = [0]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return [int(t) if float(t).is_integer() else round(t, 6) for t in ticks]


def _text_width(text: str, size: float) -> float:
    """Estimate a text's width: a CJK (wide) character one em, another 0.6 em."""
    return sum(size if ord(ch) >= 0x2E80 else 0.6 * size for ch in str(text))


def _shorten(text: str, width: float) -> str:
    """Cut a label to about ``width`` units of the label font, ending it with "…"."""
    size = STYLE.label_font_size
    if _text_width(text, size) <= width:
        return text
    while text and _text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _float(value):
    return None if value is None else float(value)


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


def _number(value):
    return Decimal(value) if isinstance(value, str) else value


def _format(value) -> str:
    if value is None:
        return ""
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"


def _attr(text) -> str:
    return (str(text).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;"))


if __name__ == "__main__":
    print(stylesheet(), end="")
