"""Back-office pages: role scoping, forms that refuse bad input, downloads, query-count pins."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evaluation.models import PerformanceEvaluation, SatisfactionResponse
from procurement.models import Bid, Need
from tests.factories import DEFAULT_PASSWORD
from tests.pages.fakes import fake_builder
from tests.worlds import PAGE_WORLD, bid_files, rows_at_stage, world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return world_build(**PAGE_WORLD)


def login(client, user):
    assert client.login(username=user.username, password=DEFAULT_PASSWORD)
    return client


def test_pages_require_login(client, world):
    response = client.get(reverse("procurement:project-list"))
    assert response.status_code == 302 and "login" in response["Location"]


# Lists are scoped -------------------------------------------------------------------------------

def test_project_list_is_scoped_by_organization(client, world):
    (project,) = rows_at_stage(world, 1, "submitted")
    other = world_build(suffix="乙", **PAGE_WORLD)
    (foreign,) = rows_at_stage(other, 1, "submitted")
    html = login(client, world.purchaser).get(
        reverse("procurement:project-list")).content.decode()
    assert project.code in html and foreign.code not in html
    assert client.get(reverse("procurement:project-detail", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("procurement:project-detail", args=[project.pk])).status_code == 200


def test_need_list_shows_own_community(client, world):
    rows_at_stage(world, 1, "draft")
    other = world_build(suffix="乙", **PAGE_WORLD)
    rows_at_stage(other, 1, "draft")
    response = login(client, world.resident).get(reverse("procurement:need-list"))
    assert response.status_code == 200
    own = Need.objects.filter(community=world.community_org).first()
    foreign = Need.objects.filter(community=other.community_org).first()
    assert own.title in response.content.decode()
    assert client.get(reverse("procurement:need-detail", args=[foreign.pk])).status_code == 404


# Needs ------------------------------------------------------------------------------------------

def test_need_list_links_to_the_flow_start_page_and_support_refuses_staff(client, world):
    rows_at_stage(world, 1, "draft")
    need = Need.objects.filter(community=world.community_org, status="accepted").first()
    html = login(client, world.resident).get(reverse("procurement:need-list")).content
    assert reverse("workflows:need_submit") in html.decode()
    assert "支持该需求" in client.get(
        reverse("procurement:need-detail", args=[need.pk])).content.decode()
    client.post(reverse("procurement:need-support", args=[need.pk]))
    assert need.supports.filter(user=world.resident).exists()
    # Staff of the community are not residents: the service refuses, the page says why.
    login(client, world.community)
    before = need.supports.count()
    response = client.post(reverse("procurement:need-support", args=[need.pk]), follow=True)
    assert "只有居民可以支持需求。" in response.content.decode()
    assert need.supports.count() == before


# Bids -------------------------------------------------------------------------------------------

def test_bid_submit_form_and_sealing(client, world):
    (project,) = rows_at_stage(world, 1, "published")
    tender = project.current_tender
    Bid.objects.filter(tender=tender).delete()
    other = world_build(suffix="乙", **PAGE_WORLD)
    bidder = world.supplier_staff[0]
    login(client, bidder)
    url = reverse("procurement:bid-submit", args=[tender.pk])
    response = client.post(url, {"organization": world.suppliers[0].pk, "price": "-5",
                                 "proposal": "方案"})
    assert response.status_code == 200
    assert "投标报价必须大于0。" in response.content.decode()
    assert not Bid.objects.filter(tender=tender).exists()
    response = client.post(url, {"organization": world.suppliers[0].pk, "price": "88000.00",
                                 "proposal": "我们的方案", "files": bid_files()})
    bid = Bid.objects.get(tender=tender)
    assert response.status_code == 302
    assert client.get(reverse("procurement:bid-detail", args=[bid.pk])).status_code == 200
    for user in (world.purchaser, world.supplier_staff[1], other.supplier_staff[0]):
        login(client, user)
        assert client.get(reverse("procurement:bid-detail", args=[bid.pk])).status_code == 404
        html = client.get(reverse("procurement:tender-detail", args=[tender.pk])).content.decode()
        assert "88000" not in html and "我们的方案" not in html
    # Purchaser staff cannot bid.
    login(client, world.purchaser)
    assert client.get(url).status_code == 404


def test_bid_withdraw(client, world):
    (project,) = rows_at_stage(world, 1, "published")
    bid = Bid.objects.get(tender=project.current_tender, organization=world.suppliers[0])
    login(client, world.supplier_staff[1])
    assert client.post(reverse("procurement:bid-withdraw", args=[bid.pk])).status_code == 404
    login(client, world.supplier_staff[0])
    url = reverse("procurement:bid-withdraw", args=[bid.pk])
    for unconfirmed in (client.get(url), client.post(url)):  # the confirmation page first
        assert unconfirmed.status_code == 200 and "请确认：撤回投标文件" in unconfirmed.content.decode()
    bid.refresh_from_db()
    assert bid.status == Bid.Status.SUBMITTED
    client.post(url, {"confirmed": "1"})
    bid.refresh_from_db()
    assert bid.status == Bid.Status.WITHDRAWN


# Downloads --------------------------------------------------------------------------------------

def test_contract_page_and_pdf_for_the_parties_and_the_funding_bureau(client, world):
    """One rule (procurement.view_contract) answers the contract page and its PDF."""
    (project,) = rows_at_stage(world, 1, "signed")
    url = reverse("evaluation:contract-pdf", args=[project.contract.pk])
    page = reverse("procurement:contract-detail", args=[project.contract.pk])
    with fake_builder("contract_pdf"):
        for user in (world.purchaser, world.supplier_staff[0], world.finance):
            response = login(client, user).get(url)
            assert response.status_code == 200
            assert response.content.startswith(b"%PDF")
            assert "filename*=UTF-8''" in response["Content-Disposition"]
            assert client.get(page).status_code == 200
        other = world_build(suffix="乙", **PAGE_WORLD)
        for user in (world.community, world.supplier_staff[1], world.resident,
                     *world.experts[:1], other.purchaser, other.finance):
            assert login(client, user).get(url).status_code == 404
            assert client.get(page).status_code == 404
        client.logout()
        assert client.get(url).status_code == 404


def test_performance_report_pdf_for_parties_and_community(client, world):
    (project,) = rows_at_stage(world, 1, "closed")
    evaluation = project.contract.performance_evaluation
    url = reverse("evaluation:performance-report-pdf", args=[evaluation.pk])
    with fake_builder("performance_report_pdf"):
        for user in (world.purchaser, world.supplier_staff[0], world.community):
            response = login(client, user).get(url)
            assert response.status_code == 200
            assert "%E7%BB%A9%E6%95%88" in response["Content-Disposition"]  # 绩效
        for user in (world.supplier_staff[1], world.resident, world.finance):
            assert login(client, user).get(url).status_code == 404


# Service records and satisfaction ---------------------------------------------------------------

def test_service_record_form(client, world):
    (project,) = rows_at_stage(world, 1, "signed")
    contract = project.contract
    url = reverse("delivery:record-add", args=[contract.pk])
    assert login(client, world.community).get(url).status_code == 404
    login(client, world.social_worker)
    response = client.post(url, {"deliverable": project.deliverables.first().pk,
                                 "served_on": "not a date", "site": "舜耕", "participants": 0,
                                 "description": "入户"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "请输入有效的日期" in html and "服务人数至少为1。" in html
    assert not contract.service_records.exists()
    response = client.post(url, {"deliverable": project.deliverables.first().pk,
                                 "served_on": timezone.localdate().isoformat(), "site": "舜耕",
                                 "participants": 3, "description": "入户探访"})
    assert response.status_code == 302
    record = contract.service_records.get()
    html = login(client, world.community).get(reverse("delivery:record-list")).content
    assert record.code in html.decode()


def test_satisfaction_survey(client, world):
    (project,) = rows_at_stage(world, 1, "signed")
    evaluation = PerformanceEvaluation.objects.create(contract=project.contract,
                                                      opened_at=timezone.now())
    url = reverse("evaluation:satisfaction", args=[evaluation.pk])
    assert login(client, world.community).get(url).status_code == 404
    login(client, world.resident)
    response = client.post(url, {"score": 150})
    assert "满意度不能高于100。" in response.content.decode()
    assert not SatisfactionResponse.objects.exists()
    assert client.post(url, {"score": 90, "comment": "很好"}).status_code == 302
    assert SatisfactionResponse.objects.get().score == 90


# Query counts -----------------------------------------------------------------------------------

LIST_PAGES = [
    ("procurement:need-list", "resident"),
    ("procurement:need-list", "community"),
    ("procurement:project-list", "community"),
    ("procurement:project-list", "purchaser"),
    ("procurement:project-list", "finance"),
    ("procurement:project-list", "social_org"),
    ("procurement:project-list", "expert"),
    ("procurement:tender-list", "social_org"),
    ("procurement:tender-list", "purchaser"),
    ("procurement:contract-list", "purchaser"),
    ("procurement:contract-list", "social_org"),
    ("delivery:record-list", "social_worker"),
    ("delivery:record-list", "community"),
    ("delivery:milestone-list", "purchaser"),
    ("finance:ledger", "finance"),
    ("finance:tranche-list", "finance"),
    ("evaluation:performance-list", "community"),
    ("evaluation:performance-list", "resident"),
]


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("name", "role"), LIST_PAGES)
def test_list_page_query_count_is_pinned(client, world, name, role):
    rows_at_stage(world, 5, "closed")
    login(client, world.users()[role])
    url = reverse(name)
    small = _count(client, url)
    rows_at_stage(world, 45, "closed")
    large = _count(client, url)
    assert large == small, f"{name} as {role}: {small} queries with 5 projects, {large} with 50"
