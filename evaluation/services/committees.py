"""Evaluation committee: random draw from the expert pool with conflict-of-interest exclusion."""

import random
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ExpertProfile, ExpertUnavailability
from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from core.notifications import notify
from evaluation.models import CommitteeMember, EvaluationCommittee, ScoreSheet
from procurement.models import Bid, Tender
from procurement.states import TenderStates

EVALUABLE_BID_STATUSES = (Bid.Status.SUBMITTED, Bid.Status.QUALIFIED)


def evaluable_bids(tender: Tender):
    """Return the bids that go to the committee (submitted or qualified, not withdrawn)."""
    return tender.bids.filter(status__in=EVALUABLE_BID_STATUSES).select_related("organization")


def committee_size_for(method: str, budget_amount) -> int:
    """Return the smallest lawful committee for a method and budget (法38, 87号令 47)."""
    if method in (Tender.Method.CONSULTATION, Tender.Method.NEGOTIATION,
                  Tender.Method.SINGLE_SOURCE):
        return 3
    if budget_amount >= settings.PLATFORM_RULES["LARGE_COMMITTEE_BUDGET"]:
        return 7
    return 5


def minimum_committee_size(tender: Tender) -> int:
    """Return the smallest lawful committee for the tender's method and budget (法38, 87号令 47)."""
    return committee_size_for(tender.method, tender.budget_amount)


def project_parties(project) -> list:
    """Return the organizations every expert of the project must be free of: the purchaser and
    the community that designed the project (known at publication, before any bid)."""
    return [org for org in (project.purchaser, project.community) if org is not None]


def free_experts(conflict_orgs, *, specialties=(), on_date=None) -> list:
    """Return the active expert profiles free of conflicts with conflict_orgs, in a fixed order:
    not employed by, not an active member of, not recused for (条例9), without a declared
    conflict with any of them (条例39); with one of specialties when the tender names any;
    not declared unavailable on on_date when given."""
    codes = [org.credit_code for org in conflict_orgs if org.credit_code]
    pks = [org.pk for org in conflict_orgs]
    profiles = (
        ExpertProfile.objects.filter(is_active=True, user__is_active=True)
        .exclude(recusals__credit_code__in=codes)
        .exclude(employer_id__in=pks)
        .exclude(conflict_declarations__organization_id__in=pks)
        # Staff of the purchaser, the designing community or a bidder never sit on its project.
        .exclude(user__memberships__organization_id__in=pks, user__memberships__is_active=True)
    )
    if on_date is not None:
        away = ExpertUnavailability.objects.filter(starts_on__lte=on_date, ends_on__gte=on_date)
        profiles = profiles.exclude(pk__in=away.values("expert_id"))
    profiles = list(profiles.select_related("user").order_by("pk").distinct())
    wanted = set(specialties or ())
    if wanted:
        # categories is a JSON list; matched here so that every database answers the same.
        profiles = [p for p in profiles if wanted & set(p.categories or ())]
    return profiles


def seats_available(*, project, method: str, specialties=(), on_date=None) -> tuple[int, int]:
    """Return (committee size needed, experts free of the project's parties) before bidding.

    Conflicts with the bidders are unknown at publication, so this counts what can be known:
    active experts with one of the tender's specialties, available on on_date (the day of
    opening), not employed by, member of, recused for or declared in conflict with the
    purchaser or the community.
    """
    needed = committee_size_for(method, project.budget_amount)
    experts = free_experts(project_parties(project), specialties=specialties, on_date=on_date)
    return needed, len(experts)


def eligible_experts(*, tender: Tender, bidder_orgs, on_date=None) -> list:
    """Return the users of active experts free of conflicts with the bidders and the project's
    parties (purchaser and designing community), with one of the tender's required
    specialties and available on on_date (the day of the draw unless given)."""
    conflict_orgs = list(bidder_orgs) + project_parties(tender.project)
    on_date = on_date or timezone.localdate()
    return [profile.user for profile in free_experts(
        conflict_orgs, specialties=tender.required_specialties, on_date=on_date)]


def draw_experts(*, candidates: list, size: int, seed: str) -> list:
    """Return size candidates drawn with random.Random(seed) (candidates in a fixed order)."""
    return random.Random(seed).sample(candidates, size)  # noqa: S311 - reproducible draw, not crypto


@transaction.atomic
def committee_form(*, tender: Tender, actor, size: int | None = None, seed: str | None = None) -> EvaluationCommittee:
    """Draw the committee for an opened tender and open the score sheets: opened → evaluating."""
    tender = Tender.objects.select_for_update(of=("self",)).select_related("project__purchaser", "project__community").get(pk=tender.pk)
    authz.require(actor, "evaluation.form_evaluationcommittee", EvaluationCommittee(tender=tender))
    if tender.status != Tender.Status.OPENED:
        raise ServiceError(_("只有已开标的采购项目可以组建评标委员会。"), code="state")
    if EvaluationCommittee.objects.filter(tender=tender).exists():
        raise ServiceError(_("评标委员会已组建。"), code="state")
    minimum = minimum_committee_size(tender)
    size = minimum if size is None else int(size)
    if size < minimum:
        raise ServiceError(_("评标委员会人数不得少于%(n)d人。") % {"n": minimum}, code="size")
    if size % 2 == 0:
        raise ServiceError(_("评标委员会人数应为单数。"), code="size")
    bids = list(evaluable_bids(tender))
    if not bids:
        raise ServiceError(_("没有可评审的投标文件。"), code="no_bids")
    candidates = eligible_experts(tender=tender, bidder_orgs=[b.organization for b in bids])
    if len(candidates) < size:
        raise ServiceError(
            _("专家库中专业相符、当日可参评且无利害关系的在库专家不足：需要%(size)d人，仅有%(n)d人。")
            % {"size": size, "n": len(candidates)}, code="experts",
        )
    seed = seed or secrets.token_hex(16)
    drawn = draw_experts(candidates=candidates, size=size, seed=seed)
    committee = EvaluationCommittee.objects.create(tender=tender, formed_by=actor,
                                                   formed_at=timezone.now(), draw_seed=seed)
    # The first expert drawn chairs the committee; the purchaser's representative never does.
    members = CommitteeMember.objects.bulk_create(
        [CommitteeMember(committee=committee, expert=user, is_chair=(i == 0)) for i, user in enumerate(drawn)]
    )
    members = list(committee.members.all()) if any(m.pk is None for m in members) else members
    ScoreSheet.objects.bulk_create([ScoreSheet(member=m, bid=b) for m in members for b in bids])
    TenderStates(tender).start_evaluation()
    tender.save(update_fields=["status"])
    audit_record(
        actor=actor, action="committee.form", target=committee,
        before={"tender_status": Tender.Status.OPENED},
        after={"tender_status": tender.status, "seed": seed, "size": size,
               "experts": [u.pk for u in drawn], "chair": drawn[0].pk, "candidates": len(candidates),
               "specialties": list(tender.required_specialties)},
    )
    notify(
        recipients=drawn,
        title=_("评审邀请：%(code)s %(title)s") % {"code": tender.code, "title": tender.title},
        body=_("您已被随机抽取为评标委员会成员，请在评审任务中独立评分。"),
    )
    return committee


def committee_member_for(*, tender: Tender, user) -> CommitteeMember | None:
    """Return user's seat on tender's committee, if any."""
    return CommitteeMember.objects.filter(committee__tender=tender, expert=user).first()
