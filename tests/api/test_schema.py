"""The OpenAPI schema documents every /api/v1/ operation's error answers and the token scheme."""

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    for path, item in schema["paths"].items():
        if path.startswith("/api/v1/"):
            for method, operation in item.items():
                yield path, method, operation


def test_every_v1_operation_documents_its_errors(schema):
    operations = list(_operations(schema))
    assert len(operations) >= 25
    for path, method, operation in operations:
        codes = set(operation["responses"])
        assert "401" in codes, (method, path)
        if "{id}" in path or "{pk}" in path:
            assert "404" in codes, (method, path)
        if method == "post":
            assert codes & {"400", "409"}, (method, path)


def test_state_conflicts_are_409_and_errors_carry_a_code(schema):
    for path in ("/api/v1/bids/{id}/withdraw/", "/api/v1/needs/{id}/support/",
                 "/api/v1/committee-seats/{id}/scores/", "/api/v1/tokens/{id}/revoke/"):
        assert "409" in schema["paths"][path]["post"]["responses"], path
    error = schema["components"]["schemas"]["V1Error"]
    assert set(error["required"]) == {"detail", "code"}


def test_the_token_scheme_is_described(schema):
    assert schema["components"]["securitySchemes"]["apiToken"] == {
        "type": "http", "scheme": "bearer",
        "description": "API token (接口令牌) from POST /api/v1/tokens/ or the admin; docs/api.md"}
    operation = schema["paths"]["/api/v1/payments/"]["get"]
    assert {"apiToken": []} in operation["security"]
