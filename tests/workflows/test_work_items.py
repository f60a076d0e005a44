"""Inbox work items: residents, social workers, bidders and platform admins see real, linked work.

Rows are written with tests.worlds.rows_at_stage (fast factory rows); the actions that make an item go
away are the real services.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from accounts.roles import Role
from core.models import Holiday
from delivery.services.records import service_record_add
from evaluation.models import PerformanceEvaluation
from evaluation.services.performance import satisfaction_submit
from procurement.models import Need, ServiceProject
from procurement.services.bids import bid_submit, bid_withdraw
from procurement.services.needs import need_accept, need_submit, need_support
from tests.factories import (
    OrganizationFactory,
    UserFactory,
    make_bad_credit_code,
    make_credit_code,
    user_with_role,
)
from tests.worlds import PAGE_WORLD, bid_files, rows_at_stage, world_build
from workflows.selectors import work_items_for_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return world_build(**PAGE_WORLD)


def kinds(user) -> list[str]:
    return [item.kind for item in work_items_for_user(user) if item.actionable]


def inbox(user) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    return int(re.search(r'data-count="(\d+)"', html).group(1)), html


def open_survey(project) -> PerformanceEvaluation:
    ServiceProject.objects.filter(pk=project.pk).update(
        status=ServiceProject.Status.PERFORMANCE_REVIEW)
    return PerformanceEvaluation.objects.create(contract=project.contract, opened_at=timezone.now())


# Residents --------------------------------------------------------------------------------------

def test_resident_answers_open_survey_of_own_community_once(world):
    resident = world.resident
    (project,) = rows_at_stage(world, 1, "signed")
    evaluation = open_survey(project)
    other = world_build(suffix="乙", **PAGE_WORLD)
    (elsewhere,) = rows_at_stage(other, 1, "signed")
    open_survey(elsewhere)
    (done,) = rows_at_stage(world, 1, "closed")  # finalized evaluation: nothing to answer

    items = [i for i in work_items_for_user(resident) if i.kind == "satisfaction"]
    assert [(i.subject, i.url) for i in items] == [
        (project.title, reverse("evaluation:satisfaction", args=[evaluation.pk]))]
    count, html = inbox(resident)
    assert count == 1 and 'data-kind="satisfaction"' in html
    client = Client()
    client.force_login(resident)
    assert client.get(items[0].url).status_code == 200

    satisfaction_submit(evaluation=evaluation, actor=resident, score=90)
    assert "satisfaction" not in kinds(resident)
    assert inbox(resident)[0] == 0
    assert done.contract.performance_evaluation.status == PerformanceEvaluation.Status.FINALIZED


def test_resident_supports_neighbours_submitted_needs_and_sees_own_as_information(world):
    resident = world.resident
    neighbour = user_with_role(Role.RESIDENT, world.community_org)
    other = world_build(suffix="乙", **PAGE_WORLD)
    need = need_submit(actor=neighbour, community=world.community_org, title="楼道灯坏了",
                       category="governance", target_group="居民", description="请修灯")
    need_submit(actor=other.resident, community=other.community_org, title="别的社区",
                category="governance", target_group="居民", description="不相干")
    accepted = need_submit(actor=neighbour, community=world.community_org, title="已采纳的需求",
                           category="elderly", target_group="老人", description="已处理")
    need_accept(need=accepted, actor=world.community, reason="采纳")
    own = need_submit(actor=resident, community=world.community_org, title="我的需求",
                      category="elderly", target_group="老人", description="我提的")

    items = work_items_for_user(resident)
    actionable = [(i.kind, i.subject, i.url) for i in items if i.actionable]
    assert actionable == [("need_support", need.title,
                           reverse("procurement:need-detail", args=[need.pk]))]
    info = [(i.kind, i.subject, i.detail) for i in items if not i.actionable]
    assert info == [("own_need", own.title, str(Need.Status.SUBMITTED.label))]
    count, html = inbox(resident)
    assert count == 1  # own needs are information, not 待办
    assert 'class="inbox-info"' in html and own.title in html

    need_support(need=need, actor=resident)
    assert kinds(resident) == []
    assert inbox(resident)[0] == 0


# Social workers ---------------------------------------------------------------------------------

def test_social_worker_records_services_on_contracts_in_delivery(world):
    worker = world.social_worker
    (project,) = rows_at_stage(world, 1, "signed")
    contract = project.contract
    rows_at_stage(world, 1, "closed")  # a finished contract: no ledger to keep
    other = world_build(suffix="乙", **PAGE_WORLD)
    rows_at_stage(other, 1, "signed")  # another organization's contract

    (item,) = work_items_for_user(worker)
    assert item.kind == "service_record"
    assert item.url == reverse("delivery:record-add", args=[contract.pk])
    assert "本月已记录 0 条（我 0 条）" in item.detail and "超过24小时" not in item.detail
    client = Client()
    client.force_login(worker)
    assert client.get(item.url).status_code == 200

    deliverable = project.deliverables.first()
    today = timezone.localdate()
    service_record_add(contract=contract, actor=worker, deliverable=deliverable, served_on=today,
                       site="舜耕", participants=3, description="入户探访")
    (item,) = work_items_for_user(worker)
    assert "本月已记录 1 条（我 1 条）" in item.detail and "超过24小时" not in item.detail
    assert inbox(worker)[0] == 1


def test_social_worker_late_record_is_flagged(world):
    worker = world.social_worker
    (project,) = rows_at_stage(world, 1, "signed")
    contract = project.contract
    contract.start_date = timezone.localdate() - dt.timedelta(days=40)
    contract.save(update_fields=["start_date"])
    service_record_add(contract=contract, actor=worker, deliverable=project.deliverables.first(),
                       served_on=contract.start_date, site="舜耕", participants=2,
                       description="补录")
    (item,) = work_items_for_user(worker)
    assert "我有 1 条超过24小时补录" in item.detail


# Social organizations ---------------------------------------------------------------------------

def test_social_org_sees_open_tenders_it_may_still_bid_on(world):
    third = OrganizationFactory(social_org=True, name="田家庵区第三社工服务社")
    staff = user_with_role(Role.SOCIAL_ORG, third)
    (project,) = rows_at_stage(world, 1, "published")  # supplier and rival have bid
    tender = project.current_tender
    partnered = rows_at_stage(world, 1, "published")[0]
    partnered.design_partners.add(third)
    rows_at_stage(world, 1, "opened")  # past the deadline

    assert kinds(world.supplier_staff[0]) == []  # already bid
    (item,) = [i for i in work_items_for_user(staff) if i.kind == "tender_bid"]
    assert item.url == reverse("procurement:bid-submit", args=[tender.pk])
    assert item.subject == tender.title
    client = Client()
    client.force_login(staff)
    assert client.get(item.url).status_code == 200
    assert inbox(staff)[0] == 1

    bid = bid_submit(files=bid_files(), tender=tender, actor=staff, organization=third,
                     price=Decimal("90000.00"), proposal="方案丙")
    assert kinds(staff) == []
    bid_withdraw(bid=bid, actor=staff)
    assert kinds(staff) == ["tender_bid"]


# Platform admins --------------------------------------------------------------------------------

def test_platform_admin_confirms_provisional_holidays_and_reviews_overrides(world):
    year = timezone.localdate().year
    Holiday.objects.filter(date__year__in=[year, year + 1]).delete()
    Holiday.objects.create(date=dt.date(year + 1, 1, 1), name="元旦", provisional=True)
    Holiday.objects.create(date=dt.date(year + 1, 5, 1), name="劳动节", provisional=False)
    Holiday.objects.create(date=dt.date(year - 1, 10, 1), name="国庆节", provisional=True)
    superuser = user_with_role(Role.ADMIN, superuser=True)
    operator = user_with_role(Role.ADMIN)

    (item,) = work_items_for_user(operator)
    assert item.kind == "holiday_confirm" and "1 天" in item.detail
    assert kinds(UserFactory(superuser=True)) == ["holiday_confirm"]  # superuser without a role
    assert kinds(world.purchaser) == [] and kinds(world.community) == []

    Organization.objects.filter(pk=world.suppliers[1].pk).update(
        credit_code=make_bad_credit_code(), credit_code_override_reason="登记证书代码与校验位不符")
    items = {i.kind: i for i in work_items_for_user(superuser)}
    assert set(items) == {"holiday_confirm", "credit_code_override"}
    assert "1 家机构" in items["credit_code_override"].detail
    client = Client()
    client.force_login(superuser)
    for item in items.values():
        response = client.get(item.url)
        assert response.status_code == 200, item.url
    changelist = client.get(items["credit_code_override"].url).content.decode()
    assert world.suppliers[1].name in changelist and world.suppliers[0].name not in changelist
    assert inbox(superuser)[0] == 2

    Holiday.objects.filter(provisional=True).update(provisional=False)
    assert kinds(operator) == ["credit_code_override"]
    Organization.objects.filter(pk=world.suppliers[1].pk).update(
        credit_code=make_credit_code(), credit_code_override_reason="")
    assert kinds(operator) == []
    assert inbox(operator)[0] == 0
