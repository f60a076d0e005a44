import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.calendar import add_working_days
from core.exceptions import PermissionDenied, ServiceError
from core.models import AuditEntry
from finance.models import BudgetCommitment
from procurement.models import ServiceProject, Tender
from procurement.services.tenders import tender_extend_deadline, tender_publish
from tests.factories import ExpertProfileFactory, ExpertRecusalFactory, MembershipFactory
from tests.worlds import (
    PROCUREMENT_WORLD,
    TZ,
    audit_count,
    bid_files,
    criteria,
    project_approved,
    project_budget_confirmed,
    tender_published,
    world_build,
)

pytestmark = pytest.mark.django_db


def test_publish_moves_project_to_tendering(world):
    tender = tender_published(world)
    assert tender.status == Tender.Status.PUBLISHED
    assert tender.project.status == ServiceProject.Status.TENDERING
    assert tender.budget_amount == tender.project.budget_amount
    assert tender.criteria.count() == 3
    entry = tender.project and __import__("core.models", fromlist=["x"]).AuditEntry.objects.get(
        action="tender.publish")
    assert entry.before["project_status"] == "budget_confirmed"
    assert entry.after["status"] == "published"


@pytest.mark.parametrize("who", ["community", "other_purchaser", "finance", "social_org",
                                 "admin", "superuser"])
def test_publish_denied(world, who):
    project = project_budget_confirmed(world)
    before = audit_count()
    with pytest.raises(PermissionDenied):
        tender_publish(project=project, actor=world.users()[who], method="open",
                       bid_deadline=timezone.now() + dt.timedelta(days=21),
                       price_weight=Decimal("10"), criteria=criteria())
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.BUDGET_CONFIRMED
    assert not Tender.objects.exists() and audit_count() == before


def test_no_budget_no_procurement(world):
    project = project_approved(world)  # approved, budget not confirmed
    with pytest.raises(ServiceError, match="无预算不采购"):
        tender_published(world, project)
    # budget_confirmed status without a live commitment is refused too
    ServiceProject.objects.filter(pk=project.pk).update(status="budget_confirmed")
    with pytest.raises(ServiceError, match="无预算不采购"):
        tender_published(world, project)
    project = project_budget_confirmed(world)
    BudgetCommitment.objects.filter(project=project).update(status="released")
    with pytest.raises(ServiceError, match="无预算不采购"):
        tender_published(world, project)
    assert not Tender.objects.exists()


@pytest.mark.parametrize(("method", "days", "ok"), [
    ("open", 20, True), ("open", 19, False), ("invited", 20, True), ("invited", 19, False),
    ("consultation", 10, True), ("consultation", 9, False),
])
def test_deadline_minimum_calendar_days(world, method, days, ok):
    project = project_budget_confirmed(world)
    weight = Decimal("20") if method == "consultation" else Decimal("10")
    if ok:
        assert tender_published(world, project, method=method, days=days, price_weight=weight).pk
    else:
        with pytest.raises(ServiceError, match="不得少于"):
            tender_published(world, project, method=method, days=days, price_weight=weight)


def test_negotiation_needs_three_working_days(world):
    # Published Monday 2026-03-02 09:00: the third working day is Thursday 03-05.
    project = project_budget_confirmed(world)
    assert add_working_days(timezone.localdate(), 3) == dt.date(2026, 3, 5)
    with pytest.raises(ServiceError, match="3个工作日"):
        tender_publish(project=project, actor=world.purchaser, method="negotiation",
                       bid_deadline=dt.datetime(2026, 3, 5, 8, 59, tzinfo=TZ),
                       price_weight=Decimal("0"), criteria=criteria(Decimal("0")))
    tender = tender_publish(project=project, actor=world.purchaser, method="negotiation",
                            bid_deadline=dt.datetime(2026, 3, 5, 9, 0, tzinfo=TZ),
                            price_weight=Decimal("0"), criteria=criteria(Decimal("0")))
    assert tender.method == "negotiation"


