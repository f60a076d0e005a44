"""Delivery against targets, live: the contract's progress page (evaluation:contract-delivery)
shows each target and actual with a progress bar, the records per month as a chart, flags the
deliverables behind schedule, exports the charts' numbers; bounded queries."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from evaluation.selectors import contract_elapsed, delivery_achievement, records_by_month
from procurement.models import Contract
from tests import factories
from tests.worlds import contract_signed

pytestmark = pytest.mark.django_db


def _record(contract, deliverable, served_on, n=1):
    for _ in range(n):
        factories.ServiceRecordFactory(contract=contract, deliverable=deliverable,
                                       served_on=served_on)


@pytest.fixture
def halfway(world):
    """A contract half through its year: 3 of 10 cases (behind: 5 due), 3 of 4 events (ahead)."""
    today = timezone.localdate()
    contract = contract_signed(world, start=today - dt.timedelta(days=182))
    case, event = contract.project.deliverables.order_by("id")
    _record(contract, case, today - dt.timedelta(days=100), 2)
    _record(contract, case, today, 1)
    _record(contract, event, today - dt.timedelta(days=40), 3)
    return contract


def test_elapsed_share_and_expected_records(halfway):
    today = timezone.localdate()
    assert contract_elapsed(halfway, today) == D("50.1")  # 183 of 365 days
    assert contract_elapsed(halfway, halfway.end_date + dt.timedelta(days=9)) == D("100.0")
    assert contract_elapsed(halfway, halfway.start_date - dt.timedelta(days=9)) == D("0.0")
    result = delivery_achievement(contract=halfway, today=today)
    case, event = result.deliverables
    assert (case.records, case.expected, case.behind) == (3, 5, True)  # 10 × 50.1 % → 5
    assert (event.records, event.expected, event.behind) == (3, 2, False)  # 4 × 50.1 % → 2
    assert result.behind == [case]


def test_draft_contract_is_never_behind(halfway):
    Contract.objects.filter(pk=halfway.pk).update(status=Contract.Status.DRAFT)
    halfway.refresh_from_db()
    result = delivery_achievement(contract=halfway)
    assert result.elapsed is None and not result.behind


def test_records_by_month_counts_each_month_of_the_period(halfway):
    today = timezone.localdate()
    months, counts = records_by_month(contract=halfway, today=today)
    assert months[0] == halfway.start_date.replace(day=1)
    assert months[-1] == today.replace(day=1)
    start = halfway.start_date
    assert len(months) == (today.year - start.year) * 12 + today.month - start.month + 1
    case, event = halfway.project.deliverables.order_by("id")
    assert sum(counts[case.pk]) == 3 and sum(counts[event.pk]) == 3
    assert counts[case.pk][months.index(today.replace(day=1))] >= 1
    month_of_events = (today - dt.timedelta(days=40)).replace(day=1)
    assert counts[event.pk][months.index(month_of_events)] == 3


@pytest.mark.parametrize("who", ["purchaser", "community", "supplier"])
def test_parties_see_progress_and_the_late_deliverable(client, world, halfway, who):
    user = {"purchaser": world.purchaser, "community": world.community,
            "supplier": world.supplier_staff[world.suppliers.index(halfway.supplier)]}[who]
    client.force_login(user)
    detail = client.get(reverse("procurement:project-detail", args=[halfway.project_id]))
    url = reverse("evaluation:contract-delivery", args=[halfway.pk])
    assert detail.status_code == 200, detail.status_code
    assert url in detail.content.decode()
    html = client.get(url).content.decode()
    case, event = halfway.project.deliverables.order_by("id")
    assert f'data-deliverable="{case.pk}" data-behind="1"' in html
    assert f'data-deliverable="{event.pk}" data-behind="0"' in html
    assert 'data-behind-count="1"' in html
    assert '<progress max="10" value="3"' in html and 'data-share="30.0"' in html
    assert 'data-expected="5"' in html
    assert "落后" in html
    # Each indicator's target and actual: 个案服务数 3 of 10, 社区活动场次 3 of 4.
    assert '<progress max="100" value="30.0"' in html and '<progress max="100" value="75.0"' in html
    # The charts and their tables.
    assert html.count("<svg ") == 2 and 'id="chart-delivery-targets"' in html
    assert '<th scope="row">个案服务·个案服务</th><td class="num" data-value="10">10</td>' \
           '<td class="num" data-value="3">3</td><td class="num" data-value="5">5</td>' in html
    figure = html.split('id="chart-delivery-targets"')[1].split("</figure>")[0]
    assert "<script" not in figure and "<style" not in figure  # CSP: styles from static files
    assert "core/chart-svg.css" in html and "core/charts.css" in html


def test_chart_exports_the_same_numbers(client, world, halfway):
    client.force_login(world.purchaser)
    url = reverse("evaluation:contract-delivery", args=[halfway.pk])
    response = client.get(url, {"chart": "delivery-targets", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == ["服务产出", "目标数量", "已记录台账", "按进度应完成"]
    assert [c.value for c in sheet[2]] == ["个案服务·个案服务", 10, 3, 5]
    response = client.get(url, {"chart": "records-by-month", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sum(row[1].value for row in sheet.iter_rows(min_row=2)) == 3


def test_outsiders_get_404(client, world, halfway):
    url = reverse("evaluation:contract-delivery", args=[halfway.pk])
    for user in (world.outsiders["purchaser"], world.outsiders["community"], world.resident):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.get(url, {"chart": "delivery-targets", "export": "xlsx"}).status_code == 404


def _more(contract, deliverables: int, records: int):
    today = timezone.localdate()
    for i in range(deliverables):
        deliverable = factories.DeliverableFactory(project=contract.project, description=f"活动{i}")
        factories.IndicatorFactory(project=contract.project, deliverable=deliverable,
                                   name=f"活动{i}场次")
        for j in range(records):
            _record(contract, deliverable, today - dt.timedelta(days=j * 17))


@pytest.mark.parametrize(("deliverables", "records"), [(0, 0), (12, 9)])
def test_query_count_is_bounded(client, world, halfway, django_assert_max_num_queries,
                                deliverables, records):
    _more(halfway, deliverables, records)
    client.force_login(world.purchaser)
    url = reverse("evaluation:contract-delivery", args=[halfway.pk])
    with django_assert_max_num_queries(17):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("progress-row") == 2 + deliverables


@pytest.mark.parametrize("answers", [1, 12])
def test_with_an_evaluation_shows_survey_and_suggested_score(client, world, halfway,
                                                             django_assert_max_num_queries,
                                                             answers):
    """output_achievement drives the suggested output score; the survey's mean is the
    satisfaction indicator's actual; still a fixed number of queries."""
    from evaluation.services.performance import output_achievement

    evaluation = factories.PerformanceEvaluationFactory(contract=halfway)
    for i in range(answers):
        factories.SatisfactionResponseFactory(evaluation=evaluation, score=80 if i % 2 else 90)
    _more(halfway, 3, 4)
    client.force_login(world.community)
    url = reverse("evaluation:contract-delivery", args=[halfway.pk])
    with django_assert_max_num_queries(17):
        html = client.get(url).content.decode()
    suggested = output_achievement(evaluation)["suggested_output_score"]
    assert suggested is not None and f'data-suggested="{suggested}"' in html
    satisfaction = halfway.project.indicators.get(category="satisfaction")
    mean = "90" if answers == 1 else "85"
    assert f'data-indicator="{satisfaction.pk}"' in html
    assert f'data-actual="{mean}.00"' in html


def test_performance_page_links_progress_to_those_who_may_open_it(client, world, halfway):
    evaluation = factories.PerformanceEvaluationFactory(contract=halfway)
    page = reverse("evaluation:performance-detail", args=[evaluation.pk])
    url = reverse("evaluation:contract-delivery", args=[halfway.pk])
    client.force_login(world.community)
    assert url in client.get(page).content.decode()
    client.force_login(world.resident)  # answers the survey; the progress page is 404 to them
    response = client.get(page)
    assert response.status_code == 200 and url not in response.content.decode()
    assert client.get(url).status_code == 404
