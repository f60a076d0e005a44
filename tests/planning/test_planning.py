"""Plan monitoring (issue 9 item 4): the seed plan's targets as data, each community's actuals
from the registry, profiles and volunteer records, who sees and who keeps what, and the pages."""

import datetime
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Division, Organization
from accounts.roles import Role
from core.exceptions import PermissionDenied, ServiceError
from core.models import AuditEntry
from office.formsets import formset_data
from planning.models import CommunityProfile, PlanTarget, Volunteer, VolunteerService
from planning.seed import SEED_PLAN, SEED_YEAR
from planning.selectors import plan_monitoring, street_summary
from planning.services import (
    community_profile_set,
    plan_targets_set,
    volunteer_register,
    volunteer_service_record,
)
from tests.factories.accounts import (
    DivisionFactory,
    OrganizationFactory,
    SocialWorkerProfileFactory,
    user_with_role,
)
from tests.worlds import PAGE_WORLD, world_build

pytestmark = pytest.mark.django_db

DAY = datetime.date(SEED_YEAR, 6, 1)


@pytest.fixture
def world(db):
    return world_build(**PAGE_WORLD)


@pytest.fixture
def community(world) -> Division:
    return world.community_org.division


def _measures(row):
    return {m.indicator: m for m in row.measures}


def _volunteers(community, actor, n, *, served=0):
    people = [volunteer_register(division=community, actor=actor, name=f"志愿者{i}",
                                 phone=f"1390000{i:04d}", registered_on=DAY) for i in range(n)]
    for v in people[:served]:
        volunteer_service_record(volunteer=v, actor=actor, served_on=DAY, hours="2.5",
                                 activity="助老探访")
    return people


def test_the_seed_plans_targets_are_loaded_by_default():
    targets = {(t.area, t.indicator): t for t in PlanTarget.objects.filter(plan=SEED_PLAN,
                                                                            year=SEED_YEAR)}
    assert targets[("urban", "community_social_orgs")].value == D("10")
    assert targets[("rural", "community_social_orgs")].value == D("5")
    assert targets[("urban", "social_workers")].binding
    assert not targets[("rural", "social_workers")].binding  # 力争
    assert targets[("all", "volunteer_rate")].value == D("13")
    assert targets[("all", "participation_rate")].value == D("40")
    assert all(t.division_id is None for t in targets.values())


def test_actuals_against_targets_with_known_data(world, community):
    community_profile_set(division=community, actor=world.community, area="urban", population=100)
    for _i in range(3):
        OrganizationFactory(kind=Organization.Kind.SOCIAL_ORG, division=community)
    OrganizationFactory(kind=Organization.Kind.SOCIAL_ORG, division=community, is_active=False)
    local = OrganizationFactory(kind=Organization.Kind.SOCIAL_ORG, division=community)
    SocialWorkerProfileFactory(organization=local)
    _volunteers(community, world.community, 13, served=4)
    [row] = plan_monitoring(user=world.purchaser, plan=SEED_PLAN, year=SEED_YEAR,
                            division_id=community.pk)
    m = _measures(row)
    assert (m["community_social_orgs"].actual, m["community_social_orgs"].met) == (D("4"), False)
    assert (m["social_workers"].actual, m["social_workers"].met) == (D("1"), True)
    assert (m["volunteer_rate"].actual, m["volunteer_rate"].met) == (D("13.00"), True)
    assert (m["participation_rate"].actual, m["participation_rate"].met) == (D("4.00"), False)
    assert row.unmet == 2
    # Service in another year does not count for this one.
    [row] = plan_monitoring(user=world.purchaser, plan=SEED_PLAN, year=SEED_YEAR,
                            measured=SEED_YEAR + 1, division_id=community.pk)
    m = _measures(row)
    assert m["participation_rate"].actual == D("0.00") and m["participation_rate"].met is False
    assert m["volunteer_rate"].actual == D("13.00")  # still registered


