"""The fuzz harness can fail: a view answering 500, a status code its schema does not
document, or a body that breaks its schema, is reported; a view that keeps its schema is not.
(Not marked ``fuzz``: fast.)"""

import pytest
from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from tests.fuzz.harness import fuzz_run, wsgi_app

pytestmark = pytest.mark.django_db

OK = inline_serializer(name="FuzzOk", fields={"ok": serializers.BooleanField()})


class _Api(APIView):
    permission_classes = [AllowAny]
    throttle_classes = []
    answer = 200

    @extend_schema(responses={200: OK})
    def get(self, request):
        if self.answer == 500:
            raise RuntimeError("a bug")
        if self.answer == "wrong body":
            return Response({"ok": "yes"})  # documented as a boolean
        return Response({"ok": True}, status=self.answer)


urlpatterns = [
    path("api/good/", _Api.as_view(), name="good"),
    path("api/broken/", _Api.as_view(answer=500), name="broken"),
    path("api/teapot/", _Api.as_view(answer=418), name="teapot"),
    path("api/wrong-body/", _Api.as_view(answer="wrong body"), name="wrong-body"),
]


def _fuzz(only):
    import schemathesis

    raw = SchemaGenerator(patterns=urlpatterns).get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = wsgi_app()
    return fuzz_run(schema=schema, role="test", credentials={}, examples=3,
                    operations=lambda op: op.path == only)


@pytest.mark.urls(__name__)
def test_a_view_that_keeps_its_schema_passes():
    report = _fuzz("/api/good/")
    assert report.operations == 1 and report.cases >= 1
    assert report.failures == []


@pytest.mark.urls(__name__)
def test_a_server_error_fails_the_run():
    report = _fuzz("/api/broken/")
    assert report.failures, report.line()
    assert "Server error" in report.failures[0][1]


@pytest.mark.urls(__name__)
def test_an_undocumented_status_code_fails_the_run():
    report = _fuzz("/api/teapot/")
    assert report.failures, report.line()
    assert "Undocumented status code" in report.failures[0][1]
    assert "418" in report.failures[0][1]


@pytest.mark.urls(__name__)
def test_a_body_that_breaks_the_schema_fails_the_run():
    report = _fuzz("/api/wrong-body/")
    assert report.failures, report.line()
    assert "Response violates schema" in report.failures[0][1]
