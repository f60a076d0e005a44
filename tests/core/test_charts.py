"""The chart renderer: SVG with the numbers and CJK labels and no script, the table beside it
with the same numbers, the Excel export of the same numbers, and the stored form for PDFs."""

import io
import json
from decimal import Decimal as D

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.views.generic import TemplateView
from openpyxl import load_workbook

from core.charts import WIDTH, Chart, ChartExportMixin, Series


def _chart(kind=Chart.BAR):
    return Chart(key="outputs", kind=kind, title="服务产出完成情况", category="服务内容",
                 labels=["入户探访", "小组活动"],
                 series=[Series("目标", [12, 20]), Series("实际", [7, D("25.5")])])


@pytest.mark.parametrize("kind", [Chart.BAR, Chart.HBAR, Chart.STACKED, Chart.LINE])
def test_svg_holds_values_and_cjk_labels_without_script(kind):
    svg = str(_chart(kind).svg())
    assert svg.startswith("<svg ")
    assert 'role="img"' in svg and 'aria-label="服务产出完成情况"' in svg
    for text in ("入户探访", "小组活动", "目标", "实际"):
        assert text in svg
    if kind != Chart.LINE:  # lines carry no printed values
        for value in (">12<", ">7<", ">25.5<", ">20<"):
            assert value in svg, value
    assert "<script" not in svg and "http://kozea" not in svg and "cdn" not in svg.lower()
    assert "<style" not in svg  # a page links static/core/chart-svg.css instead
    styled = str(_chart(kind).svg_styled())
    assert "<style" in styled and "Noto Sans CJK SC" in styled  # the PDFs' CJK font family
    assert f'viewBox="0 0 {WIDTH} ' in svg and 'width="' not in svg.split(">", 1)[0]  # scales
    assert 'id="activate-serie' not in svg  # no id repeated by a second chart on the page


def test_long_labels_are_cut_on_the_axis_and_whole_in_the_table():
    label = "社区小型活动·邻里守望互助主题系列活动"
    chart = Chart(key="x", kind=Chart.HBAR, title="产出", labels=[label, "个案"],
                  series=[Series("目标", [4, 10])])
    svg = str(chart.svg())
    assert label not in svg and "社区小型活动·邻…" in svg
    assert chart.rows[0] == [label, 4]
    # Drawn top down in the table's order: pygal draws the first label at the bottom.
    assert svg.index("个案") < svg.index("社区小型活动")


def test_pie_holds_shares():
    chart = Chart(key="grades", kind=Chart.PIE, title="等级分布", labels=["优", "良"],
                  series=[Series("项目数", [3, 1])])
    svg = str(chart.svg())
    assert "优" in svg and "良" in svg and ">3<" in svg


def test_table_has_the_same_numbers():
    html = render_to_string("charts/_chart.html", {"chart": _chart(), "export": True})
    assert "<svg " in html
    assert '<th scope="col">服务内容</th><th scope="col">目标</th><th scope="col">实际</th>' in html
    assert '<th scope="row">入户探访</th><td class="num" data-value="12">12</td>' \
           '<td class="num" data-value="7">7</td>' in html
    assert '<td class="num" data-value="25.5">25.5</td>' in html
    assert "?chart=outputs&amp;export=xlsx" in html


def test_rejects_series_of_the_wrong_length_and_unknown_kinds():
    with pytest.raises(ValueError):
        Chart(key="x", kind=Chart.BAR, title="x", labels=["a", "b"], series=[Series("s", [1])])
    with pytest.raises(ValueError):
        Chart(key="x", kind="radar", title="x", labels=[], series=[])


def test_stored_form_is_json_and_round_trips():
    chart = _chart()
    data = json.loads(json.dumps(chart.as_data()))
    again = Chart.from_data(data)
    assert again.rows == [["入户探访", 12, 7], ["小组活动", 20, D("25.5")]]
    assert again.header == chart.header
    html = Template('{% load charts %}{% include "charts/_chart.html" with chart=data|chart %}'
                    ).render(Context({"data": data}))
    assert '<td class="num" data-value="25.5">25.5</td>' in html and "<svg " in html
    assert "导出" not in html  # no export link unless asked


def test_excel_export_has_the_same_numbers():
    response = _chart().xlsx_response()
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == ["服务内容", "目标", "实际"]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        ["入户探访", 12, 7], ["小组活动", 20, 25.5]]


class _Page(ChartExportMixin, TemplateView):
    template_name = "charts/_chart.html"

    def get_charts(self):
        return [_chart()]


def test_export_mixin_answers_the_named_chart():
    request = RequestFactory().get("/x/", {"chart": "outputs", "export": "xlsx"})
    response = _Page.as_view()(request)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["B2"].value == 12


def test_static_stylesheet_is_current():
    """Pages link static/core/chart-svg.css so that the charts keep their colours under a
    Content-Security-Policy without inline styles."""
    from django.conf import settings

    from core.charts import COLORS, stylesheet

    css = (settings.BASE_DIR / "static" / "core" / "chart-svg.css").read_text()
    assert css == stylesheet(), "regenerate: .venv/bin/python -m core.charts > static/core/chart-svg.css"
    assert f".color-{len(COLORS) - 1}" in css and "#1565c0" in css
    assert "svg.pygal-chart .plot > .background{fill:transparent}" in css and "&gt;" not in css
    assert all(line.startswith(("svg.pygal-chart", "/*")) for line in css.splitlines())


def test_every_page_with_a_chart_links_the_chart_styles():
    """A page chart has no inline <style> (CSP): without static/core/chart-svg.css its shapes
    are drawn black. Every template that includes a page chart (not pdf=True), or one it extends,
    links that stylesheet."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    extends = re.compile(r'{%\s*extends\s+"([^"]+)"')

    def chain(path):
        while path is not None and path.exists():
            text = path.read_text(encoding="utf-8")
            yield text
            found = extends.search(text)
            path = root / found.group(1) if found else None

    missing = []
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        includes = re.findall(r'{%\s*include\s+"charts/_chart.html"[^%]*%}', text)
        if any("pdf=True" not in tag for tag in includes) and not any(
                "core/chart-svg.css" in t for t in chain(path)):
            missing.append(str(path.relative_to(root)))
    assert missing == []


def test_a_horizontal_money_chart_has_a_few_round_value_ticks():
    """pygal's own ticks put sixteen 3,000,000-wide labels on a 480-unit axis (they overlapped)."""
    import re
    from decimal import Decimal

    from core.charts import Chart, Series, _nice_ticks

    chart = Chart(key="money", kind=Chart.HBAR, title="预算执行", labels=["财政预算", "福彩公益金"],
                  series=[Series("预算额度", [Decimal("3000000"), Decimal("1000000")]),
                          Series("已支付", [Decimal("469060"), Decimal("45120")])])
    texts = re.findall(r"<text[^>]*>([^<]+)</text>", str(chart.svg()))
    for tick in ("0", "1,000,000", "2,000,000", "3,000,000"):
        assert tick in texts
    assert "200,000" not in texts and "2,800,000" not in texts
    assert _nice_ticks(4, integers=True) == [0, 1, 2, 3, 4]
    assert _nice_ticks(1, integers=True) == [0, 1]
    assert _nice_ticks(14.21) == [0, 5, 10, 15]