def test_without_a_population_the_rates_cannot_be_measured(world, community):
    _volunteers(community, world.community, 2)
    [row] = plan_monitoring(user=world.purchaser, plan=SEED_PLAN, year=SEED_YEAR,
                            division_id=community.pk)
    m = _measures(row)
    assert m["volunteer_rate"].actual is None and m["volunteer_rate"].met is None


def test_the_most_specific_target_applies(world, community):
    community_profile_set(division=community, actor=world.community, area="rural", population=50)
    admin = world.admin
    plan_targets_set(plan=SEED_PLAN, year=SEED_YEAR, actor=admin, rows=[
        {"division": None, "area": "all", "indicator": "community_social_orgs", "value": 8},
        {"division": None, "area": "rural", "indicator": "community_social_orgs", "value": 5},
        {"division": community.parent, "area": "all", "indicator": "community_social_orgs",
         "value": 3},
        {"division": community, "area": "all", "indicator": "community_social_orgs", "value": 1},
    ])
    [row] = plan_monitoring(user=world.purchaser, plan=SEED_PLAN, year=SEED_YEAR,
                            division_id=community.pk)
    assert _measures(row)["community_social_orgs"].target.value == D("1")
    PlanTarget.objects.filter(division=community).delete()
    [row] = plan_monitoring(user=world.purchaser, plan=SEED_PLAN, year=SEED_YEAR,
                            division_id=community.pk)
    assert _measures(row)["community_social_orgs"].target.value == D("3")  # the street's
    PlanTarget.objects.filter(division=community.parent).delete()
    [row] = plan_monitoring(user=world.purchaser, plan=SEED_PLAN, year=SEED_YEAR,
                            division_id=community.pk)
    assert _measures(row)["community_social_orgs"].target.value == D("5")  # rural before all


def test_the_street_summary_counts_communities_meeting_each_target(world, community):
    other = DivisionFactory(community=True, parent=community.parent, code=None)
    community_profile_set(division=community, actor=world.community, area="urban", population=10)
    CommunityProfile.objects.create(division=other, area="urban", population=10)
    _volunteers(community, world.community, 2)  # 20 % ≥ 13 %; the other community has none
    rows = plan_monitoring(user=world.purchaser, plan=SEED_PLAN, year=SEED_YEAR,
                           street_id=community.parent_id)
    [street] = street_summary(rows)
    assert street.communities == 2 and street.population == 20
    assert street.met["volunteer_rate"] == [1, 2]
    assert street.counts["volunteers"] == 2


def test_who_sees_which_communities(world, community):
    other_district = world.outsiders["community"].memberships.first().organization.division
    seen = {r.division.pk for r in plan_monitoring(user=world.purchaser, plan=SEED_PLAN,
                                                   year=SEED_YEAR)}
    assert community.pk in seen and other_district.pk not in seen
    own = {r.division.pk for r in plan_monitoring(user=world.community, plan=SEED_PLAN,
                                                  year=SEED_YEAR)}
    assert own == {community.pk}
    assert plan_monitoring(user=world.resident, plan=SEED_PLAN, year=SEED_YEAR) == []
    assert plan_monitoring(user=world.supplier_staff[0], plan=SEED_PLAN, year=SEED_YEAR) == []


def test_only_the_communitys_staff_keep_its_data(world, community):
    for user in (world.purchaser, world.resident, world.outsiders["community"]):
        with pytest.raises(PermissionDenied):
            community_profile_set(division=community, actor=user, area="urban", population=10)
        with pytest.raises(PermissionDenied):
            volunteer_register(division=community, actor=user, name="张三")
    assert not CommunityProfile.objects.exists() and not Volunteer.objects.exists()


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"area": "town", "population": 10}, "area"),
    ({"area": "urban", "population": "很多"}, "population"),
    ({"area": "urban", "population": 0}, "population"),
    ({"area": "urban", "population": 10, "households": 11}, "households"),
])
def test_bad_profiles_are_refused_and_change_nothing(world, community, kwargs, code):
    with pytest.raises(ServiceError) as error:
        community_profile_set(division=community, actor=world.community, **kwargs)
    assert error.value.code == code
    assert not CommunityProfile.objects.exists()


