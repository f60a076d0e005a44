"""The finance bureau's dashboard: budget execution by year, source and division, payments due."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from finance.models import PaymentTranche
from procurement.models import Contract
from tests import factories
from tests.workflows.dashboards.helpers import chart_svg, chart_table, query_count, xlsx_rows
from tests.worlds import rows_at_stage

pytestmark = pytest.mark.django_db
URL = reverse("workflows:dashboard-finance")


def _known(world):
    """Two closed projects (budget 100,000, contract 95,000, all paid), one signed whose three
    tranches (28,500 / 38,000 / 28,500) all fall due within 30 days, and a lottery envelope of
    another year."""
    rows_at_stage(world, 2, "closed")
    contract = rows_at_stage(world, 1, "signed")[0].contract
    Contract.objects.filter(pk=contract.pk).update(
        end_date=timezone.localdate() + dt.timedelta(days=10))
    PaymentTranche.objects.filter(contract=contract, sequence=1).update(
        status=PaymentTranche.Status.DUE)
    factories.MilestoneReportFactory(contract=contract, submitted_by=world.supplier_staff[0])
    factories.BudgetEnvelopeFactory(
        finance_bureau=world.finance_org, division=world.envelope.division, fiscal_year=2025,
        funding_source="lottery", amount=Decimal("500000.00"), name="福彩公益金")
    return contract


def test_budget_execution_matches_a_hand_computed_ledger(client, world):
    _known(world)
    year = str(world.envelope.fiscal_year)
    client.force_login(world.finance)
    html = client.get(URL).content.decode()
    assert chart_table(html, "budget-by-year") == {
        "2025": [Decimal("500000.00"), 0, 0, 0],
        year: [Decimal("100000000.00"), Decimal("300000.00"), Decimal("285000.00"),
               Decimal("190000.00")],
    }
    assert chart_table(html, "budget-by-source") == {
        "财政预算": [Decimal("100000000.00"), Decimal("300000.00"), Decimal("285000.00"),
                 Decimal("190000.00")],
        "福彩公益金": [Decimal("500000.00"), 0, 0, 0],
    }
    assert chart_table(html, "budget-by-division") == {
        world.envelope.division.name: [Decimal("100500000.00"), Decimal("300000.00"),
                                       Decimal("285000.00"), Decimal("190000.00")]}
    # 执行率 = paid / envelope: 190,000 / 100,000,000 = 0.19 % → 0.2 (one decimal).
    assert chart_table(html, "execution-by-year") == {"2025": [Decimal("0.0")],
                                                      year: [Decimal("0.2")]}
    assert "190,000" in chart_svg(html, "budget-by-year")
    assert 'data-figure="execution">0.2%' in html.replace("\n", "")  # 190,000 / 100,500,000


def test_payments_due_in_the_next_30_days(client, world):
    contract = _known(world)
    client.force_login(world.finance)
    response = client.get(URL)
    data = response.context["data"]
    # Due now (sequence 1), the mid-term report waits (2), the contract ends in 10 days (3).
    assert [t.sequence for t in data.due] == [1, 2, 3]
    assert data.due_count == 3 and data.due_amount == Decimal("95000.00")
    assert response.content.decode().count('class="due-row"') == 3
    # The final tranche is not due when the contract ends in 40 days.
    Contract.objects.filter(pk=contract.pk).update(
        end_date=timezone.localdate() + dt.timedelta(days=40))
    assert [t.sequence for t in client.get(URL).context["data"].due] == [1, 2]


def test_each_chart_exports_its_numbers(client, world):
    _known(world)
    client.force_login(world.finance)
    rows = xlsx_rows(client.get(URL, {"chart": "budget-by-source", "export": "xlsx"}))
    assert rows[0] == ("资金来源", "预算额度（元）", "已占用（元）", "已签合同（元）", "已支付（元）")
    assert rows[1:] == [("财政预算", 100000000, 300000, 285000, 190000),
                        ("福彩公益金", 500000, 0, 0, 0)]
    for key in ("budget-by-year", "budget-by-division", "execution-by-year"):
        assert len(xlsx_rows(client.get(URL, {"chart": key, "export": "xlsx"}))) > 1, key


def test_only_the_users_own_bureau(client, world):
    client.force_login(world.finance)
    own = reverse("workflows:dashboard-finance-org", kwargs={"org": world.finance_org.pk})
    assert client.get(own).status_code == 200
    other = world.outsiders["finance"].memberships.get().organization
    url = reverse("workflows:dashboard-finance-org", kwargs={"org": other.pk})
    assert client.get(url).status_code == 404
    assert client.get(url, {"chart": "budget-by-year", "export": "xlsx"}).status_code == 404
    client.force_login(world.purchaser)
    assert client.get(URL).status_code == 404
    client.logout()
    assert client.get(URL).status_code == 302  # to the login page


def test_outsiders_money_is_not_counted(client, world):
    rows_at_stage(world, 1, "closed")
    other = world.outsiders["finance"].memberships.get().organization
    factories.BudgetEnvelopeFactory(finance_bureau=other, amount=Decimal("7777.00"), fiscal_year=2024)
    client.force_login(world.finance)
    assert "7,777" not in client.get(URL).content.decode()


def test_query_count_does_not_grow_with_projects(client, world):
    client.force_login(world.finance)
    client.get(URL)  # warm the caches
    rows_at_stage(world, 2, "closed")
    rows_at_stage(world, 1, "signed")
    small = query_count(client, URL)
    rows_at_stage(world, 12, "closed")
    rows_at_stage(world, 6, "signed")
    assert query_count(client, URL) == small <= 14
