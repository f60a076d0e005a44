"""One mapping of service errors: pages (core.middleware) and the API (api_exception_handler)."""

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import path
from rest_framework.views import APIView

from core.exceptions import PermissionDenied, ServiceError
from tests.factories import UserFactory, user_with_role


def _refused(request):
    raise PermissionDenied("只有购买主体的工作人员可以开标。")


def _business_rule(request):
    raise ServiceError("投标截止后不能撤回投标文件。")


def _django_denied(request):
    raise DjangoPermissionDenied


class _Api(APIView):
    not_found_message = "未找到该投标文件。"

    def get(self, request, what):
        if what == "refused":
            raise PermissionDenied("无权查看该投标文件。")
        if what == "missing":
            raise Http404
        raise ServiceError("投标截止后不能撤回投标文件。")


urlpatterns = [
    path("refused/", _refused),
    path("rule/", _business_rule),
    path("django-denied/", _django_denied),
    path("api/<str:what>/", _Api.as_view()),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.test_exceptions")]


@pytest.fixture
def signed_in(client):
    client.force_login(UserFactory())
    return client


def test_page_refusal_is_a_404_without_the_reason(signed_in):
    response = signed_in.get("/refused/")
    assert response.status_code == 404
    assert "开标" not in response.content.decode()


def test_page_business_rule_is_a_400_with_its_message(signed_in):
    response = signed_in.get("/rule/")
    assert response.status_code == 400
    assert "投标截止后不能撤回投标文件。" in response.content.decode()


def test_djangos_own_permission_denied_keeps_its_403(signed_in):
    assert signed_in.get("/django-denied/").status_code == 403


def test_api_refusal_and_missing_object_answer_the_same_404(signed_in):
    refused, missing = signed_in.get("/api/refused/"), signed_in.get("/api/missing/")
    assert refused.status_code == missing.status_code == 404
    assert refused.json() == missing.json() == {"detail": "未找到该投标文件。"}


def test_api_business_rule_is_a_400_with_its_message(signed_in):
    response = signed_in.get("/api/rule/")
    assert response.status_code == 400
    assert response.json() == {"detail": "投标截止后不能撤回投标文件。"}


def test_may_tag_asks_has_perm():
    from accounts.roles import Role

    template = Template('{% load office %}{% may "accounts.administer_user" as ok %}{{ ok }}')
    request = RequestFactory().get("/")
    request.user = user_with_role(Role.ADMIN)
    assert template.render(Context({"request": request})) == "True"
    request.user = user_with_role(Role.PURCHASER)
    assert template.render(Context({"request": request})) == "False"