def test_volunteers_and_their_service_are_checked_and_audited(world, community):
    volunteer = volunteer_register(division=community, actor=world.community, name="李四",
                                   phone="13900000000", registered_on=DAY)
    assert AuditEntry.objects.filter(action="volunteer.register").count() == 1
    with pytest.raises(ServiceError, match="已在本社区注册"):
        volunteer_register(division=community, actor=world.community, name="李四",
                           phone="13900000000", registered_on=DAY)
    for hours, served_on in ((0, DAY), (25, DAY), (2, DAY - datetime.timedelta(days=1)),
                             (2, datetime.date.today() + datetime.timedelta(days=1))):
        with pytest.raises(ServiceError):
            volunteer_service_record(volunteer=volunteer, actor=world.community,
                                     served_on=served_on, hours=hours, activity="活动")
    with pytest.raises(PermissionDenied):
        volunteer_service_record(volunteer=volunteer, actor=world.purchaser, served_on=DAY,
                                 hours=2, activity="活动")
    assert not VolunteerService.objects.exists()
    volunteer_service_record(volunteer=volunteer, actor=world.community, served_on=DAY,
                             hours="1.5", activity="清洁家园")
    assert VolunteerService.objects.get().hours == D("1.5")


def test_purchasers_set_targets_inside_their_district_only(world, community):
    with pytest.raises(PermissionDenied):  # the whole city is the admins'
        plan_targets_set(plan="区规划", year=2027, actor=world.purchaser, rows=[
            {"division": None, "area": "all", "indicator": "volunteer_rate", "value": 15}])
    outside = world.outsiders["community"].memberships.first().organization.division
    with pytest.raises(PermissionDenied):
        plan_targets_set(plan="区规划", year=2027, actor=world.purchaser, rows=[
            {"division": outside, "area": "all", "indicator": "volunteer_rate", "value": 15}])
    with pytest.raises(PermissionDenied):
        plan_targets_set(plan="区规划", year=2027, actor=world.community, rows=[])
    with pytest.raises(ServiceError, match="0至100"):
        plan_targets_set(plan="区规划", year=2027, actor=world.purchaser, rows=[
            {"division": community.parent, "area": "all", "indicator": "volunteer_rate",
             "value": 130}])
    assert not PlanTarget.objects.filter(plan="区规划").exists()
    plan_targets_set(plan="区规划", year=2027, actor=world.purchaser, rows=[
        {"division": community.parent, "area": "all", "indicator": "volunteer_rate", "value": 15}])
    assert PlanTarget.objects.get(plan="区规划").value == D("15")
    assert AuditEntry.objects.filter(action="plan.targets").count() == 1


# Pages ------------------------------------------------------------------------------------------

