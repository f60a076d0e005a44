"""Public reads of /api/v1/public/: exactly what the portal publishes, no login, no sealed data."""

import pytest
from django.urls import reverse

from portal.selectors import (
    public_award_list,
    public_contract_list,
    public_grade_list,
    public_tender_list,
)
from procurement.models import Tender
from tests.worlds import rows_at_stage, tender_opened, tender_published


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_public_lists_show_what_the_portal_shows(client, world):
    rows_at_stage(world, 2, "closed")
    rows_at_stage(world, 1, "published")
    rows_at_stage(world, 1, "draft")
    for name, selector in [("public-tenders", public_tender_list),
                           ("public-awards", public_award_list),
                           ("public-contracts", public_contract_list),
                           ("public-results", public_grade_list)]:
        expected = set(selector().values_list("id", flat=True))
        assert expected, name
        assert _ids(client.get(reverse(f"api-v1:{name}"))) == expected, name
    assert len(_ids(client.get(reverse("api-v1:public-tenders")))) == 3  # not the draft


def test_a_published_tender_shows_no_bid_before_opening(client, world):
    tender = tender_published(world)
    from tests.worlds import bids_submitted

    bids_submitted(world, tender, prices=[tender.project.budget_amount])
    body = client.get(reverse("api-v1:public-tender", args=[tender.pk])).json()
    assert body["tender"]["code"] == tender.code
    assert body["opening_record"] == []
    assert "proposal" not in str(body) and "price\"" not in str(body["tender"])


def test_an_opened_tender_shows_bidders_and_prices(client, world):
    tender = tender_opened(world, prices=[world.envelope.amount / 1000])
    body = client.get(reverse("api-v1:public-tender", args=[tender.pk])).json()
    assert [row["organization"] for row in body["opening_record"]] == [world.suppliers[0].name]
    assert "proposal" not in body["opening_record"][0]


def test_a_draft_tender_answers_404(client, world):
    rows_at_stage(world, 1, "published")
    tender = Tender.objects.get()
    Tender.objects.filter(pk=tender.pk).update(status=Tender.Status.DRAFT)
    response = client.get(reverse("api-v1:public-tender", args=[tender.pk]))
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到该采购项目。", "code": "not_found"}
    missing = client.get(reverse("api-v1:public-contract", args=[999999]))
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_filters_and_bad_filter_values(client, world):
    rows_at_stage(world, 2, "closed")
    rows_at_stage(world, 1, "published")
    url = reverse("api-v1:public-tenders")
    published = _ids(client.get(url, {"status": "published"}))
    assert published == set(Tender.objects.filter(status="published").values_list("id", flat=True))
    assert len(published) == 1
    bad = client.get(url, {"status": "nonsense"})
    assert bad.status_code == 400 and "status" in bad.json()
    assert client.get(url, {"purchaser": "x"}).status_code == 400
    assert _ids(client.get(reverse("api-v1:public-contracts"),
                           {"supplier": world.suppliers[1].pk})) == set()
    assert len(_ids(client.get(reverse("api-v1:public-results"),
                               {"supplier": world.suppliers[0].pk}))) == 2


def test_cursor_pagination_walks_every_row_once(client, world):
    rows_at_stage(world, 5, "closed")
    url, seen = reverse("api-v1:public-contracts") + "?page_size=2", []
    while url:
        body = client.get(url).json()
        assert "count" not in body and len(body["results"]) <= 2
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == sorted(public_contract_list().values_list("id", flat=True), reverse=True)
    bad = client.get(reverse("api-v1:public-contracts"), {"cursor": "garbage"})
    assert bad.status_code == 404 and bad.json()["detail"] == "分页游标无效。"
    huge = client.get(reverse("api-v1:public-contracts"), {"page_size": "100000"})
    assert huge.status_code == 200
    # Not silently the default: the schema declares an integer (tests/api/test_query_params.py).
    assert client.get(reverse("api-v1:public-contracts"), {"page_size": "x"}).status_code == 400


@pytest.mark.parametrize("name", ["public-tenders", "public-awards", "public-contracts",
                                  "public-results"])
def test_public_lists_run_the_same_queries_at_2_and_12_rows(client, world,
                                                           django_assert_max_num_queries, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows_at_stage(world, 2, "closed")
    url = reverse(f"api-v1:{name}")
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    rows_at_stage(world, 10, "closed")
    with django_assert_max_num_queries(len(small)):
        body = client.get(url).json()
    assert len(body["results"]) >= 12


def test_public_endpoints_need_no_login_and_refuse_writes(client, world):
    url = reverse("api-v1:public-tenders")
    assert client.get(url).status_code == 200
    response = client.post(url, {}, content_type="application/json")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"