def _publish_at(clock, day, *, method, deadline, documents_until=None):
    """Build a world on day (09:00) and publish its tender due at deadline (10:00)."""
    clock.move_to(dt.datetime(day.year, day.month, day.day, 9, tzinfo=TZ))
    w = world_build(**PROCUREMENT_WORLD)
    weight = Decimal("20") if method == "consultation" else Decimal("10")
    return tender_publish(
        project=project_budget_confirmed(w), actor=w.purchaser, method=method,
        bid_deadline=dt.datetime(deadline.year, deadline.month, deadline.day, 10, tzinfo=TZ),
        price_weight=weight, criteria=criteria(weight), documents_until=documents_until)


def test_publication_fixes_the_announcement_and_the_document_supply_period(world):
    tender = tender_published(world)  # Monday 2026-03-02
    assert tender.announcement_ends_on == dt.date(2026, 3, 9)  # 87号令16: 5 working days
    assert tender.documents_until == dt.date(2026, 3, 9)  # 87号令19: at least as long
    entry = AuditEntry.objects.get(action="tender.publish")
    assert entry.after["documents_until"] == "2026-03-09"
    assert entry.after["announcement_ends_on"] == "2026-03-09"


@pytest.mark.parametrize(("method", "article"), [
    ("open", "第十九条"), ("invited", "第十九条"), ("consultation", "第十条")])
def test_documents_provided_at_least_five_working_days_order_87_19_circular_214_10(
        world, method, article):
    project = project_budget_confirmed(world)
    weight = Decimal("20") if method == "consultation" else Decimal("10")
    before = audit_count()
    with pytest.raises(ServiceError, match=article) as error:
        tender_published(world, project, method=method, price_weight=weight,
                         documents_until=dt.date(2026, 3, 6))  # the 4th working day
    assert "5个工作日" in str(error.value.messages) and "2026-03-09" in str(error.value.messages)
    assert not Tender.objects.exists() and audit_count() == before
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.BUDGET_CONFIRMED
    tender = tender_published(world, project, method=method, price_weight=weight,
                              documents_until=dt.date(2026, 3, 9))
    assert tender.documents_until == dt.date(2026, 3, 9)


@pytest.mark.parametrize("bad", ["2026-03-09", dt.datetime(2026, 3, 9, 9, tzinfo=TZ), 20260309])
def test_documents_until_must_be_a_date(world, bad):
    with pytest.raises(ServiceError, match="采购文件提供截止日无效"):
        tender_published(world, documents_until=bad)
    assert not Tender.objects.exists()


def test_documents_may_not_be_provided_after_the_deadline(world):
    with pytest.raises(ServiceError, match="不得晚于投标截止日"):
        tender_published(world, days=21, documents_until=dt.date(2026, 3, 24))
    assert tender_published(world, days=21,
                            documents_until=dt.date(2026, 3, 23)).documents_until == dt.date(
                                2026, 3, 23)


def test_negotiation_has_no_five_day_supply_period(world):
    tender = tender_publish(project=project_budget_confirmed(world), actor=world.purchaser,
                            method="negotiation",
                            bid_deadline=dt.datetime(2026, 3, 5, 9, 0, tzinfo=TZ),
                            price_weight=Decimal("0"), criteria=criteria(Decimal("0")))
    assert tender.documents_until == dt.date(2026, 3, 5)


@pytest.mark.parametrize(("published", "too_early", "earliest"), [
    # 春节 02-15..23 off, Sat 02-14 worked: Thu 02-12 → 02-13, 02-14, 02-24, 02-25, 02-26.
    (dt.date(2026, 2, 12), dt.date(2026, 2, 25), dt.date(2026, 2, 26)),
    # 国庆 10-01..07 off, Sat 10-10 worked: Mon 09-28 → 09-29, 09-30, 10-08, 10-09, 10-10.
    (dt.date(2026, 9, 28), dt.date(2026, 10, 9), dt.date(2026, 10, 10)),
])
def test_consultation_supply_period_on_the_2026_holidays_circular_214_10(
        db, clock, published, too_early, earliest):
    # Ten calendar days would be enough for the deadline (磋商办法第10条) but the documents
    # must be sold for 5 working days, which the holidays push past the tenth day.
    ten_days = published + dt.timedelta(days=10)
    assert ten_days < earliest
    with pytest.raises(ServiceError, match="不得晚于投标截止日"):
        _publish_at(clock, published, method="consultation", deadline=ten_days)
    with pytest.raises(ServiceError, match="第十条"):
        _publish_at(clock, published, method="consultation", deadline=earliest,
                    documents_until=too_early)
    tender = _publish_at(clock, published, method="consultation", deadline=earliest)
    assert tender.documents_until == earliest == tender.announcement_ends_on


