"""Targets against actuals: the selector on a world built through the services, and the pages
(the party-scoring task page, the performance page) that show it to evaluators."""

from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from delivery.services.milestones import milestone_accept, milestone_submit
from delivery.services.record_files import service_record_add_with_files
from delivery.services.records import service_record_confirm
from evaluation.models import PerformanceEvaluation
from evaluation.selectors import delivery_achievement
from evaluation.services.performance import satisfaction_submit
from tests.factories import user_with_role
from tests.worlds import contract_signed, social_worker_add, supplier_staff_of
from workflows.views.steps import PurchaserEvaluationStep

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(tmp_path), "base_url": None}},
    }


@pytest.fixture
def delivered(world):
    """A contract with 8 case records (3 confirmed, 2 photos) and 2 events, evaluation open."""
    contract = contract_signed(world)
    worker = social_worker_add(world, world.suppliers.index(contract.supplier))
    case, event = contract.project.deliverables.order_by("id")
    today = timezone.localdate()
    cases = [service_record_add_with_files(
        contract=contract, actor=worker, deliverable=case, served_on=today, site="A",
        participants=1, description="个案",
        files=[SimpleUploadedFile(f"p{i}.png", PNG)] if i < 2 else []) for i in range(8)]
    for _ in range(2):
        service_record_add_with_files(contract=contract, actor=worker, deliverable=event,
                                      served_on=today, site="B", participants=30, description="活动")
    for record in cases[:3]:
        service_record_confirm(record=record, actor=world.community)
    staff = supplier_staff_of(world, contract)
    for kind in ("mid_term", "final"):
        milestone_accept(report=milestone_submit(contract=contract, actor=staff, kind=kind,
                                                 summary=kind), actor=world.purchaser)
    evaluation = PerformanceEvaluation.objects.get(contract=contract)
    satisfaction_submit(evaluation=evaluation, actor=world.resident, score=80)
    neighbour = user_with_role("resident", world.community_org)
    satisfaction_submit(evaluation=evaluation, actor=neighbour, score=95)
    return contract, evaluation


def test_targets_against_service_records(delivered, django_assert_num_queries):
    contract, evaluation = delivered
    contract = type(contract).objects.select_related("project").get(pk=contract.pk)
    with django_assert_num_queries(5):
        result = delivery_achievement(contract=contract, evaluation=evaluation)
    case, event = result.deliverables
    assert (case.deliverable.quantity, case.records, case.confirmed, case.participants, case.files) == (
        10, 8, 3, 8, 2)
    assert case.share == D("80.0")
    assert (event.records, event.confirmed, event.participants, event.files) == (2, 0, 60, 0)
    assert event.share == D("50.0")
    (case_indicator,) = case.indicators
    assert case_indicator.actual == D(8) and case_indicator.share == D("80.0")
    (satisfaction,) = result.other_indicators
    assert satisfaction.actual == D("87.50") and result.satisfaction_count == 2


def test_no_records_no_evaluation(world):
    contract = contract_signed(world)
    result = delivery_achievement(contract=contract)
    assert [r.records for r in result.deliverables] == [0, 0]
    assert [r.share for r in result.deliverables] == [D("0.0"), D("0.0")]
    assert result.other_indicators[0].actual is None


def test_performance_page_shows_targets_and_evidence(client, world, delivered,
                                                     django_assert_max_num_queries):
    contract, evaluation = delivered
    client.force_login(world.purchaser)
    url = reverse("evaluation:performance-detail", args=[evaluation.pk])
    client.get(url)
    # The page with the targets-against-actuals table (16), plus the purchaser's menu count of
    # questions and challenges waiting and the opinion summaries of the acceptance reports.
    with django_assert_max_num_queries(24):  # 24th: may the user open the delivery progress
        response = client.get(url)
    html = response.content.decode()
    assert 'data-records="8"' in html and 'data-confirmed="3"' in html and 'data-share="80.0"' in html
    case = contract.project.deliverables.order_by("id").first()
    assert f"{reverse('delivery:record-list')}?contract={contract.pk}&amp;deliverable={case.pk}" in html


def test_party_score_task_page_shows_the_table(world, delivered):
    contract, _evaluation = delivered
    task = SimpleNamespace(process=SimpleNamespace(coerced=SimpleNamespace(project=contract.project)),
                           data={}, flow_task=SimpleNamespace(task_title="评价"))
    step = PurchaserEvaluationStep(task=task, user=world.purchaser)
    request = RequestFactory().get("/")
    request.user = world.purchaser
    html = render_to_string(step.template_name, {"step": step, "form": step.make_form(),
                                                 "task": task, "summary": step.summary()},
                            request=request)
    assert 'data-records="8"' in html and 'data-participants="60"' in html
    assert "产出指标参考得分" in html


def test_performance_page_invites_residents_with_a_qr_code(client, world, delivered):
    _contract, evaluation = delivered
    page = reverse("evaluation:performance-detail", args=[evaluation.pk])
    qr = reverse("evaluation:satisfaction-qr", args=[evaluation.pk])
    client.force_login(world.purchaser)
    html = client.get(page).content.decode()
    assert qr in html and "已收到服务对象意见 2 份" in html and "平均满意度 87.50 分" in html
    response = client.get(qr)
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")
    client.force_login(world.resident)  # answers the survey; does not hand it out
    assert qr not in client.get(page).content.decode()
    client.force_login(world.outsiders["purchaser"])
    assert client.get(qr).status_code == 404
