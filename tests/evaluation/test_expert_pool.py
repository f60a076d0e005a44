"""The expert pool (issue 7 item 14): experts' specialties, region, availability and declared
conflicts, kept on pages; the committee draw (条例39, 87号令 47) and the publication check seat
only experts with a specialty the tender names, available on the day, with no declared conflict
with a bidder, the purchaser or the designing community (条例39, 条例9)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import ExpertProfile, ExpertSpecialty, ExpertUnavailability
from accounts.roles import Role
from accounts.services.experts import (
    expert_conflict_declare,
    expert_conflict_withdraw,
    expert_profile_update,
    expert_unavailability_add,
    expert_unavailability_remove,
)
from core.exceptions import PermissionDenied, ServiceError
from core.models import AuditEntry
from evaluation.services.committees import committee_form
from procurement.models import NeedCategory, Tender
from procurement.services.tenders import tender_publish
from tests.factories import (
    DEFAULT_PASSWORD,
    ExpertConflictDeclarationFactory,
    ExpertUnavailabilityFactory,
    user_with_role,
)
from tests.worlds import criteria, project_budget_confirmed, tender_opened, world_build

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def _narrow(users, categories):
    for user in users:
        ExpertProfile.objects.filter(user=user).update(categories=categories)


def _drawn(tender):
    return set(tender.committee.members.values_list("expert_id", flat=True))


def test_expert_specialties_are_the_service_categories():
    # accounts cannot import procurement: the two lists are kept equal here.
    assert ExpertSpecialty.choices == NeedCategory.choices


# --- The draw (条例39, 87号令 47) ---------------------------------------------------------------


def test_draw_seats_only_experts_with_a_required_specialty_87_47(world):
    elderly, children = world.experts[:5], world.experts[5:]
    _narrow(elderly, ["elderly", "health"])
    _narrow(children, ["children"])
    tender = tender_opened(world, required_specialties=["elderly"])
    assert tender.required_specialties == ["elderly"]
    committee_form(tender=tender, actor=world.purchaser)
    assert _drawn(tender) == {u.pk for u in elderly}
    entry = AuditEntry.objects.get(action="committee.form")
    assert entry.after["specialties"] == ["elderly"] and entry.after["candidates"] == 5


def test_draw_refused_when_too_few_experts_have_the_specialty_87_47(world):
    tender = tender_opened(world, required_specialties=["elderly"])
    _narrow(world.experts[:3], ["children"])  # after publication: 4 of 7 left with 养老服务
    with pytest.raises(ServiceError, match="专业相符.*需要5人，仅有4人") as exc:
        committee_form(tender=tender, actor=world.purchaser)
    assert exc.value.code == "experts"
    assert Tender.objects.get(pk=tender.pk).status == Tender.Status.OPENED


def test_tender_without_required_specialties_draws_from_every_expert(world):
    _narrow(world.experts[:3], [])
    tender = tender_opened(world)
    assert tender.required_specialties == []
    committee_form(tender=tender, actor=world.purchaser, size=7)
    assert len(_drawn(tender)) == 7


@pytest.mark.parametrize(("starts", "ends", "seated"), [
    # 春节 2026 (02-15..02-23 off): the draw on the first working day after it, 2026-02-24.
    (dt.date(2026, 2, 15), dt.date(2026, 2, 23), True),   # ended the day before: available
    (dt.date(2026, 2, 15), dt.date(2026, 2, 24), False),  # the last day is the draw's day
    (dt.date(2026, 2, 24), dt.date(2026, 3, 6), False),   # the first day is the draw's day
    (dt.date(2026, 2, 25), dt.date(2026, 3, 6), True),    # starts the day after: available
])
def test_draw_skips_experts_unavailable_on_the_day_87_47(world, starts, ends, seated):
    tender = tender_opened(world)
    absent = world.experts[0]
    ExpertUnavailabilityFactory(expert=absent.expert_profile, starts_on=starts, ends_on=ends)
    with time_machine.travel(dt.datetime(2026, 2, 24, 9, tzinfo=TZ), tick=False):
        committee_form(tender=tender, actor=world.purchaser, size=7 if seated else 5)
    assert (absent.pk in _drawn(tender)) is seated


def test_draw_on_the_national_day_boundary_counts_the_expert_back_on_10_08(world):
    # 国庆 2026 (10-01..10-07): away through the holiday, back on the first working day.
    tender = tender_opened(world)
    absent = world.experts[0]
    ExpertUnavailabilityFactory(expert=absent.expert_profile, starts_on=dt.date(2026, 10, 1),
                                ends_on=dt.date(2026, 10, 7))
    with time_machine.travel(dt.datetime(2026, 10, 7, 9, tzinfo=TZ), tick=False):
        with pytest.raises(ServiceError, match="需要7人，仅有6人"):
            committee_form(tender=tender, actor=world.purchaser, size=7)
    with time_machine.travel(dt.datetime(2026, 10, 8, 9, tzinfo=TZ), tick=False):
        committee_form(tender=tender, actor=world.purchaser, size=7)
    assert absent.pk in _drawn(tender)


def test_draw_skips_experts_who_declared_a_conflict_with_a_bidder_regulation_39(world):
    tender = tender_opened(world)
    bidder = tender.bids.first().organization
    conflicted = world.experts[:2]
    for user in conflicted:
        ExpertConflictDeclarationFactory(expert=user.expert_profile, organization=bidder)
    with pytest.raises(ServiceError, match="需要7人，仅有5人"):
        committee_form(tender=tender, actor=world.purchaser, size=7)
    committee_form(tender=tender, actor=world.purchaser)
    assert not _drawn(tender) & {u.pk for u in conflicted}


def test_declared_conflict_with_an_organization_that_does_not_bid_does_not_exclude(world):
    tender = tender_opened(world)
    ExpertConflictDeclarationFactory(expert=world.experts[0].expert_profile)  # another org
    committee_form(tender=tender, actor=world.purchaser, size=7)
    assert world.experts[0].pk in _drawn(tender)


# --- Publication counts the same way (87号令 47) ------------------------------------------------


@pytest.fixture
def small_world(db):
    with time_machine.travel(dt.datetime(2026, 2, 3, 9, tzinfo=TZ), tick=False):
        yield world_build(suppliers=2, experts=5, envelope_amount=Decimal("10000000.00"))


def _publish(world, *, deadline=dt.date(2026, 2, 24), **kw):
    with time_machine.travel(dt.datetime(2026, 2, 3, 9, tzinfo=TZ), tick=False):
        return tender_publish(
            project=project_budget_confirmed(world), actor=world.purchaser, method="open",
            bid_deadline=dt.datetime(deadline.year, deadline.month, deadline.day, 10, tzinfo=TZ),
            price_weight=Decimal("10"), criteria=criteria(Decimal("10")), **kw)


def test_publication_refused_when_too_few_experts_have_the_specialty_87_47(small_world):
    _narrow(small_world.experts[:1], ["children"])
    with pytest.raises(ServiceError, match="专业相符.*仅有4人") as exc:
        _publish(small_world, required_specialties=["elderly"])
    assert exc.value.code == "experts"
    tender = _publish(small_world, required_specialties=["elderly", "children"])
    entry = AuditEntry.objects.get(action="tender.publish")
    assert entry.after["required_specialties"] == ["elderly", "children"]
    assert tender.get_required_specialties_display() == "养老服务、儿童关爱"


@pytest.mark.parametrize(("ends", "published"), [
    # Published Tue 2026-02-03, opening Tue 2026-02-24 at 10:00, the first working day after
    # 春节 (02-15..02-23 off): an expert away over the holiday counts only if back by then.
    (dt.date(2026, 2, 23), True),   # back the day before the opening
    (dt.date(2026, 2, 24), False),  # away on the day of opening: 4 of 5
])
def test_publication_counts_only_experts_available_on_the_opening_day_87_47(
        small_world, ends, published):
    ExpertUnavailabilityFactory(expert=small_world.experts[0].expert_profile,
                                starts_on=dt.date(2026, 2, 14), ends_on=ends)
    if published:
        assert _publish(small_world).status == Tender.Status.PUBLISHED
    else:
        with pytest.raises(ServiceError, match="开标日可参评.*仅有4人"):
            _publish(small_world)


def test_publication_excludes_experts_who_declared_a_conflict_with_the_purchaser_39(small_world):
    ExpertConflictDeclarationFactory(expert=small_world.experts[0].expert_profile,
                                     organization=small_world.purchaser_org)
    with pytest.raises(ServiceError, match="仅有4人"):
        _publish(small_world)


def test_publication_refuses_an_unknown_specialty(small_world):
    with pytest.raises(ServiceError, match="评审专家专业要求无效：astrology") as exc:
        _publish(small_world, required_specialties=["astrology"])
    assert exc.value.code == "specialties"


# --- Services: kept by admins and purchasers, availability and conflicts by the expert ---------


@pytest.fixture
def profile(world):
    return world.experts[0].expert_profile


def test_purchaser_updates_an_expert_and_it_is_audited(world, profile):
    expert_profile_update(profile=profile, actor=world.purchaser, categories=["elderly", "elderly"],
                          specialties="老年社会工作", employer=None,
                          region=world.community_org.division, is_active=True)
    profile.refresh_from_db()
    assert profile.categories == ["elderly"] and profile.region == world.community_org.division
    entry = AuditEntry.objects.get(action="expert.update")
    assert entry.before["categories"] == list(ExpertSpecialty.values)
    assert entry.after["categories"] == ["elderly"]


def test_expert_update_refuses_unknown_or_missing_specialties(world, profile):
    with pytest.raises(ServiceError, match="评审专业无效"):
        expert_profile_update(profile=profile, actor=world.purchaser, categories=["x"])
    with pytest.raises(ServiceError, match="至少应有一个评审专业"):
        expert_profile_update(profile=profile, actor=world.purchaser, categories=[])
    # Out of the pool, an expert may be left without specialties.
    expert_profile_update(profile=profile, actor=world.purchaser, categories=[], is_active=False)


@pytest.mark.parametrize("role", [Role.EXPERT, Role.SOCIAL_ORG, Role.FINANCE, Role.COMMUNITY])
def test_only_admins_and_purchasers_keep_the_pool(world, profile, role):
    actor = world.experts[0] if role == Role.EXPERT else user_with_role(role)
    with pytest.raises(PermissionDenied):
        expert_profile_update(profile=profile, actor=actor, categories=["elderly"])
    expert_profile_update(profile=profile, actor=user_with_role(Role.ADMIN), categories=["elderly"])


def test_expert_declares_and_removes_an_unavailable_period(world, profile):
    expert = world.experts[0]
    with time_machine.travel(dt.datetime(2026, 9, 28, 9, tzinfo=TZ), tick=False):
        period = expert_unavailability_add(profile=profile, actor=expert,
                                           starts_on=dt.date(2026, 10, 1),
                                           ends_on=dt.date(2026, 10, 7), reason="出国")
        with pytest.raises(ServiceError, match="重叠"):
            expert_unavailability_add(profile=profile, actor=expert, starts_on=dt.date(2026, 10, 7),
                                      ends_on=dt.date(2026, 10, 9))
        with pytest.raises(ServiceError, match="不能早于起始日"):
            expert_unavailability_add(profile=profile, actor=expert, starts_on=dt.date(2026, 10, 9),
                                      ends_on=dt.date(2026, 10, 8))
        with pytest.raises(ServiceError, match="已经过去"):
            expert_unavailability_add(profile=profile, actor=expert, starts_on=dt.date(2026, 9, 1),
                                      ends_on=dt.date(2026, 9, 27))
        expert_unavailability_remove(period=period, actor=expert)
    assert not ExpertUnavailability.objects.exists()
    actions = list(AuditEntry.objects.filter(action__startswith="expert.unavailability")
                   .values_list("action", flat=True).order_by("pk"))
    assert actions == ["expert.unavailability_add", "expert.unavailability_remove"]


def test_another_expert_cannot_maintain_someone_elses_availability(world, profile):
    with pytest.raises(PermissionDenied):
        expert_unavailability_add(profile=profile, actor=world.experts[1],
                                  starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 12, 2))
    with pytest.raises(PermissionDenied):
        expert_conflict_declare(profile=profile, actor=world.suppliers and world.supplier_staff[0],
                                organization=world.suppliers[0], reason="x")


def test_expert_declares_and_withdraws_a_conflict_regulation_39(world, profile):
    expert = world.experts[0]
    declaration = expert_conflict_declare(profile=profile, actor=expert,
                                          organization=world.suppliers[0], reason="曾任该机构理事")
    with pytest.raises(ServiceError, match="已申报"):
        expert_conflict_declare(profile=profile, actor=expert, organization=world.suppliers[0],
                                reason="again")
    with pytest.raises(ServiceError, match="请说明利害关系"):
        expert_conflict_declare(profile=profile, actor=expert, organization=world.suppliers[1],
                                reason=" ")
    expert_conflict_withdraw(declaration=declaration, actor=expert)
    assert not profile.conflict_declarations.exists()
    assert AuditEntry.objects.filter(action="expert.conflict_declare",
                                     after__organization=world.suppliers[0].pk).exists()
    assert AuditEntry.objects.filter(action="expert.conflict_withdraw").exists()


@pytest.mark.parametrize("keeper", ["purchaser", "admin"])
def test_keepers_of_the_pool_do_not_declare_for_the_expert_87_48_regulation_39(world, profile,
                                                                               keeper):
    """条例39, 87号令 48: recusal and availability are the expert's own statements. A purchaser
    (a party to the draws) or an admin who could withdraw an expert's declared conflict, or mark
    the expert unavailable, would choose who sits on a committee; nothing changes, no audit row."""
    actor = world.purchaser if keeper == "purchaser" else user_with_role(Role.ADMIN)
    expert = world.experts[0]
    declaration = expert_conflict_declare(profile=profile, actor=expert,
                                          organization=world.purchaser_org, reason="曾在该局任职")
    period = ExpertUnavailabilityFactory(expert=profile)
    audit = AuditEntry.objects.count()
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        expert_conflict_withdraw(declaration=declaration, actor=actor)
    with pytest.raises(PermissionDenied):
        expert_conflict_declare(profile=profile, actor=actor, organization=world.suppliers[0],
                                reason="代为申报")
    with pytest.raises(PermissionDenied):
        expert_unavailability_add(profile=profile, actor=actor, starts_on=today + dt.timedelta(30),
                                  ends_on=today + dt.timedelta(31))
    with pytest.raises(PermissionDenied):
        expert_unavailability_remove(period=period, actor=actor)
    assert AuditEntry.objects.count() == audit
    assert list(profile.conflict_declarations.all()) == [declaration]
    assert list(profile.unavailable_periods.all()) == [period]


# --- Pages -----------------------------------------------------------------------------------------


def _login(client, user):
    client.login(username=user.username, password=DEFAULT_PASSWORD)
    return client


def test_purchaser_lists_searches_and_filters_the_pool(client, world, django_assert_max_num_queries):
    _narrow(world.experts[:2], ["children"])
    _narrow(world.experts[2:], ["elderly"])
    _login(client, world.purchaser)
    url = reverse("evaluation:expert-list")
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count(reverse("evaluation:expert-edit",
                                                   args=[world.experts[0].expert_profile.pk]))
    rows = client.get(url, {"category": "children"}).context["page"].object_list
    assert {p.user_id for p in rows} == {u.pk for u in world.experts[:2]}
    rows = client.get(url, {"q": world.experts[3].real_name}).context["page"].object_list
    assert [p.user_id for p in rows] == [world.experts[3].pk]


def test_purchaser_edits_an_expert_on_the_page(client, world, profile):
    _login(client, world.purchaser)
    url = reverse("evaluation:expert-edit", args=[profile.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"categories": ["culture"], "specialties": "社区文化",
                                 "region": world.community_org.division.pk, "is_active": "on"})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.categories == ["culture"] and profile.specialties == "社区文化"
    response = client.post(url, {"categories": [], "is_active": "on"})
    assert "在库专家至少应有一个评审专业" in response.content.decode()


@pytest.mark.parametrize("who", ["expert", "supplier", "finance"])
def test_outsiders_get_404_on_the_pool_pages(client, world, profile, who):
    user = {"expert": world.experts[1], "supplier": world.supplier_staff[0],
            "finance": world.finance}[who]
    _login(client, user)
    assert client.get(reverse("evaluation:expert-edit", args=[profile.pk])).status_code == 404
    assert client.get(reverse("evaluation:expert-availability",
                              args=[profile.pk])).status_code == 404
    if who != "expert":
        assert client.get(reverse("evaluation:expert-list")).status_code == 404
        assert client.get(reverse("evaluation:expert-mine")).status_code == 404


def test_expert_maintains_own_availability_and_declarations_on_the_page(client, world, profile):
    expert = world.experts[0]
    _login(client, expert)
    response = client.get(reverse("evaluation:expert-mine"))
    url = reverse("evaluation:expert-availability", args=[profile.pk])
    assert response.status_code == 302 and response.url == url
    with time_machine.travel(dt.datetime(2026, 9, 28, 9, tzinfo=TZ), tick=False):
        response = client.post(url, {"action": "add_period", "period-starts_on": "2026-10-01",
                                     "period-ends_on": "2026-10-07", "period-reason": "出国"})
        assert response.status_code == 302
        response = client.post(url, {"action": "add_period", "period-starts_on": "2026-10-09",
                                     "period-ends_on": "2026-10-08"})
        assert "不能早于起始日" in response.content.decode()
    response = client.post(url, {"action": "declare", "conflict-organization": world.suppliers[0].pk,
                                 "conflict-reason": "配偶任职"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "2026-10-01" in page and world.suppliers[0].name in page
    period = profile.unavailable_periods.get()
    declaration = profile.conflict_declarations.get()
    client.post(url, {"action": "remove_period", "id": period.pk})
    client.post(url, {"action": "withdraw", "id": declaration.pk})
    assert not profile.unavailable_periods.exists() and not profile.conflict_declarations.exists()


def test_keeper_reads_the_declarations_but_cannot_post_them_regulation_39(client, world, profile):
    """The purchaser sees the expert's periods and declared conflicts without the forms; a post
    (add, declare, remove, withdraw) answers 404 and changes nothing (条例39)."""
    declaration = ExpertConflictDeclarationFactory(expert=profile, organization=world.suppliers[0])
    period = ExpertUnavailabilityFactory(expert=profile)
    _login(client, world.purchaser)
    url = reverse("evaluation:expert-availability", args=[profile.pk])
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert world.suppliers[0].name in page and "由专家本人申报" in page
    assert 'value="withdraw"' not in page and 'value="declare"' not in page
    for data in ({"action": "withdraw", "id": declaration.pk},
                 {"action": "remove_period", "id": period.pk},
                 {"action": "declare", "conflict-organization": world.suppliers[1].pk,
                  "conflict-reason": "代为申报"}):
        assert client.post(url, data).status_code == 404
    assert list(profile.conflict_declarations.all()) == [declaration]
    assert list(profile.unavailable_periods.all()) == [period]


@pytest.mark.parametrize("bad_id", ["abc", "１２", "99999999999999999999", ""])
def test_expert_page_answers_404_to_a_malformed_row_id(client, world, profile, bad_id):
    _login(client, world.experts[0])
    url = reverse("evaluation:expert-availability", args=[profile.pk])
    for action in ("withdraw", "remove_period"):
        assert client.post(url, {"action": action, "id": bad_id}).status_code == 404


def test_admin_site_shows_the_pool_fields_read_only_87_47(client, world, profile):
    """The Django admin does not bypass the audited expert_profile_update: once created, an
    expert's specialties, employer, region and pool status (87号令 47: the draw reads them) and its
    user are read-only there; a post changes none of them and writes no audit row."""
    admin = user_with_role(Role.ADMIN)
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    client.force_login(admin)
    url = reverse("admin:accounts_expertprofile_change", args=[profile.pk])
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert not {"user", "specialties", "categories", "employer", "region", "is_active"} & set(
        form.fields)
    before = (profile.user_id, profile.specialties, profile.categories, profile.is_active)
    client.post(url, {"user": world.experts[1].pk, "specialties": "改", "categories": '["elderly"]',
                      "recusals-TOTAL_FORMS": "0", "recusals-INITIAL_FORMS": "0",
                      "recusals-MIN_NUM_FORMS": "0", "recusals-MAX_NUM_FORMS": "1000"})
    profile.refresh_from_db()
    assert (profile.user_id, profile.specialties, profile.categories, profile.is_active) == before
    assert not AuditEntry.objects.filter(action="expert.update").exists()
