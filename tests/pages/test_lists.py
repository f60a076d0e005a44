"""Back-office lists search, filter, sort and export exactly what they show (issue 8 item 3)."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from procurement.models import ServiceProject
from tests.worlds import PAGE_WORLD, rows_at_stage, world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return world_build(**PAGE_WORLD)


def _rows(html: str) -> int:
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].count("<tr>")


def _export(client, url, query=""):
    response = client.get(f"{url}?{query}&export=xlsx" if query else f"{url}?export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


def test_project_list_searches_filters_sorts_and_exports_the_same_rows(client, world):
    rows_at_stage(world, 3, "closed")
    drafts = rows_at_stage(world, 2, "draft")
    ServiceProject.objects.filter(pk=drafts[0].pk).update(title="独居老人助餐项目", budget_amount=Decimal("88000.00"))
    client.force_login(world.purchaser)
    url = reverse("procurement:project-list")
    everything = client.get(url).content.decode()
    assert 'class="list-tools"' in everything and "导出Excel" in everything
    total = _rows(everything)
    found = client.get(url, {"q": "独居老人"}).content.decode()
    assert _rows(found) == 1 and "独居老人助餐项目" in found
    closed = client.get(url, {"status": "closed"}).content.decode()
    assert _rows(closed) == 3
    # The export holds exactly the filtered rows, with Chinese headers, numbers and dates typed.
    table = _export(client, url, "status=closed")
    assert table[0][0] == "项目编号" and "项目预算（元）" in table[0]
    assert len(table) == 1 + 3
    budget = table[0].index("项目预算（元）")
    assert all(isinstance(row[budget], int | float | Decimal) for row in table[1:])
    assert len(_export(client, url)) == 1 + total
    one = _export(client, url, "q=独居老人")
    assert len(one) == 2 and one[1][1] == "独居老人助餐项目" and float(one[1][budget]) == 88000.0
    # Sorting by budget, ascending and descending.
    ascending = _export(client, url, "o=budget_amount")
    values = [row[budget] for row in ascending[1:]]
    assert values == sorted(values)
    descending = _export(client, url, "o=-budget_amount")
    assert [row[budget] for row in descending[1:]] == sorted(values, reverse=True)


def test_bad_filter_input_answers_with_a_message_not_an_error(client, world):
    rows_at_stage(world, 2, "closed")
    client.force_login(world.purchaser)
    url = reverse("procurement:project-list")
    for query in ({"fiscal_year": "明年"}, {"status": "nonsense"}, {"o": "password"},
                  {"fiscal_year": "9" * 40}):
        response = client.get(url, query)
        assert response.status_code == 200, query
        assert "查询条件有误" in response.content.decode(), query


def test_exports_never_hold_rows_the_page_would_not_show(client, world):
    rows_at_stage(world, 2, "signed")
    client.force_login(world.outsiders["purchaser"])
    url = reverse("procurement:contract-list")
    assert _rows(client.get(url).content.decode()) == 1  # the "暂无" row
    assert len(_export(client, url)) == 1  # headers only
    client.force_login(world.purchaser)
    assert len(_export(client, url)) == 1 + 2


@pytest.mark.parametrize("name", ["procurement:tender-list", "procurement:contract-list"])
def test_tender_and_contract_lists_filter_and_export(client, world, name):
    rows_at_stage(world, 4, "signed")
    client.force_login(world.purchaser)
    url = reverse(name)
    table = _export(client, url, "q=CG" if name.endswith("tender-list") else "q=")
    assert len(table) == 1 + 4
    assert _rows(client.get(url, {"status": "cancelled"}).content.decode()) == 1  # 暂无


def test_export_query_count_does_not_grow_with_rows(client, world):
    client.force_login(world.purchaser)
    url = reverse("procurement:contract-list") + "?export=xlsx"
    rows_at_stage(world, 3, "signed")
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    rows_at_stage(world, 20, "signed")
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)


def test_pager_keeps_the_filters(client, world):
    rows_at_stage(world, 30, "closed")
    client.force_login(world.purchaser)
    html = client.get(reverse("procurement:project-list"), {"status": "closed"}).content.decode()
    assert "?status=closed&amp;page=2" in html
