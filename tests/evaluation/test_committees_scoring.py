from decimal import Decimal as D

import pytest

from accounts.models import ExpertRecusal
from accounts.roles import Role
from core.exceptions import PermissionDenied, ServiceError
from core.models import AuditEntry, Notification
from evaluation.models import CommitteeMember, ScoreCorrection, ScoreSheet
from evaluation.services.committees import committee_form
from evaluation.services.scoring import score_correct, scores_submit
from procurement.models import Bid, ServiceProject, Tender, TenderCriterion
from tests.factories import ExpertProfileFactory, user_with_role
from tests.worlds import EVALUATION_WORLD, project_budget_confirmed, tender_opened, world_build

pytestmark = pytest.mark.django_db

RULES_PRICES = (D("1000000.00"), D("950000.00"), D("900000.00"))


@pytest.fixture
def tender(world):
    return tender_opened(world)


def _scores(tender, technical=D("40"), commercial=D("30"), per_bid=None):
    criteria = {c.kind: c for c in tender.criteria.all()}
    result = {}
    for bid in tender.bids.all():
        tech, comm = (per_bid or {}).get(bid.pk, (technical, commercial))
        result[bid.pk] = {criteria["technical"].pk: tech, criteria["commercial"].pk: comm}
    return result


def _everyone_scores(tender, per_bid=None):
    for member in tender.committee.members.all():
        scores_submit(member=member, actor=member.expert, scores=_scores(tender, per_bid=per_bid))


def test_committee_form_draws_five_with_recorded_seed_and_sheets(world, tender):
    committee = committee_form(tender=tender, actor=world.purchaser, seed="abc")
    tender.refresh_from_db()
    assert tender.status == Tender.Status.EVALUATING
    assert tender.project.status == ServiceProject.Status.EVALUATING
    members = list(committee.members.all())
    assert len(members) == 5 and sum(m.is_chair for m in members) == 1
    assert committee.draw_seed == "abc"
    assert ScoreSheet.objects.filter(member__committee=committee).count() == 5 * 3
    assert AuditEntry.objects.filter(action="committee.form", target_id=str(committee.pk)).exists()
    assert set(Notification.objects.filter(title__contains=tender.code).values_list("recipient_id", flat=True)) \
        >= {m.expert_id for m in members}


def test_same_seed_draws_same_experts(tender, world):
    from evaluation.services.committees import draw_experts, eligible_experts

    candidates = eligible_experts(tender=tender, bidder_orgs=[b.organization for b in tender.bids.all()])
    assert draw_experts(candidates=candidates, size=5, seed="s") == draw_experts(
        candidates=candidates, size=5, seed="s")


def test_recused_and_conflicted_experts_never_drawn(world, tender):
    recused, employed, purchaser_staff = world.experts[:3]
    extra = user_with_role(Role.EXPERT)
    ExpertProfileFactory(user=extra)
    ExpertRecusal.objects.create(expert=recused.expert_profile, credit_code=world.suppliers[1].credit_code)
    employed.expert_profile.employer = world.suppliers[2]
    employed.expert_profile.save()
    from accounts.services.memberships import membership_grant
    membership_grant(user=purchaser_staff, organization=world.purchaser_org, role=Role.PURCHASER, actor=None)
    committee = committee_form(tender=tender, actor=world.purchaser)
    drawn = set(committee.members.values_list("expert_id", flat=True))
    assert drawn == {u.pk for u in world.experts[3:]} | {extra.pk}
    assert not drawn & {recused.pk, employed.pk, purchaser_staff.pk}


def test_experts_of_the_designing_community_or_recused_for_the_purchaser_never_drawn(world, tender):
    community_staff, recused = world.experts[:2]
    community_staff.expert_profile.employer = tender.project.community
    community_staff.expert_profile.save()
    ExpertRecusal.objects.create(expert=recused.expert_profile,
                                 credit_code=tender.project.purchaser.credit_code)
    assert len(world.experts[2:]) == 5  # the world's 7 experts less the two: exactly the seats
    committee = committee_form(tender=tender, actor=world.purchaser)
    drawn = set(committee.members.values_list("expert_id", flat=True))
    assert drawn == {u.pk for u in world.experts[2:]}