@pytest.mark.parametrize(("method", "weight", "ok"), [
    ("open", "9.99", False), ("open", "10", True), ("open", "40", True),
    ("consultation", "9", False), ("consultation", "10", True), ("consultation", "30", True),
    ("consultation", "31", False),
])
def test_price_weight_ranges(world, method, weight, ok):
    project = project_budget_confirmed(world)
    if ok:
        assert tender_published(world, project, method=method, price_weight=Decimal(weight)).pk
    else:
        with pytest.raises(ServiceError, match="价格分权重"):
            tender_published(world, project, method=method, price_weight=Decimal(weight))


@pytest.mark.parametrize("bad", ["sum", "price_mismatch", "two_prices", "no_price"])
def test_criteria_must_sum_to_100_and_match_price_weight(world, bad):
    project = project_budget_confirmed(world)
    items = criteria(Decimal("10"))
    if bad == "sum":
        items[0]["max_score"] = Decimal("49")
    elif bad == "price_mismatch":
        items[2]["max_score"], items[1]["max_score"] = Decimal("15"), Decimal("35")
    elif bad == "two_prices":
        items[1]["kind"] = "price"
    else:
        items[2]["kind"] = "technical"
    with pytest.raises(ServiceError):
        tender_publish(project=project, actor=world.purchaser, method="open",
                       bid_deadline=timezone.now() + dt.timedelta(days=21),
                       price_weight=Decimal("10"), criteria=items)
    assert not Tender.objects.exists()


def test_open_tender_mandatory_at_threshold(world, settings):
    settings.PLATFORM_RULES = {**settings.PLATFORM_RULES,
                               "OPEN_TENDER_THRESHOLD": Decimal("300000.00")}
    project = project_budget_confirmed(world)  # budget 300,000 = threshold
    with pytest.raises(ServiceError, match="公开招标"):
        tender_published(world, project, method="consultation", price_weight=Decimal("20"))
    assert tender_published(world, project, method="open").method == "open"


def test_below_threshold_other_methods_allowed(world):
    project = project_budget_confirmed(world)  # 300,000 < default 2,000,000
    assert tender_published(world, project, method="consultation", price_weight=Decimal("20")).pk


def test_extend_deadline(world, clock):
    tender = tender_published(world)
    old = tender.bid_deadline
    with pytest.raises(ServiceError):
        tender_extend_deadline(tender=tender, actor=world.purchaser,
                               new_deadline=old - dt.timedelta(hours=1), reason="澄清")
    with pytest.raises(ServiceError):
        tender_extend_deadline(tender=tender, actor=world.purchaser,
                               new_deadline=old + dt.timedelta(days=3), reason="")
    tender_extend_deadline(tender=tender, actor=world.purchaser,
                           new_deadline=old + dt.timedelta(days=3), reason="澄清影响投标")
    tender.refresh_from_db()
    assert tender.bid_deadline == old + dt.timedelta(days=3)
    assert audit_count("tender.extend_deadline") == 1
    # 87号令27: recorded as a 延期 amendment (version 2) that does not affect bids
    assert tender.version == 2
    assert tender.amendments.get().kind == "extension"
    assert not tender.amendments.get().affects_bids
    clock.move_to(tender.bid_deadline + dt.timedelta(minutes=1))
    with pytest.raises(ServiceError, match="已过"):
        tender_extend_deadline(tender=tender, actor=world.purchaser,
                               new_deadline=tender.bid_deadline + dt.timedelta(days=3),
                               reason="太晚")


@pytest.mark.parametrize("who", ["community", "other_purchaser", "social_org", "admin",
                                 "superuser"])
def test_extend_deadline_denied(world, who):
    tender = tender_published(world)
    old = tender.bid_deadline
    before = audit_count()
    with pytest.raises(PermissionDenied):
        tender_extend_deadline(tender=tender, actor=world.users()[who],
                               new_deadline=old + dt.timedelta(days=3), reason="x")
    tender.refresh_from_db()
    assert tender.bid_deadline == old and audit_count() == before


