"""Service users' opinions at mid-term and final acceptance: the form residents reach from a
link or QR code, its refusals, the QR codes, and where the purchaser reads the answers."""

from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from accounts.roles import Role
from core.models import AuditEntry
from delivery.models import ServiceUserOpinion
from delivery.selectors import opinion_survey_path, opinion_survey_token
from delivery.services.milestones import milestone_accept, milestone_submit
from delivery.services.opinions import opinion_submit
from evaluation.models import PerformanceEvaluation
from evaluation.services.performance import final_satisfaction_scores, satisfaction_submit
from tests.factories import user_with_role
from tests.worlds import contract_signed, supplier_staff_of
from workflows.views.steps import MidAcceptStep

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(world):
    return contract_signed(world)


@pytest.fixture
def report(world, contract):
    return milestone_submit(contract=contract, actor=supplier_staff_of(world, contract),
                            kind="mid_term", summary="中期执行情况")


def _post(client, report, **data):
    return client.post(opinion_survey_path(report), data)


def test_resident_answers_once(client, world, report):
    client.force_login(world.resident)
    page = client.get(opinion_survey_path(report))
    assert page.status_code == 200 and 'name="score"' in page.content.decode()
    response = _post(client, report, score="80", comment="社工很耐心")
    assert response.status_code == 302
    opinion = ServiceUserOpinion.objects.get()
    assert (opinion.resident, opinion.score, opinion.comment) == (world.resident, 80, "社工很耐心")
    assert AuditEntry.objects.filter(action="milestone.opinion").count() == 1
    again = client.get(opinion_survey_path(report)).content.decode()
    assert "您已于" in again and 'name="score"' not in again
    response = _post(client, report, score="100")
    # Refused by the service (您已对本阶段的服务提交过意见); the page says it was answered.
    assert response.status_code == 200 and "您已于" in response.content.decode()
    assert ServiceUserOpinion.objects.count() == 1
    assert AuditEntry.objects.filter(action="milestone.opinion").count() == 1


@pytest.mark.parametrize(("data", "message"), [
    ({}, "请选择满意程度。"),
    ({"score": "150"}, "请选择列出的满意程度。"),
    ({"score": "abc"}, "请选择列出的满意程度。"),
    ({"score": "80", "comment": "长" * 1001}, "意见建议请不超过1000字。"),
])
def test_bad_input_answers_in_chinese(client, world, report, data, message):
    client.force_login(world.resident)
    response = _post(client, report, **data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not ServiceUserOpinion.objects.exists()


def test_token_is_required_and_checked(client, world, report):
    client.force_login(world.resident)
    token = opinion_survey_token(report)
    for bad in (str(report.pk), token[:-2] + "xx", "abc"):
        url = reverse("delivery:opinion", args=[bad])
        assert client.get(url).status_code == 404, bad
        assert client.post(url, {"score": "80"}).status_code == 404, bad
    client.logout()
    response = client.get(opinion_survey_path(report))
    assert response.status_code == 302 and "login" in response["Location"]
    assert not ServiceUserOpinion.objects.exists()


def test_only_residents_of_the_community_answer(client, world, report):
    for user in (world.purchaser, world.community, supplier_staff_of(world, report.contract),
                 world.outsiders["resident"]):
        client.force_login(user)
        assert client.get(opinion_survey_path(report)).status_code == 404, user
        assert _post(client, report, score="100").status_code == 404, user
    assert not ServiceUserOpinion.objects.exists()


def test_closed_after_acceptance(client, world, report):
    milestone_accept(report=report, actor=world.purchaser)
    client.force_login(world.resident)
    assert "意见征集已结束" in client.get(opinion_survey_path(report)).content.decode()
    response = _post(client, report, score="80")
    assert response.status_code == 200 and "意见征集已结束" in response.content.decode()
    assert not ServiceUserOpinion.objects.exists()


def test_qr_codes_are_svg_for_the_parties_only(client, world, report):
    url = reverse("delivery:opinion-qr", args=[report.pk])
    client.force_login(world.purchaser)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg") and b"<path" in response.content
    for user in (world.outsiders["purchaser"], world.resident):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_acceptance_page_and_milestone_list_show_the_answers(client, world, report,
                                                             django_assert_max_num_queries):
    neighbour = user_with_role(Role.RESIDENT, world.community_org)
    opinion_submit(report=report, actor=world.resident, score=100, comment="很好")
    opinion_submit(report=report, actor=neighbour, score=60)
    task = SimpleNamespace(process=SimpleNamespace(coerced=SimpleNamespace(
        project=report.contract.project)), data={}, flow_task=SimpleNamespace(task_title="验收"))
    step = MidAcceptStep(task=task, user=world.purchaser)
    request = RequestFactory().get("/")
    request.user = world.purchaser
    html = render_to_string(step.template_name, {"step": step, "form": step.make_form(),
                                                 "task": task, "summary": step.summary()},
                            request=request)
    assert "已收到服务对象意见 2 份" in html and "平均满意度 80.00 分" in html and "很好" in html
    assert reverse("delivery:opinion-qr", args=[report.pk]) in html
    assert opinion_survey_path(report) in html
    client.force_login(world.purchaser)
    client.get(reverse("delivery:milestone-list"))
    # 12: the page and its opinion summaries (8), the list's filter choices and the purchaser's
    # menu count of questions and challenges waiting (答疑与质疑).
    with django_assert_max_num_queries(12):
        listed = client.get(reverse("delivery:milestone-list")).content.decode()
    assert "平均 80.00 分" in listed and opinion_survey_path(report) in listed


def test_final_opinions_feed_the_residents_score(world, contract, report):
    staff = supplier_staff_of(world, contract)
    milestone_accept(report=report, actor=world.purchaser)
    final = milestone_submit(contract=contract, actor=staff, kind="final", summary="终期")
    neighbour = user_with_role(Role.RESIDENT, world.community_org)
    opinion_submit(report=final, actor=world.resident, score=60)
    opinion_submit(report=final, actor=neighbour, score=100)
    milestone_accept(report=final, actor=world.purchaser)
    evaluation = PerformanceEvaluation.objects.get(contract=contract)
    satisfaction_submit(evaluation=evaluation, actor=world.resident, score=90)
    # The resident's survey answer replaces their opinion; the neighbour's opinion counts.
    assert sorted(final_satisfaction_scores(evaluation)) == [90, 100]


def test_service_refuses_a_second_opinion(world, report):
    from core.exceptions import ServiceError

    opinion_submit(report=report, actor=world.resident, score=80)
    with pytest.raises(ServiceError, match="您已对本阶段的服务提交过意见"):
        opinion_submit(report=report, actor=world.resident, score=90)