def test_not_enough_experts(world, tender):
    for user in world.experts[:3]:
        user.expert_profile.is_active = False
        user.expert_profile.save()
    with pytest.raises(ServiceError, match="专家"):
        committee_form(tender=tender, actor=world.purchaser)
    tender.refresh_from_db()
    assert tender.status == Tender.Status.OPENED


@pytest.mark.parametrize(("size", "ok"), [(4, False), (5, True), (6, False), (7, True), (3, False)])
def test_committee_size_rules(world, tender, size, ok):
    if ok:
        assert committee_form(tender=tender, actor=world.purchaser, size=size).members.count() == size
    else:
        with pytest.raises(ServiceError):
            committee_form(tender=tender, actor=world.purchaser, size=size)


def test_consultation_allows_three(db):
    world = world_build(**{**EVALUATION_WORLD, "experts": 3})
    tender = tender_opened(world, method="consultation", price_weight=D("20"))
    assert committee_form(tender=tender, actor=world.purchaser).members.count() == 3


def test_large_budget_needs_seven(world, tender, settings):
    settings.PLATFORM_RULES = {**settings.PLATFORM_RULES, "LARGE_COMMITTEE_BUDGET": D("100000")}
    with pytest.raises(ServiceError, match="7"):
        committee_form(tender=tender, actor=world.purchaser, size=5)


def test_committee_form_denied(world, tender):
    other_purchaser = user_with_role(Role.PURCHASER)
    for actor in (world.community, world.finance, other_purchaser, world.experts[0]):
        with pytest.raises(PermissionDenied):
            committee_form(tender=tender, actor=actor)
    assert not CommitteeMember.objects.exists()
    tender.refresh_from_db()
    assert tender.status == Tender.Status.OPENED


def test_committee_form_requires_opened(world, tender):
    Tender.objects.filter(pk=tender.pk).update(status=Tender.Status.PUBLISHED)
    with pytest.raises(ServiceError):
        committee_form(tender=tender, actor=world.purchaser)


def test_full_scoring_reproduces_rules_example_and_ranks(db):
    world = world_build(**EVALUATION_WORLD)
    project = project_budget_confirmed(world, budget=D("1000000.00"))
    tender = tender_opened(world, prices=RULES_PRICES, project=project)
    committee_form(tender=tender, actor=world.purchaser)
    _everyone_scores(tender)  # equal technical/commercial: price decides
    tender.refresh_from_db()
    assert tender.status == Tender.Status.EVALUATED
    bids = {b.price: b for b in tender.bids.all()}
    assert [bids[p].price_score for p in RULES_PRICES] == [D("9.00"), D("9.47"), D("10.00")]
    assert [bids[p].final_score for p in RULES_PRICES] == [D("79.00"), D("79.47"), D("80.00")]
    assert [bids[p].rank for p in RULES_PRICES] == [3, 2, 1]
    assert tender.project.status == ServiceProject.Status.EVALUATING
    assert Notification.objects.filter(recipient=world.purchaser, title__contains="评审完成").exists()
    assert AuditEntry.objects.filter(action="tender.evaluated", target_id=str(tender.pk)).exists()


def test_tie_in_total_broken_by_lower_price(world, tender):
    committee_form(tender=tender, actor=world.purchaser)
    bids = sorted(tender.bids.all(), key=lambda b: b.price)  # 270k, 280k, 290k
    from evaluation.services.scoring import tender_price_scores

    prices = tender_price_scores(tender, bids)
    # Give the cheapest bid exactly the points that make its total equal the dearest one's.
    cheap, mid, dear = bids
    gap = prices[cheap.pk] - prices[dear.pk]
    per_bid = {cheap.pk: (D("40") - gap, D("30")), mid.pk: (D("10"), D("10")), dear.pk: (D("40"), D("30"))}
    _everyone_scores(tender, per_bid=per_bid)
    cheap.refresh_from_db(), dear.refresh_from_db()
    assert cheap.final_score == dear.final_score
    assert (cheap.rank, dear.rank) == (1, 2)