# Failed procurement (废标) and re-tender; cancelling the procurement (终止采购). 法36.

def _failed(world, clock, prices=(Decimal("1000"), Decimal("2000"))):
    from tests.worlds import bids_opened_at_deadline, bids_submitted

    tender = tender_published(world)
    bids_submitted(world, tender, prices=list(prices))
    tender = bids_opened_at_deadline(clock, tender)
    assert tender.status == Tender.Status.FAILED
    return tender


def test_failed_opening_tells_bidders_and_purchaser_and_is_public(world, clock, client):
    from django.urls import reverse

    from core.models import Notification

    tender = _failed(world, clock)
    for user in (*world.supplier_staff[:2], world.purchaser):
        assert Notification.objects.filter(recipient=user, title__contains="废标",
                                           body=tender.failure_reason).exists()
    html = client.get(reverse("portal:tender-detail", args=[tender.pk])).content.decode()
    assert "废标" in html and tender.failure_reason in html


def test_retender_after_failure_gets_a_suffixed_code(world, clock):
    from core.models import AuditEntry, Notification

    first = _failed(world, clock)
    project = first.project
    second = tender_published(world, project)
    assert second.code == f"{first.code}-2" and second.status == Tender.Status.PUBLISHED
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.TENDERING
    assert project.current_tender == second
    assert list(project.tenders.order_by("pk")) == [first, second]
    entry = AuditEntry.objects.filter(action="tender.publish").order_by("-pk").first()
    assert entry.before == {"project_status": "tendering"}
    assert entry.after["retender_of"] == first.code
    # the bidders of the failed tender hear about the new one
    assert Notification.objects.filter(recipient=world.supplier_staff[0],
                                       title__startswith="重新招标").exists()
    # a third tender after a second failure
    from tests.worlds import bids_opened_at_deadline

    bids_opened_at_deadline(clock, second)
    assert tender_published(world, project).code == f"{first.code}-3"
    # the budget commitment is the same one throughout
    assert BudgetCommitment.objects.filter(project=project).count() == 1


def test_no_second_tender_while_one_is_live(world):
    tender = tender_published(world)
    with pytest.raises(ServiceError, match="进行中的采购"):
        tender_published(world, tender.project)
    assert Tender.objects.count() == 1


def test_database_allows_one_live_tender_per_project(world):
    from django.db import IntegrityError, transaction

    tender = tender_published(world)
    fields = {f.attname: getattr(tender, f.attname) for f in Tender._meta.concrete_fields
              if f.attname != "id"}
    with pytest.raises(IntegrityError), transaction.atomic():
        Tender.objects.create(**{**fields, "code": "DUP-1"})
    Tender.objects.create(**{**fields, "code": "DUP-2", "status": Tender.Status.FAILED})


def test_cancel_published_tender(world):
    from core.models import Notification
    from procurement.services.bids import bid_submit
    from procurement.services.tenders import tender_cancel

    tender = tender_published(world)
    bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[0], organization=world.suppliers[0],
               price=Decimal("1000"), proposal="方案")
    tender = tender_cancel(tender=tender, actor=world.purchaser, reason="  采购需求变更  ")
    assert tender.status == Tender.Status.CANCELLED and tender.failure_reason == "采购需求变更"
    project = ServiceProject.objects.get(pk=tender.project_id)
    assert project.status == ServiceProject.Status.CANCELLED
    assert project.current_tender is None
    assert BudgetCommitment.objects.get(project=project).status == BudgetCommitment.Status.RELEASED
    assert audit_count("tender.cancel") == 1 and audit_count("budget.settle") == 1
    for user in (world.supplier_staff[0], world.community):
        assert Notification.objects.filter(recipient=user, title__startswith="采购已终止",
                                           body__contains="采购需求变更").exists()
    with pytest.raises(ServiceError, match="采购已终止"):
        tender_published(world, project)
    with pytest.raises(ServiceError):
        tender_cancel(tender=tender, actor=world.purchaser, reason="again")


