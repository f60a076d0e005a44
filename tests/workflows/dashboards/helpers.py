"""Read a dashboard's charts back from its HTML and its Excel exports."""

import io
import re
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook


def figure(html: str, key: str) -> str:
    """Return the HTML of the chart ``key`` (its SVG and its table)."""
    assert f'id="chart-{key}"' in html, key
    return html.split(f'id="chart-{key}"', 1)[1].split("</figure>", 1)[0]


def chart_table(html: str, key: str) -> dict:
    """Return the chart's table: label -> the values of its series (Decimal, None when empty)."""
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', figure(html, key), re.S)
    return {label: [Decimal(v) if v else None
                    for v in re.findall(r'data-value="([^"]*)"', cells)]
            for label, cells in rows}


def chart_svg(html: str, key: str) -> str:
    return figure(html, key).split('<div class="chart-svg">', 1)[1].split("</svg>", 1)[0]


def xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)
