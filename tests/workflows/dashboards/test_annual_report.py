"""The purchaser's annual report (issue 9 item 5): one fiscal year's money, projects,
procurement, grades and plan targets, as a PDF with charts; numbers from a hand-built case."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from procurement.models import ServiceProject
from tests.evaluation.test_documents import _embedded_cjk_fonts, _page_svg_objects
from tests.worlds import rows_at_stage
from workflows.dashboards.annual import annual_report_context, report_years

pytestmark = pytest.mark.django_db


@pytest.fixture
def storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "files"), "base_url": None}}}
    settings.MEDIA_ROOT = tmp_path / "files"


def _url(world, year):
    return reverse("workflows:annual-report-org", kwargs={"org": world.purchaser_org.pk,
                                                           "year": year})


def test_the_years_numbers(world, django_assert_max_num_queries):
    closed = rows_at_stage(world, 2, "closed")
    rows_at_stage(world, 1, "published")
    year = closed[0].fiscal_year
    other = rows_at_stage(world, 1, "closed")[0]  # another year: left out
    ServiceProject.objects.filter(pk=other.pk).update(fiscal_year=year - 1)
    assert report_years(world.purchaser_org) == [year, year - 1]
    with django_assert_max_num_queries(40):
        context = annual_report_context(organization=world.purchaser_org, year=year)
    assert context["projects"] == 3
    assert {p["label"]: p["count"] for p in context["pipeline"]} == {"采购中": 1, "已结项": 2}
    [method] = context["methods"]
    assert (method["tenders"], method["concluded"], method["failed"]) == (3, 2, 0)
    budget = sum((p.budget_amount for p in closed), Decimal("0"))
    contracted = sum((p.contract.amount for p in closed), Decimal("0"))
    assert context["budget"] == f"{budget:,.2f}"
    assert context["savings"] == f"{budget - contracted:,.2f}"
    charts = context["charts"]
    assert {"pipeline", "stage_times", "methods", "bidders", "savings", "budget", "grades"} <= set(charts)
    assert "overdue_tasks" not in charts  # today's tasks are not the year's
    assert charts["pipeline"]["series"][0]["values"] == [1, 2]
    # The year before holds only the project moved there.
    before = annual_report_context(organization=world.purchaser_org, year=year - 1)
    assert before["projects"] == 1


def test_the_query_count_does_not_grow_with_the_projects(world, django_assert_max_num_queries):
    few = rows_at_stage(world, 1, "closed")[0].fiscal_year
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        annual_report_context(organization=world.purchaser_org, year=few)
    rows_at_stage(world, 8, "closed")
    with django_assert_max_num_queries(len(small.captured_queries)):
        annual_report_context(organization=world.purchaser_org, year=few)


def test_the_pdf_has_its_charts_and_font(client, world, storage):
    year = rows_at_stage(world, 2, "closed")[0].fiscal_year
    client.force_login(world.purchaser)
    response = client.get(_url(world, year))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content) if response.streaming else response.content
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    for needle in (f"{year}年度政府购买社区服务报告", world.purchaser_org.name, "项目所处阶段",
                   "采购方式与废标", "绩效评价等级"):
        assert needle in text, needle
    assert _page_svg_objects(reader) >= 5
    assert _embedded_cjk_fonts(reader)
    page = client.get(reverse("workflows:dashboard-purchaser")).content.decode()
    assert _url(world, year) in page  # linked from the dashboard


def test_only_the_purchasers_staff_and_only_its_years(client, world):
    year = rows_at_stage(world, 1, "closed")[0].fiscal_year
    for user in (world.finance, world.community, world.supplier_staff[0], world.resident,
                 world.outsiders["purchaser"]):
        client.force_login(user)
        assert client.get(_url(world, year)).status_code == 404, user
    client.force_login(world.purchaser)
    assert client.get(_url(world, year + 5)).status_code == 404  # no project that year