def test_scores_submit_validates_range_with_criterion_name(world, tender):
    committee = committee_form(tender=tender, actor=world.purchaser)
    member = committee.members.first()
    bad = _scores(tender, technical=D("51"))
    with pytest.raises(ServiceError, match="服务方案"):
        scores_submit(member=member, actor=member.expert, scores=bad)
    missing = _scores(tender)
    missing[next(iter(missing))].popitem()
    with pytest.raises(ServiceError):
        scores_submit(member=member, actor=member.expert, scores=missing)
    assert not ScoreSheet.objects.filter(status=ScoreSheet.Status.SUBMITTED).exists()


def test_scores_submit_only_own_seat_and_once(world, tender):
    committee = committee_form(tender=tender, actor=world.purchaser)
    first, second = list(committee.members.all())[:2]
    with pytest.raises(PermissionDenied):
        scores_submit(member=first, actor=second.expert, scores=_scores(tender))
    with pytest.raises(PermissionDenied):
        scores_submit(member=first, actor=world.purchaser, scores=_scores(tender))
    sheets = scores_submit(member=first, actor=first.expert, scores=_scores(tender))
    assert all(s.total == s.items.get(criterion__kind="price").score + D("70") for s in sheets)
    with pytest.raises(ServiceError):
        scores_submit(member=first, actor=first.expert, scores=_scores(tender))
    tender.refresh_from_db()
    assert tender.status == Tender.Status.EVALUATING


def test_score_correct_records_and_reranks(world, tender):
    committee_form(tender=tender, actor=world.purchaser)
    _everyone_scores(tender)
    dear = tender.bids.order_by("-price").first()
    assert dear.rank == 3
    member = tender.committee.members.get(is_chair=True)
    item = member.sheets.get(bid=dear).items.get(criterion__kind=TenderCriterion.Kind.TECHNICAL)
    with pytest.raises(ServiceError):
        score_correct(item=item, actor=member.expert, new_score=D("50"), reason="typo", explanation="x")
    other = tender.committee.members.exclude(pk=member.pk).filter(is_chair=False).first()
    with pytest.raises(PermissionDenied):
        score_correct(item=item, actor=other.expert, new_score=D("50"), reason="arithmetic", explanation="x")
    with pytest.raises(PermissionDenied):
        score_correct(item=item, actor=world.purchaser, new_score=D("50"), reason="arithmetic", explanation="x")
    price_item = member.sheets.get(bid=dear).items.get(criterion__kind=TenderCriterion.Kind.PRICE)
    with pytest.raises(ServiceError):
        score_correct(item=price_item, actor=member.expert, new_score=D("10"), reason="arithmetic",
                      explanation="x")
    correction = score_correct(item=item, actor=member.expert, new_score=D("50"), reason="arithmetic",
                               explanation="汇总错误")
    assert (correction.old_score, correction.new_score) == (D("40.00"), D("50.00"))
    assert ScoreCorrection.objects.count() == 1
    dear.refresh_from_db()
    assert dear.final_score == D("81.31")  # (79.31 × 4 + 89.31) / 5
    assert AuditEntry.objects.filter(action="score.correct").exists()


def test_score_sheets_hidden_in_admin_before_opening(world, tender):
    from django.contrib.admin.sites import site

    from evaluation.admin import ScoreSheetAdmin
    committee_form(tender=tender, actor=world.purchaser)
    model_admin = ScoreSheetAdmin(ScoreSheet, site)

    class R:
        user = world.purchaser
    assert model_admin.get_queryset(R()).count() == 15
    Tender.objects.filter(pk=tender.pk).update(status=Tender.Status.PUBLISHED)
    assert model_admin.get_queryset(R()).count() == 0


def test_bid_statuses_withdrawn_not_evaluated(world, tender):
    Bid.objects.filter(pk=tender.bids.first().pk).update(status=Bid.Status.WITHDRAWN)
    committee = committee_form(tender=tender, actor=world.purchaser)
    assert ScoreSheet.objects.filter(member__committee=committee).count() == 5 * 2
