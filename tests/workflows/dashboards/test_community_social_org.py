"""The community's and the social organization's dashboards, with hand-computed numbers."""

from decimal import Decimal

import pytest
from django.urls import reverse

from evaluation.models import PerformanceEvaluation
from procurement.models import Contract, Tender
from tests import factories
from tests.workflows.dashboards.helpers import chart_svg, chart_table, query_count, xlsx_rows
from tests.worlds import rows_at_stage

pytestmark = pytest.mark.django_db
COMMUNITY = reverse("workflows:dashboard-community")
SOCIAL_ORG = reverse("workflows:dashboard-social-org")


def _community_case(world):
    """Two closed projects (each: an accepted 养老 need and a declined 文体 one; budget 100,000,
    contract 95,000 paid in full), one pending 健康 need, survey answers 92 and 55, service users'
    opinions 90 and 70."""
    closed = rows_at_stage(world, 2, "closed")
    factories.NeedFactory(community=world.community_org, category="health",
                          submitted_by=world.resident)
    evaluation = closed[0].contract.performance_evaluation
    for score in (92, 55):
        factories.SatisfactionResponseFactory(evaluation=evaluation, score=score)
    report = closed[1].contract.milestone_reports.get()
    for score in (90, 70):
        factories.ServiceUserOpinionFactory(report=report, score=score)


def test_community_numbers_match_a_hand_computed_case(client, world):
    _community_case(world)
    client.force_login(world.community)
    response = client.get(COMMUNITY)
    html = response.content.decode()
    # Needs: series 待处理 / 已采纳 / 未采纳 per category.
    assert chart_table(html, "needs") == {"养老服务": [0, 2, 0], "文化体育": [0, 0, 2],
                                          "健康服务": [1, 0, 0]}
    assert chart_table(html, "projects") == {"养老服务": [2]}
    assert chart_table(html, "spend") == {"养老服务": [Decimal("200000.00"),
                                                   Decimal("190000.00"), Decimal("190000.00")]}
    # Bands 0–59 / 60–79 / 80–89 / 90–100; series: the survey, the service users' opinions.
    assert chart_table(html, "satisfaction") == {"0–59": [1, 0], "60–79": [0, 1],
                                                 "80–89": [0, 0], "90–100": [1, 1]}
    survey, opinions = response.context["data"].satisfaction
    assert (survey.count, survey.average, opinions.average) == (2, Decimal("73.5"),
                                                                Decimal("80.0"))
    assert "190,000" in chart_svg(html, "spend")
    rows = xlsx_rows(client.get(COMMUNITY, {"chart": "needs", "export": "xlsx"}))
    assert rows[0] == ("类别", "待处理（条）", "已采纳（条）", "未采纳（条）")
    assert rows[1:] == [("养老服务", 0, 2, 0), ("文化体育", 0, 0, 2), ("健康服务", 1, 0, 0)]
    for key in ("projects", "spend", "satisfaction"):
        assert len(xlsx_rows(client.get(COMMUNITY, {"chart": key, "export": "xlsx"}))) > 1


def test_community_sees_only_its_own(client, world):
    _community_case(world)
    client.force_login(world.outsiders["community"])
    assert client.get(COMMUNITY).context["data"].needs_total == 0
    url = reverse("workflows:dashboard-community-org", kwargs={"org": world.community_org.pk})
    assert client.get(url).status_code == 404
    client.force_login(world.resident)  # a resident of the community is not its staff
    assert client.get(url).status_code == 404


def _social_org_case(world):
    """suppliers[0] bids on five tenders: two closed projects (one contract completed, graded
    优 91.5 and 良 81.5), one signed (3 records of 20), one still open for bids, one 废标."""
    closed = rows_at_stage(world, 2, "closed")
    signed = rows_at_stage(world, 1, "signed")[0]
    rows_at_stage(world, 1, "published")
    failed = rows_at_stage(world, 1, "opened")[0]
    Tender.objects.filter(project=failed).update(status=Tender.Status.FAILED)
    Contract.objects.filter(pk=closed[0].contract.pk).update(status=Contract.Status.COMPLETED)
    PerformanceEvaluation.objects.filter(contract=closed[1].contract).update(
        grade=PerformanceEvaluation.Grade.GOOD, total=Decimal("81.50"))
    deliverable = signed.deliverables.get()
    for _ in range(3):
        factories.ServiceRecordFactory(contract=signed.contract, deliverable=deliverable)
    return closed, signed


def test_social_org_numbers_match_a_hand_computed_case(client, world):
    closed, signed = _social_org_case(world)
    client.force_login(world.supplier_staff[0])
    response = client.get(SOCIAL_ORG)
    html = response.content.decode()
    year = str(world.envelope.fiscal_year)
    # 5 bids, 4 tenders concluded (3 awarded to it, 1 废标): win rate 3/4.
    assert chart_table(html, "bids") == {year: [5, 4, 3]}
    data = response.context["data"]
    assert (data.bids, data.won, data.win_rate) == (5, 3, Decimal("75.0"))
    assert chart_table(html, "contracts") == {"已签订": [Decimal("190000.00")],
                                              "已履约完毕": [Decimal("95000.00")]}
    assert chart_table(html, "delivery") == {closed[1].contract.code: [20, 1],
                                             signed.contract.code: [20, 3]}
    assert chart_table(html, "grades") == {"优": [1], "良": [1], "中": [0], "差": [0]}
    assert data.average_score == Decimal("86.50")
    assert reverse("evaluation:contract-delivery", args=[signed.contract.pk]) in html
    assert "190,000" in chart_svg(html, "contracts")
    rows = xlsx_rows(client.get(SOCIAL_ORG, {"chart": "delivery", "export": "xlsx"}))
    assert rows[0] == ("合同", "目标数量", "已记录台账")
    assert (signed.contract.code, 20, 3) in rows
    for key in ("bids", "contracts", "grades"):
        assert len(xlsx_rows(client.get(SOCIAL_ORG, {"chart": key, "export": "xlsx"}))) > 1


def test_social_org_sees_only_its_own(client, world):
    _social_org_case(world)
    client.force_login(world.supplier_staff[1])  # the rival: five bids, none won
    data = client.get(SOCIAL_ORG).context["data"]
    assert (data.bids, data.won, data.delivery) == (5, 0, [])
    url = reverse("workflows:dashboard-social-org-org", kwargs={"org": world.suppliers[0].pk})
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(("url", "who"), [(COMMUNITY, "community"), (SOCIAL_ORG, "supplier")])
def test_query_count_does_not_grow_with_projects(client, world, url, who):
    client.force_login(world.supplier_staff[0] if who == "supplier" else world.community)
    client.get(url)
    _social_org_case(world)
    small = query_count(client, url)
    rows_at_stage(world, 10, "closed")
    rows_at_stage(world, 5, "signed")
    assert query_count(client, url) == small <= 14