def test_cancel_after_failure_keeps_the_failure_on_record(world, clock):
    from procurement.services.tenders import tender_cancel

    tender = _failed(world, clock)
    reason = tender.failure_reason
    tender = tender_cancel(tender=tender, actor=world.purchaser, reason="不再采购")
    assert tender.status == Tender.Status.FAILED and tender.failure_reason == reason
    project = ServiceProject.objects.get(pk=tender.project_id)
    assert project.status == ServiceProject.Status.CANCELLED
    assert project.current_tender == tender
    assert BudgetCommitment.objects.get(project=project).status == BudgetCommitment.Status.RELEASED


def test_cancel_needs_a_reason_and_the_current_tender_before_award(world, clock):
    from procurement.services.tenders import tender_cancel

    first = _failed(world, clock)
    second = tender_published(world, first.project)
    with pytest.raises(ServiceError, match="理由"):
        tender_cancel(tender=second, actor=world.purchaser, reason=" ")
    with pytest.raises(ServiceError, match="定标前"):
        tender_cancel(tender=first, actor=world.purchaser, reason="旧的")  # superseded
    assert Tender.objects.get(pk=second.pk).status == Tender.Status.PUBLISHED
    assert audit_count("tender.cancel") == 0


def test_cancel_refused_after_award(world, clock):
    from procurement.services.awards import award_confirm
    from procurement.services.tenders import tender_cancel
    from tests.worlds import bids_opened_at_deadline, bids_submitted, tender_evaluated

    tender = tender_published(world)
    bids_submitted(world, tender)
    tender = tender_evaluated(world, tender=bids_opened_at_deadline(clock, tender), technical=15, commercial=15, seed="fixed")
    award_confirm(tender=tender, actor=world.purchaser)
    with pytest.raises(ServiceError, match="定标前"):
        tender_cancel(tender=tender, actor=world.purchaser, reason="太晚")
    assert Tender.objects.get(pk=tender.pk).status == Tender.Status.AWARDED


@pytest.mark.parametrize("who", ["community", "other_purchaser", "finance", "social_org",
                                 "admin", "superuser"])
def test_cancel_denied(world, who):
    from procurement.services.tenders import tender_cancel

    tender = tender_published(world)
    before = audit_count()
    with pytest.raises(PermissionDenied):
        tender_cancel(tender=tender, actor=world.users()[who], reason="x")
    assert Tender.objects.get(pk=tender.pk).status == Tender.Status.PUBLISHED
    assert ServiceProject.objects.get(pk=tender.project_id).status == ServiceProject.Status.TENDERING
    assert audit_count() == before


# --- 评审方法 and fixed-price projects ----------------------------------------------------------


@pytest.mark.parametrize("method", ["negotiation", "single_source"])
def test_lowest_price_methods_have_no_price_score_law_38_5(world, method):
    project = project_budget_confirmed(world)
    with pytest.raises(ServiceError, match="最低报价") as exc:
        tender_published(world, project, method=method, days=10, price_weight=Decimal("10"))
    assert exc.value.code == "price_weight"
    assert not Tender.objects.exists()
    tender = tender_published(world, project, method=method, days=10, price_weight=Decimal("0"))
    assert tender.evaluation_method == Tender.EvaluationMethod.LOWEST_PRICE
    assert not tender.criteria.filter(kind="price").exists()


def test_tie_rule_is_stated_at_publication_87_57(world):
    project = project_budget_confirmed(world)
    with pytest.raises(ServiceError, match="排序规则"):
        tender_published(world, project, tie_rule="先递交者优先")
    assert not Tender.objects.exists()
    tender = tender_published(world, project, tie_rule=Tender.TieRule.DRAW)
    assert tender.tie_rule == "draw"
    entry = __import__("core.models", fromlist=["x"]).AuditEntry.objects.get(action="tender.publish")
    assert entry.after["tie_rule"] == "draw"
    assert entry.after["evaluation_method"] == "comprehensive"


