"""The public statistics page: open data of published contracts, projects and grades."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.workflows.dashboards.helpers import chart_svg, chart_table, query_count, xlsx_rows
from tests.worlds import PAGE_WORLD, rows_at_stage, world_build

pytestmark = pytest.mark.django_db
URL = reverse("portal:statistics")


@pytest.fixture
def world():
    return world_build(**PAGE_WORLD)


def _known(world):
    """Two closed projects (signed contracts of 95,000, graded 优), one tendering, one awarded
    whose contract is not signed yet (not public money), one draft (not public)."""
    rows_at_stage(world, 2, "closed")
    rows_at_stage(world, 1, "published")
    rows_at_stage(world, 1, "awarded")
    rows_at_stage(world, 1, "draft")


def test_numbers_match_a_hand_computed_case(client, world):
    _known(world)
    html = client.get(URL).content.decode()  # anyone, no login
    community = world.community_org.name
    assert chart_table(html, "money-by-community") == {community: [Decimal("190000.00")]}
    assert chart_table(html, "money-by-category") == {"养老服务": [Decimal("190000.00")]}
    assert chart_table(html, "projects-by-stage") == {
        "采购中": [1], "评审中": [0], "已授标，待签约": [1], "执行中": [0], "绩效评价中": [0],
        "待尾款拨付": [0], "已结项": [2]}
    assert chart_table(html, "grades") == {"优": [2], "良": [0], "中": [0], "差": [0]}
    assert "190,000" in chart_svg(html, "money-by-category")
    assert "190,000.00" in html  # the lead's total, through |money
    assert reverse("portal:statistics") in client.get(reverse("portal:index")).content.decode()


def test_open_data_as_excel_csv_and_json(client, world):
    _known(world)
    rows = xlsx_rows(client.get(URL, {"chart": "projects-by-stage", "export": "xlsx"}))
    assert rows[0] == ("阶段", "项目数（个）") and ("已结项", 2) in rows
    response = client.get(URL, {"chart": "money-by-category", "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines() == ["服务类别,合同金额（元）", "养老服务,190000.00"]
    data = json.loads(client.get(URL, {"format": "json"}).content)
    charts = {c["key"]: c for c in data["charts"]}
    assert set(charts) == {"money-by-community", "money-by-category", "projects-by-stage",
                           "grades"}
    assert charts["grades"]["series"][0]["values"] == [2, 0, 0, 0]
    # An unknown chart or format answers the page, never an error.
    assert client.get(URL, {"chart": "nonsense", "export": "csv"}).status_code == 200


def test_query_count_does_not_grow_with_projects(client, world):
    client.get(URL)
    _known(world)
    small = query_count(client, URL)
    rows_at_stage(world, 12, "closed")
    rows_at_stage(world, 4, "awarded")
    assert query_count(client, URL) == small <= 6
