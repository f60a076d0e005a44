"""Query parameters of the /api/v1/ lists answer 400 for what the schema declares invalid, never
500 and never a silent default (found by the schemathesis run, tests/fuzz)."""

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from api.filters import ID_MAX
from tests.worlds import rows_at_stage

PUBLIC_ID_FILTERS = [("public-tenders", "purchaser"), ("public-awards", "supplier"),
                     ("public-contracts", "supplier"), ("public-contracts", "purchaser"),
                     ("public-results", "supplier")]


@pytest.mark.parametrize(("name", "param"), PUBLIC_ID_FILTERS)
def test_an_id_beyond_the_column_answers_400_not_500(client, world, name, param):
    # GET /api/v1/public/contracts/?supplier=-3.452400128927134e+132 was a server error.
    url = reverse(f"api-v1:{name}")
    for value in ("-3.452400128927134e+132", str(ID_MAX + 1), "99999999999999999999999"):
        response = client.get(url, {param: value})
        assert response.status_code == 400, (value, response.content[:200])
        assert list(response.json()) == [param]


def test_an_id_filter_takes_one_whole_positive_id(client, world):
    rows_at_stage(world, 2, "closed")
    url = reverse("api-v1:public-contracts")
    supplier = world.suppliers[0].pk
    ok = client.get(url, {"supplier": supplier})
    assert ok.status_code == 200 and len(ok.json()["results"]) == 2
    for value in ("1.5", "1e3", "0", "-1", "", " ", "true"):
        response = client.get(url, {"supplier": value})
        assert response.status_code == 400, value
        assert "supplier" in response.json(), value
    repeated = client.get(f"{url}?supplier={supplier}&supplier={supplier}")
    assert repeated.status_code == 400
    assert repeated.json() == {"supplier": ["该参数只能给出一次。"]}


def test_an_empty_choice_filter_is_refused(client, world):
    response = client.get(reverse("api-v1:public-tenders"), {"status": ""})
    assert response.status_code == 400
    assert response.json() == {"status": ["该参数不能为空。"]}


def test_page_size_must_be_a_whole_number_from_one(client, world):
    rows_at_stage(world, 3, "published")
    url = reverse("api-v1:public-tenders")
    assert len(client.get(url, {"page_size": 2}).json()["results"]) == 2
    assert len(client.get(url, {"page_size": 1000}).json()["results"]) == 3  # capped at 100
    for value in ("true", "0", "0.5", "-1", ""):
        response = client.get(url, {"page_size": value})
        assert response.status_code == 400, value
        assert list(response.json()) == ["page_size"], value
    assert client.get(f"{url}?page_size=2&page_size=3").status_code == 400


def test_signed_in_lists_refuse_bad_parameters_too(api, world):
    user = world.users()["finance"]
    for name, param in [("payments", "contract"), ("bids", "tender"),
                        ("service-records", "contract"), ("needs", "community")]:
        response = api.get(user, reverse(f"api-v1:{name}"), data={param: "3.0e+159"})
        assert response.status_code == 400, name
        assert list(response.json()) == [param], name
    seats = api.get(user, reverse("api-v1:seats"), data={"page_size": "true"})
    assert seats.status_code == 400 and list(seats.json()) == ["page_size"]


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_declares_what_is_refused(schema):
    parameters = {p["name"]: p["schema"]
                  for p in schema["paths"]["/api/v1/public/contracts/"]["get"]["parameters"]}
    assert parameters["supplier"] == {"type": "integer", "minimum": 1, "maximum": ID_MAX}
    assert parameters["page_size"]["minimum"] == 1
    for path, item in schema["paths"].items():
        if path.startswith("/api/v1/") and "page_size" in str(item.get("get", {})):
            assert "400" in item["get"]["responses"], path


def test_cursor_and_page_number_lists_are_different_components(schema):
    components = schema["components"]["schemas"]
    v1 = schema["paths"]["/api/v1/bids/"]["get"]["responses"]["200"]
    assert v1["content"]["application/json"]["schema"]["$ref"].endswith("/CursorBidList")
    assert "count" not in components["CursorBidList"]["properties"]
    assert "count" in components["PaginatedBidList"]["properties"]  # /api/tenders/{id}/bids/


def test_a_token_without_organization_matches_its_schema(api, world, schema):
    # GET /api/v1/tokens/ answered "organization_name": null, declared a string.
    user = world.users()["expert"]
    rows = api.get(user, reverse("api-v1:tokens")).json()["results"]
    assert rows and rows[0]["organization_name"] is None
    assert schema["components"]["schemas"]["ApiToken"]["properties"]["organization_name"][
        "nullable"] is True


def test_v1_and_api_errors_are_different_components(schema):
    components = schema["components"]["schemas"]
    assert components["Error"]["required"] == ["detail"]
    assert sorted(components["V1Error"]["required"]) == ["code", "detail"]
    not_found = schema["paths"]["/api/v1/needs/{id}/"]["get"]["responses"]["404"]
    assert not_found["content"]["application/json"]["schema"]["$ref"].endswith("/V1Error")


def test_a_path_no_route_matches_answers_the_v1_error(client, db):
    # /api/v1/bids/abc/ matched no route: {"detail"} without the "code" V1Error requires.
    response = client.get("/api/v1/bids/abc/")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。", "code": "not_found"}