@pytest.mark.parametrize(("method", "weight", "ok"), [
    ("open", "0", True), ("open", "10", False), ("consultation", "0", True),
    ("consultation", "10", False), ("invited", "0", True), ("single_source", "0", True),
])
def test_fixed_price_project_scores_no_price_87_55(world, method, weight, ok):
    project = project_budget_confirmed(world, fixed_price=True)
    assert project.fixed_price
    if ok:
        tender = tender_published(world, project, method=method, price_weight=Decimal(weight))
        assert tender.price_weight == 0 and not tender.criteria.filter(kind="price").exists()
    else:
        with pytest.raises(ServiceError, match="固定价格") as exc:
            tender_published(world, project, method=method, price_weight=Decimal(weight))
        assert exc.value.code == "price_weight"
        assert not Tender.objects.exists()


def test_fixed_price_project_cannot_use_negotiation_law_38_5(world):
    project = project_budget_confirmed(world, fixed_price=True)
    with pytest.raises(ServiceError, match="竞争性谈判") as exc:
        tender_published(world, project, method="negotiation", days=10, price_weight=Decimal("0"))
    assert exc.value.code == "method"


def test_price_weight_zero_refused_without_fixed_price_87_55(world):
    project = project_budget_confirmed(world)
    assert not project.fixed_price
    with pytest.raises(ServiceError, match="不得低于10%"):
        tender_published(world, project, method="open", price_weight=Decimal("0"))


# --- The expert pool must seat the committee before an open or invited tender is published
# (issue 7 item 14; 87号令第47条: ≥ 5 experts, ≥ 7 from LARGE_COMMITTEE_BUDGET). Conflicts with
# bidders are unknown before bidding; the purchaser and the designing community are known.


def _deactivate(experts):
    for user in experts:
        user.expert_profile.is_active = False
        user.expert_profile.save()


@pytest.mark.parametrize("method", ["open", "invited"])
def test_tender_refused_when_pool_cannot_seat_the_committee_87_47(world, method):
    _deactivate(world.experts[:1])  # 4 of the world's 5 experts left
    project = project_budget_confirmed(world)
    before = audit_count()
    with pytest.raises(ServiceError, match=r"至少需要5名专家（87号令第47条）.*仅有4人") as exc:
        tender_published(world, project, method=method)
    assert exc.value.code == "experts"
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.BUDGET_CONFIRMED
    assert not Tender.objects.exists() and audit_count() == before


def test_tender_published_when_pool_seats_exactly_the_committee_87_47(world):
    assert len(world.experts) == 5  # exactly the 5 seats of an open tender below 10,000,000
    assert tender_published(world).status == Tender.Status.PUBLISHED


def test_tender_published_with_more_experts_than_seats_87_47(world):
    ExpertProfileFactory()
    assert tender_published(world, method="invited").status == Tender.Status.PUBLISHED


def test_experts_tied_to_purchaser_or_community_do_not_count_87_47_regulation_39(world):
    project = project_budget_confirmed(world)
    purchaser, community = project.purchaser, project.community
    # Five more experts, none of whom may sit: employed by, staff of or recused for the parties.
    ExpertProfileFactory(employer=purchaser)
    ExpertProfileFactory(employer=community)
    MembershipFactory(user=ExpertProfileFactory().user, organization=purchaser)
    ExpertRecusalFactory(credit_code=purchaser.credit_code)
    ExpertRecusalFactory(credit_code=community.credit_code)
    ExpertProfileFactory(user__is_active=False)
    _deactivate(world.experts[:1])
    with pytest.raises(ServiceError, match="仅有4人"):
        tender_published(world, project)
    ExpertProfileFactory()  # one free expert more: exactly five
    assert tender_published(world, project).status == Tender.Status.PUBLISHED


def test_large_budget_tender_needs_seven_experts_at_publication_87_47(world, settings):
    settings.PLATFORM_RULES = {**settings.PLATFORM_RULES,
                               "LARGE_COMMITTEE_BUDGET": Decimal("300000.00")}
    project = project_budget_confirmed(world)  # budget 300,000 = the large-committee budget
    with pytest.raises(ServiceError, match="至少需要7名专家.*仅有5人"):
        tender_published(world, project)
    ExpertProfileFactory()
    ExpertProfileFactory()
    assert tender_published(world, project).status == Tender.Status.PUBLISHED


def test_consultation_not_checked_against_the_pool_at_publication(world):
    _deactivate(world.experts)
    assert tender_published(world, method="consultation", price_weight=Decimal("20")).pk