def test_the_monitor_page_and_its_export(client, world, community):
    community_profile_set(division=community, actor=world.community, area="urban", population=100)
    _volunteers(community, world.community, 13)
    client.force_login(world.purchaser)
    url = reverse("planning:monitor")
    page = client.get(url).content.decode()
    assert community.name in page and "✓" in page and "✗" in page
    response = client.get(url, {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    names = [r[1] for r in rows[1:]]
    assert community.name in names
    mine = rows[1 + names.index(community.name)]
    header = list(rows[0])
    assert mine[header.index("常住人口")] == 100
    assert mine[header.index("注册志愿者占居民比例（%）·实际")] == 13
    assert mine[header.index("注册志愿者占居民比例（%）·达标")] == "达标"
    # The charts: communities meeting each target, and the volunteer share against its target.
    charts = {c.key: c for c in client.get(url).context["charts"]}
    met = dict(zip(charts["met"].labels, charts["met"].series[0].values, strict=True))
    assert met["注册志愿者占居民比例（%）"] == 1
    volunteers = dict(zip(charts["volunteers"].labels, charts["volunteers"].series[0].values,
                          strict=True))
    assert volunteers[community.name] == D("13.00")
    sheet = load_workbook(io.BytesIO(client.get(url, {"chart": "met", "export": "xlsx"}).content)).active
    assert ("注册志愿者占居民比例（%）", 1, 0) in list(sheet.iter_rows(values_only=True))


def test_the_monitor_page_runs_a_fixed_number_of_queries(client, world, community,
                                                         django_assert_max_num_queries):
    client.force_login(world.purchaser)
    url = reverse("planning:monitor")
    client.get(url)
    with django_assert_max_num_queries(25) as few:
        client.get(url)
    street = community.parent
    for _i in range(12):
        d = DivisionFactory(community=True, parent=street, code=None)
        CommunityProfile.objects.create(division=d, area="rural", population=500)
        Volunteer.objects.create(community=d, name="王五", registered_on=DAY,
                                 registered_by=world.community)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_the_monitor_answers_404_to_who_has_no_part(client, world):
    for user in (world.resident, world.supplier_staff[0]):
        client.force_login(user)
        assert client.get(reverse("planning:monitor")).status_code == 404


def test_the_community_page_keeps_its_data(client, world, community):
    url = reverse("planning:community", args=[community.pk])
    client.force_login(world.community)
    response = client.post(url, {"which": "profile", "profile-area": "urban",
                                 "profile-population": "2000", "profile-households": "800"})
    assert response.status_code == 302
    assert CommunityProfile.objects.get(division=community).population == 2000
    response = client.post(url, {"which": "volunteer", "volunteer-name": "赵六",
                                 "volunteer-registered_on": DAY.isoformat()})
    assert response.status_code == 302
    volunteer = Volunteer.objects.get(name="赵六")
    response = client.post(url, {"which": "service", "service-volunteer": volunteer.pk,
                                 "service-served_on": DAY.isoformat(), "service-hours": "30",
                                 "service-activity": "巡逻"})
    assert response.status_code == 200 and "24" in response.content.decode()
    assert not VolunteerService.objects.exists()
    # Bad input: a clear message, nothing changed, never 500.
    response = client.post(url, {"which": "profile", "profile-area": "urban",
                                 "profile-population": "-5"})
    assert response.status_code == 200
    assert CommunityProfile.objects.get(division=community).population == 2000


def test_the_community_page_is_404_outside_ones_scope(client, world, community):
    url = reverse("planning:community", args=[community.pk])
    for user in (world.outsiders["community"], world.outsiders["purchaser"], world.resident):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(world.purchaser)  # reads, does not keep
    assert client.get(url).status_code == 200
    response = client.post(url, {"which": "profile", "profile-area": "urban",
                                 "profile-population": "10"})
    assert response.status_code == 404 and not CommunityProfile.objects.exists()


def test_the_targets_page(client, world, community):
    url = reverse("planning:targets")
    client.force_login(world.community)
    assert client.get(url).status_code == 404
    client.force_login(world.purchaser)
    page = client.get(url).content.decode()
    assert "注册志愿者占居民比例" in page and "全市" not in page.split("targets-0-division")[1][:400]
    data = {"plan": "区级规划", "year": "2027"} | formset_data("targets", [
        {"division": community.parent.pk, "area": "urban", "indicator": "social_workers",
         "value": "2", "binding": "on", "source": ""}])
    assert client.post(url, data).status_code == 302
    assert PlanTarget.objects.get(plan="区级规划").division == community.parent
    bad = {"plan": "区级规划", "year": "2027"} | formset_data("targets", [
        {"division": community.parent.pk, "area": "all", "indicator": "volunteer_rate",
         "value": "120", "binding": "on", "source": ""}])
    response = client.post(url, bad)
    assert response.status_code == 200 and "0至100" in response.content.decode()
    assert PlanTarget.objects.get(plan="区级规划").indicator == "social_workers"  # unchanged


def test_a_user_with_the_admin_role_sets_city_wide_targets(client, world):
    admin = world.admin or user_with_role(Role.ADMIN)
    client.force_login(admin)
    data = {"plan": "新规划", "year": "2027"} | formset_data("targets", [
        {"division": "", "area": "all", "indicator": "volunteer_rate", "value": "15",
         "binding": "on", "source": "市规划"}])
    assert client.post(reverse("planning:targets"), data).status_code == 302
    assert PlanTarget.objects.get(plan="新规划").division is None
