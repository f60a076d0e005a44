"""The permission matrix of docs/roles.md, checked service by service.

The test parses the matrix itself, so the document and the code cannot drift apart. For every
row it builds a project at the row's stage through the real services (the demo app), then calls
the service with

- a user of every role the row refuses (taken from the project's own organizations),
- a user of every allowed role from another organization (大通区, or an expert without the seat),
- a platform admin and a superuser,

expecting ``PermissionDenied`` and no change at all (domain rows, audit log, notifications), and
finally with the allowed users, expecting success.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from accounts.roles import Role
from core.exceptions import PermissionDenied
from demo.cast import cast_build
from demo.projects import CRITERIA, PRICE_WEIGHT, project_rows
from demo.stages import build_project_at_stage
from tests.factories import user_with_role
from tests.worlds import bid_documents

ROOT = Path(__file__).resolve().parent.parent
ROLE_COLUMNS = ["resident", "community", "purchaser", "finance", "social_org", "social_worker",
                "expert", "admin", "system"]
ANY_ORGANIZATION = "不限机构"


def parse_matrix() -> dict[str, dict[str, str]]:
    """Return {service: {role: condition}} for the allowed cells of docs/roles.md."""
    text = (ROOT / "docs" / "roles.md").read_text(encoding="utf-8")
    header = None
    matrix = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[:3] == ["stage", "action", "service"]:
            header = cells
            continue
        if header is None or len(cells) != len(header) or not cells[2].startswith("`"):
            continue
        row = dict(zip(header, cells, strict=True))
        service = row["service"].strip("`")
        matrix[service] = {role: row[role][1:].strip() for role in ROLE_COLUMNS
                           if row[role].startswith("✓")}
    assert header is not None and header[3:] == ROLE_COLUMNS, header
    return matrix


def contract_services() -> set[str]:
    """Return every service name of docs/services.md."""
    text = (ROOT / "docs" / "services.md").read_text(encoding="utf-8")
    # `name(*, …`, `module.name(*, …` or `path/to/module.py: name(*, …`
    return set(re.findall(r"`(?:[\w/.]+\.py: )?(?:\w+\.)?(\w+)\(\*", text))


MATRIX = parse_matrix()


def test_matrix_covers_every_service_of_the_contract():
    assert set(MATRIX) == contract_services()
    assert all(MATRIX[s] for s in MATRIX), "every action is allowed to someone"
    assert not any("admin" in roles for roles in MATRIX.values()), "admins never act in the chain"


# ---------------------------------------------------------------------------------------------


@dataclass
class World:
    cast: object  # 田家庵区
    other: object  # 大通区: the same roles in other organizations
    build: object
    extra: dict


def snapshot() -> dict:
    """Return the observable state of the whole chain: statuses, row counts, audit, notices."""
    from accounts.models import ExpertConflictDeclaration, ExpertUnavailability
    from core.models import AuditEntry, Notification
    from delivery.models import MilestoneReport, ServiceRecord, ServiceUserOpinion
    from evaluation.models import (
        CommitteeMember,
        EvaluationCommittee,
        PartyScore,
        PerformanceEvaluation,
        SatisfactionResponse,
        ScoreSheet,
    )
    from finance.models import BudgetCommitment, BudgetEnvelope, Payment, PaymentTranche
    from procurement.models import (
        Award,
        Bid,
        Contract,
        ContractTeamChange,
        ContractTeamMember,
        Need,
        NeedSupport,
        ServiceProject,
        Tender,
    )

    state = {"audit": AuditEntry.objects.count(), "notifications": Notification.objects.count()}
    for model in (NeedSupport, ServiceRecord, CommitteeMember, Payment, Award, ServiceUserOpinion):
        state[model.__name__] = model.objects.count()
    for model in (Need, ServiceProject, Tender, Bid, Contract, PaymentTranche, MilestoneReport,
                  ScoreSheet, PerformanceEvaluation, BudgetCommitment):
        state[model.__name__] = sorted(model.objects.values_list("pk", "status"))
    state["deadlines"] = sorted(Tender.objects.values_list("pk", "bid_deadline"))
    state["signatures"] = sorted(Contract.objects.values_list(
        "pk", "purchaser_signed_at", "supplier_signed_at"))
    state["PartyScore"] = sorted(PartyScore.objects.values_list("pk", "party"))
    state["SatisfactionResponse"] = SatisfactionResponse.objects.count()
    state["EvaluationCommittee"] = EvaluationCommittee.objects.count()
    state["envelopes"] = sorted(BudgetEnvelope.objects.values_list("pk", "amount"))
    state["ExpertUnavailability"] = sorted(ExpertUnavailability.objects.values_list("pk", flat=True))
    state["ExpertConflictDeclaration"] = sorted(
        ExpertConflictDeclaration.objects.values_list("pk", flat=True))
    state["ContractTeamChange"] = sorted(ContractTeamChange.objects.values_list("pk", "status"))
    state["ContractTeamMember"] = sorted(ContractTeamMember.objects.values_list("pk", "left_at"))
    return state


def project_user(world: World, role: str):
    """Return the user holding role in the organizations of the project being tested."""
    cast, b = world.cast, world.build
    if role == "resident":
        return b.resident
    if role == "community":
        return b.community_staff
    if role == "purchaser":
        return b.purchaser_staff
    if role == "finance":
        return b.finance_staff
    org = b.contract.supplier if b.contract else cast.social_orgs[b.spec.bidders[0]]
    if role == "social_org":
        return cast.one(Role.SOCIAL_ORG, org)
    if role == "social_worker":
        return cast.one(Role.SOCIAL_WORKER, org)
    if role == "expert":
        if b.evaluation is not None:
            return b.evaluation.third_party_expert
        if b.committee is not None:
            return b.committee.members.order_by("pk").first().expert
        return cast.users["zj_qian"]
    if role == "admin":
        from accounts.models import User

        return User.objects.get(username="operator")
    if role == "superuser":
        return cast.admin
    raise KeyError(role)


def other_org_user(world: World, role: str):
    """Return a user holding role in another organization (or an expert without the seat)."""
    if role == "expert":
        b = world.build
        busy = set()
        if b.committee is not None:
            busy |= set(b.committee.members.values_list("expert_id", flat=True))
        if b.evaluation is not None:
            busy.add(b.evaluation.third_party_expert_id)
        return next(u for u in world.cast.by_role(Role.EXPERT) if u.pk not in busy)
    return world.other.one(role)


# Each scenario: the stage to build, optional preparation, and how to call the service.
def _need_submit(w, actor, role):
    from procurement.services.needs import need_submit

    return need_submit(actor=actor, community=w.build.need.community, title="楼道照明损坏",
                       category="other", target_group="居民", description="希望修复楼道照明")


def _prepare_second_need(w):
    from procurement.services.needs import need_submit

    w.extra["into"] = need_submit(actor=w.build.resident, community=w.build.need.community,
                                  title="独居老人探访", category="elderly", target_group="老人",
                                  description="同类需求")


def _project_create(w, actor, role):
    from procurement.services.projects import project_create

    b = w.build
    return project_create(
        actor=actor, community=b.need.community, purchaser=w.cast.purchaser, title="测试项目",
        category="elderly", objectives="目标", target_groups="老人", fiscal_year=b.need.submitted_at.year,
        funding_source="fiscal", duration_months=3, needs=[b.need], **project_rows(b.spec),
    )


def _prepare_returned(w):
    from procurement.services.projects import project_return

    project_return(project=w.build.project, actor=w.build.purchaser_staff, reason="预算测算不清")


def _criteria_scores(tender):
    criteria = [c for c in tender.criteria.all() if c.kind != "price"]
    return {bid.pk: {c.pk: c.max_score / 2 for c in criteria} for bid in tender.bids.all()}


def _party(role):
    return {"purchaser": "purchaser", "community": "community", "social_org": "self",
            "expert": "third_party"}.get(role, "purchaser")


def _prepare_tranche_approved(w):
    from finance.services.tranches import tranche_approve

    tranche = w.build.contract.tranches.get(sequence=1)
    # 不相容岗位相互分离: the second officer approves, so the matrix's finance actor may pay.
    tranche_approve(tranche=tranche, actor=w.build.finance_payer)


def _prepare_settled_tranches(w):
    from finance.services.tranches import tranche_approve, tranche_pay

    tranche = w.build.contract.tranches.get(sequence=3)
    tranche_approve(tranche=tranche, actor=w.build.finance_staff)
    tranche_pay(tranche=tranche, actor=w.build.finance_payer, voucher_number="PZ-CLOSE")


def _bid_submit(w, actor, role):
    from procurement.services.bids import bid_submit

    org = w.cast.social_orgs[w.build.spec.bidders[0]]
    return bid_submit(documents=bid_documents(w.build.tender), tender=w.build.tender,
                      actor=actor, organization=org, price=Decimal("190000"), proposal="服务方案")


def _bidder_org(w):
    return w.cast.social_orgs[w.build.spec.bidders[0]]


def _prepare_question(w):
    from procurement.services.clarifications import question_ask

    org = _bidder_org(w)
    w.extra["question"] = question_ask(tender=w.build.tender, actor=w.cast.one(Role.SOCIAL_ORG, org),
                                       organization=org, question="服务时间如何安排？")


def _prepare_challenge(w):
    from procurement.services.challenges import challenge_submit

    org = _bidder_org(w)
    w.extra["challenge"] = challenge_submit(
        tender=w.build.tender, actor=w.cast.one(Role.SOCIAL_ORG, org), organization=org,
        subject="document", grounds="评分标准指向特定供应商。")


def _prepare_flag(w):
    """A flag at the opening of the committee's tender (87号令 37), for the committee to decide."""
    from procurement.models import BidFlag

    flag = BidFlag.objects.create(tender=w.build.tender, kind=BidFlag.Kind.SAME_CONTACT,
                                  reason="联系电话相同", created_at=timezone.now())
    flag.bids.set(list(w.build.bids.values())[:2])
    w.extra["flag"] = flag


def _prepare_upheld_result_challenge(w):
    """A losing bidder's challenge to the result, upheld as affecting it (94号令 16)."""
    from procurement.services.challenges import challenge_answer, challenge_submit

    loser = next(k for k in w.build.spec.bidders if k != w.build.winner_key)
    org = w.cast.social_orgs[loser]
    challenge = challenge_submit(tender=w.build.tender, actor=w.cast.one(Role.SOCIAL_ORG, org),
                                 organization=org, subject="result", grounds="中标人资格不符。")
    # Whoever answers for the purchaser now (the delegate while the project is delegated).
    answerer = next(u for u in w.cast.by_role(Role.PURCHASER)
                    if u.has_perm("procurement.answer_challenge", challenge))
    w.extra["challenge"] = challenge_answer(challenge=challenge, actor=answerer,
                                            answer="质疑成立。", upheld=True,
                                            may_change_result=True)


def _service_record_add(w, actor, role):
    from delivery.services.records import service_record_add

    contract = w.build.contract
    return service_record_add(contract=contract, actor=actor,
                              deliverable=contract.project.deliverables.first(),
                              served_on=timezone.localdate(), site="社区活动中心",
                              participants=20, description="小组活动")


def _score_correct(w, actor, role):
    from evaluation.models import ScoreItem
    from evaluation.services.scoring import score_correct

    member = w.build.committee.members.order_by("pk").first()
    item = ScoreItem.objects.filter(sheet__member=member, criterion__kind="technical").order_by("pk")[0]
    return score_correct(item=item, actor=actor, new_score=item.score - 1, reason="arithmetic",
                         explanation="分值汇总有误")


def _prepare_tie(w):
    """Tie the two best bids of the evaluated tender (equal score and price, 87号令 57)."""
    from procurement.models import Bid

    best = list(Bid.objects.filter(tender=w.build.tender, rank__isnull=False).order_by("rank")[:2])
    Bid.objects.filter(pk__in=[b.pk for b in best]).update(rank=1)


def _score(w, actor, role):
    from evaluation.services.scoring import scores_submit

    member = w.build.committee.members.order_by("pk").first()
    return scores_submit(member=member, actor=actor, scores=_criteria_scores(w.build.tender))


def _round_opener(w):
    """Return a purchaser user who may open the round (the delegate once one is named)."""
    from accounts.models import User
    from core import authz
    from procurement.models import Tender

    tender = Tender.objects.select_related("project").get(pk=w.build.tender.pk)
    users = [User.objects.get(pk=u.pk) for u in w.cast.by_role(Role.PURCHASER)]
    return next(u for u in users if authz.decide(u, "procurement.open_finalquoteround", tender))


def _prepare_final_quote_round(w):
    from procurement.models import FinalQuoteRound
    from procurement.services.final_quotes import final_quote_round_open

    existing = FinalQuoteRound.objects.filter(tender=w.build.tender).first()
    if existing is not None:  # several scenarios of one stage share the world
        w.extra["round"] = existing
        return
    w.extra["round"] = final_quote_round_open(
        tender=w.build.tender, actor=_round_opener(w),
        deadline=timezone.now() + datetime.timedelta(days=1))


def _prepare_final_quote_round_past_deadline(w):
    from procurement.models import FinalQuoteRound

    _prepare_final_quote_round(w)
    # The round's deadline has passed (quotes missing): move its times back, not the clock.
    now = timezone.now()
    FinalQuoteRound.objects.filter(pk=w.extra["round"].pk).update(
        opened_at=now - datetime.timedelta(hours=10), deadline=now - datetime.timedelta(hours=5))
    w.extra["round"].refresh_from_db()


def _own_expert_profile(w):
    """The profile of the expert the row allows (a seat of the committee being tested)."""
    from accounts.models import ExpertProfile

    return ExpertProfile.objects.get(user=project_user(w, "expert"))


def _prepare_expert_period(w):
    from accounts.services.experts import expert_unavailability_add

    today = timezone.localdate()
    w.extra["period"] = expert_unavailability_add(
        profile=_own_expert_profile(w), actor=project_user(w, "expert"),
        starts_on=today + datetime.timedelta(days=60), ends_on=today + datetime.timedelta(days=62),
        reason="出差")


def _prepare_expert_conflict(w):
    from accounts.services.experts import expert_conflict_declare

    w.extra["declaration"] = expert_conflict_declare(
        profile=_own_expert_profile(w), actor=project_user(w, "expert"),
        organization=w.cast.evaluator, reason="曾在该机构兼职")


def _supplier_worker(w):
    """A social worker of the contract's supplier, not on its team yet (the demo names none)."""
    return w.cast.one(Role.SOCIAL_WORKER, w.build.contract.supplier).social_worker_profile


def _prepare_team_change(w):
    from procurement.models import ContractTeamChange
    from procurement.services.teams import team_change_request

    pending = ContractTeamChange.objects.filter(contract=w.build.contract,
                                                status=ContractTeamChange.Status.PENDING).first()
    if pending is not None:  # several scenarios of one stage share the world
        w.extra["team_change"] = pending
        return
    supplier = w.build.contract.supplier
    w.extra["team_change"] = team_change_request(
        contract=w.build.contract, actor=w.cast.one(Role.SOCIAL_ORG, supplier), action="add",
        worker=_supplier_worker(w), reason="新增持证社工")


SCENARIOS = {
    # 最后报价 (issue 7 item 10; 磋商办法21): the demo projects are 磋商.
    "final_quote_round_open": ("committee_formed", None, lambda w, a, r: _svc(
        "procurement.services.final_quotes", "final_quote_round_open")(
            tender=w.build.tender, actor=a, deadline=timezone.now() + datetime.timedelta(days=1))),
    "final_quote_submit": ("committee_formed", _prepare_final_quote_round, lambda w, a, r: _svc(
        "procurement.services.final_quotes", "final_quote_submit")(
            round=w.extra["round"], actor=a, organization=_bidder_org(w), price="150000.00")),
    "final_quote_round_close": ("committee_formed", _prepare_final_quote_round_past_deadline,
                                lambda w, a, r: _svc(
        "procurement.services.final_quotes", "final_quote_round_close")(
            round=w.extra["round"], actor=a)),
    # The expert's own declarations (issue 7 item 14; 条例39, 87号令 47-48): the expert alone.
    "expert_unavailability_add": ("committee_formed", None, lambda w, a, r: _svc(
        "accounts.services.experts", "expert_unavailability_add")(
            profile=_own_expert_profile(w), actor=a,
            starts_on=timezone.localdate() + datetime.timedelta(days=30),
            ends_on=timezone.localdate() + datetime.timedelta(days=31), reason="出国")),
    "expert_unavailability_remove": ("committee_formed", _prepare_expert_period, lambda w, a, r: _svc(
        "accounts.services.experts", "expert_unavailability_remove")(
            period=w.extra["period"], actor=a)),
    "expert_conflict_declare": ("committee_formed", None, lambda w, a, r: _svc(
        "accounts.services.experts", "expert_conflict_declare")(
            profile=_own_expert_profile(w), actor=a, organization=_bidder_org(w),
            reason="配偶在该机构任职")),
    "expert_conflict_withdraw": ("committee_formed", _prepare_expert_conflict, lambda w, a, r: _svc(
        "accounts.services.experts", "expert_conflict_withdraw")(
            declaration=w.extra["declaration"], actor=a)),
    # The contract's service team (issue 7 item 17): 乙方 asks, 甲方 decides.
    "team_change_request": ("in_delivery", None, lambda w, a, r: _svc(
        "procurement.services.teams", "team_change_request")(
            contract=w.build.contract, actor=a, action="add", worker=_supplier_worker(w),
            reason="新增持证社工")),
    "team_change_approve": ("in_delivery", _prepare_team_change, lambda w, a, r: _svc(
        "procurement.services.teams", "team_change_approve")(
            change=w.extra["team_change"], actor=a, note="同意")),
    "team_change_refuse": ("in_delivery", _prepare_team_change, lambda w, a, r: _svc(
        "procurement.services.teams", "team_change_refuse")(
            change=w.extra["team_change"], actor=a, note="证书等级不符合合同约定")),
    "need_submit": ("need_submitted", None, _need_submit),
    "need_support": ("need_submitted", None, lambda w, a, r: _svc(
        "procurement.services.needs", "need_support")(need=w.build.need, actor=a)),
    "need_accept": ("need_submitted", None, lambda w, a, r: _svc(
        "procurement.services.needs", "need_accept")(need=w.build.need, actor=a)),
    "need_merge": ("need_submitted", _prepare_second_need, lambda w, a, r: _svc(
        "procurement.services.needs", "need_merge")(need=w.build.need, into=w.extra["into"], actor=a)),
    "need_decline": ("need_submitted", None, lambda w, a, r: _svc(
        "procurement.services.needs", "need_decline")(need=w.build.need, actor=a, reason="重复")),
    "project_create": ("need_accepted", None, _project_create),
    "project_submit": ("project_draft", None, lambda w, a, r: _svc(
        "procurement.services.projects", "project_submit")(project=w.build.project, actor=a)),
    "project_revise": ("project_submitted", _prepare_returned, lambda w, a, r: _svc(
        "procurement.services.projects", "project_revise")(
            project=w.build.project, actor=a, objectives="补充活动安排后的项目目标")),
    "project_approve": ("project_submitted", None, lambda w, a, r: _svc(
        "procurement.services.projects", "project_approve")(project=w.build.project, actor=a)),
    "project_return": ("project_submitted", None, lambda w, a, r: _svc(
        "procurement.services.projects", "project_return")(project=w.build.project, actor=a,
                                                           reason="预算测算不清")),
    "budget_confirm": ("project_approved", None, lambda w, a, r: _svc(
        "finance.services.budget", "budget_confirm")(project=w.build.project, actor=a,
                                                     envelope=w.cast.envelopes["fiscal"])),
    "envelope_adjust": ("project_approved", None, lambda w, a, r: _svc(
        "finance.services.budget", "envelope_adjust")(envelope=w.cast.envelopes["fiscal"], actor=a,
                                                      amount="90000000.00", reason="预算调整")),
    "budget_reject": ("project_approved", None, lambda w, a, r: _svc(
        "finance.services.budget", "budget_reject")(project=w.build.project, actor=a,
                                                    reason="额度不足")),
    "tender_publish": ("budget_confirmed", None, lambda w, a, r: _svc(
        "procurement.services.tenders", "tender_publish")(
            project=w.build.project, actor=a, method="consultation",
            bid_deadline=timezone.now() + datetime.timedelta(days=15),
            price_weight=PRICE_WEIGHT, criteria=CRITERIA)),
    "tender_extend_deadline": ("bids_submitted", None, lambda w, a, r: _svc(
        "procurement.services.tenders", "tender_extend_deadline")(
            tender=w.build.tender, actor=a, reason="澄清",
            new_deadline=w.build.tender.bid_deadline + datetime.timedelta(days=3))),
    "tender_cancel": ("bids_submitted", None, lambda w, a, r: _svc(
        "procurement.services.tenders", "tender_cancel")(
            tender=w.build.tender, actor=a, reason="采购需求发生重大变化")),
    "question_ask": ("bids_submitted", None, lambda w, a, r: _svc(
        "procurement.services.clarifications", "question_ask")(
            tender=w.build.tender, actor=a, organization=_bidder_org(w), question="是否含周末服务？")),
    "question_answer": ("bids_submitted", _prepare_question, lambda w, a, r: _svc(
        "procurement.services.clarifications", "question_answer")(
            question=w.extra["question"], actor=a, answer="含周末服务。")),
    "challenge_submit": ("bids_submitted", None, lambda w, a, r: _svc(
        "procurement.services.challenges", "challenge_submit")(
            tender=w.build.tender, actor=a, organization=_bidder_org(w), subject="document",
            grounds="资格条件设置不合理。")),
    "challenge_assess": ("bids_submitted", _prepare_challenge, lambda w, a, r: _svc(
        "procurement.services.challenges", "challenge_assess")(
            challenge=w.extra["challenge"], actor=a, may_change_result=False)),
    "challenge_answer": ("bids_submitted", _prepare_challenge, lambda w, a, r: _svc(
        "procurement.services.challenges", "challenge_answer")(
            challenge=w.extra["challenge"], actor=a, answer="不成立。", upheld=False,
            may_change_result=False)),
    "challenge_withdraw": ("bids_submitted", _prepare_challenge, lambda w, a, r: _svc(
        "procurement.services.challenges", "challenge_withdraw")(
            challenge=w.extra["challenge"], actor=a)),
    "bid_submit": ("tender_published", None, _bid_submit),
    "bid_withdraw": ("bids_submitted", None, lambda w, a, r: _svc(
        "procurement.services.bids", "bid_withdraw")(
            bid=w.build.bids[w.build.spec.bidders[0]], actor=a)),
    "bids_open": ("bids_submitted", "after_deadline", lambda w, a, r: _svc(
        "procurement.services.bids", "bids_open")(tender=w.build.tender, actor=a)),
    "committee_form": ("bids_opened", None, lambda w, a, r: _svc(
        "evaluation.services.committees", "committee_form")(tender=w.build.tender, actor=a)),
    "scores_submit": ("committee_formed", None, _score),
    "score_correct": ("evaluated", None, _score_correct),
    "bid_flag_decide": ("committee_formed", _prepare_flag, lambda w, a, r: _svc(
        "procurement.services.collusion", "bid_flag_decide")(
            flag=w.extra["flag"], actor=a, decision="cleared", note="经核实不构成串通。")),
    "remedy_reevaluate": ("awarded", _prepare_upheld_result_challenge, lambda w, a, r: _svc(
        "procurement.services.remedies", "remedy_reevaluate")(
            challenge=w.extra["challenge"], actor=a, ground="arithmetic", reason="汇总错误")),
    "remedy_next_ranked": ("awarded", _prepare_upheld_result_challenge, lambda w, a, r: _svc(
        "procurement.services.remedies", "remedy_next_ranked")(
            challenge=w.extra["challenge"], actor=a, reason="中标人资格不符")),
    "remedy_retender": ("awarded", _prepare_upheld_result_challenge, lambda w, a, r: _svc(
        "procurement.services.remedies", "remedy_retender")(
            challenge=w.extra["challenge"], actor=a, reason="重新采购")),
    "service_record_confirm": ("in_delivery", None, lambda w, a, r: _svc(
        "delivery.services.records", "service_record_confirm")(record=w.build.records[0], actor=a)),
    "tie_draw": ("evaluated", _prepare_tie, lambda w, a, r: _svc(
        "evaluation.services.ties", "tie_draw")(tender=w.build.tender, actor=a, seed="matrix")),
    "award_confirm": ("evaluated", None, lambda w, a, r: _svc(
        "procurement.services.awards", "award_confirm")(tender=w.build.tender, actor=a)),
    "contract_sign": ("awarded", None, lambda w, a, r: _svc(
        "procurement.services.contracts", "contract_sign")(contract=w.build.contract, actor=a)),
    "service_record_add": ("in_delivery", None, _service_record_add),
    "milestone_submit": ("in_delivery", None, lambda w, a, r: _svc(
        "delivery.services.milestones", "milestone_submit")(
            contract=w.build.contract, actor=a, kind="mid_term", summary="中期")),
    "milestone_accept": ("mid_term_submitted", None, lambda w, a, r: _svc(
        "delivery.services.milestones", "milestone_accept")(
            report=w.build.reports["mid_term"], actor=a)),
    "milestone_return": ("mid_term_submitted", None, lambda w, a, r: _svc(
        "delivery.services.milestones", "milestone_return")(
            report=w.build.reports["mid_term"], actor=a, reason="补充台账")),
    "opinion_submit": ("mid_term_submitted", None, lambda w, a, r: _svc(
        "delivery.services.opinions", "opinion_submit")(
            report=w.build.reports["mid_term"], actor=a, score=80)),
    "party_score_submit": ("performance_review", None, lambda w, a, r: _svc(
        "evaluation.services.performance", "party_score_submit")(
            evaluation=w.build.evaluation, party=_party(r), actor=a,
            category_scores={"budget": 9, "output": 45, "effect": 27, "satisfaction": 9})),
    "satisfaction_submit": ("performance_review", None, lambda w, a, r: _svc(
        "evaluation.services.performance", "satisfaction_submit")(
            evaluation=w.build.evaluation, actor=a, score=90)),
    "tranche_approve": ("signed", None, lambda w, a, r: _svc(
        "finance.services.tranches", "tranche_approve")(
            tranche=w.build.contract.tranches.get(sequence=1), actor=a)),
    "tranche_pay": ("signed", _prepare_tranche_approved, lambda w, a, r: _svc(
        "finance.services.tranches", "tranche_pay")(
            tranche=w.build.contract.tranches.get(sequence=1), actor=a,
            voucher_number=f"PZ-{a.username}")),
    "project_close": ("settlement", _prepare_settled_tranches, lambda w, a, r: _svc(
        "procurement.services.projects", "project_close")(project=w.build.project, actor=a)),
}
# Rows only the system performs: checked by the services that trigger them (below).
SYSTEM_ONLY = {s for s, roles in MATRIX.items() if set(roles) == {"system"}}


def _svc(module, name):
    import importlib

    return getattr(importlib.import_module(module), name)


def test_every_row_has_a_scenario():
    assert set(SCENARIOS) | SYSTEM_ONLY == set(MATRIX)


def _allowed_actor(world: World, service: str, role: str):
    b = world.build
    if service == "need_support":
        # A resident of the need's community who has not supported it yet.
        supporters = set(b.need.supports.values_list("user_id", flat=True)) | {b.need.submitted_by_id}
        neighbours = [u for u in world.cast.by_role(Role.RESIDENT, b.need.community)
                      if u.pk not in supporters]
        return neighbours[0] if neighbours else user_with_role(Role.RESIDENT, b.need.community)
    if service == "opinion_submit":
        # A resident of the project's community who has not answered yet (the demo's residents
        # give their opinion on each report as it is submitted).
        report = b.reports["mid_term"]
        answered = set(report.opinions.values_list("resident_id", flat=True))
        community = b.project.community
        fresh = [u for u in world.cast.by_role(Role.RESIDENT, community) if u.pk not in answered]
        return fresh[0] if fresh else user_with_role(Role.RESIDENT, community)
    return project_user(world, role)


@pytest.mark.django_db
@pytest.mark.parametrize("service", sorted(SCENARIOS))
def test_permission_matrix_row(service):
    stage, prepare, call = SCENARIOS[service]
    allowed = MATRIX[service]
    human_allowed = [r for r in allowed if r != "system"]
    cast = cast_build()
    world = World(cast=cast, other=cast_build(district="datong"),
                  build=build_project_at_stage(stage, cast=cast, with_flows=False), extra={})
    travel = None
    if prepare == "after_deadline":
        travel = time_machine.travel(world.build.tender.bid_deadline + datetime.timedelta(minutes=5),
                                     tick=False)
        travel.start()
    elif prepare is not None:
        prepare(world)
    try:
        denied = [(role, project_user(world, role)) for role in ROLE_COLUMNS[:-2]
                  if role not in allowed]
        denied += [(f"{role} of another organization", other_org_user(world, role))
                   for role in human_allowed if ANY_ORGANIZATION not in allowed[role]]
        denied += [("admin", project_user(world, "admin")),
                   ("superuser", project_user(world, "superuser"))]
        if service == "contract_sign":
            loser = next(k for k in world.build.spec.bidders if k != world.build.winner_key)
            denied.append(("losing bidder", cast.one(Role.SOCIAL_ORG, cast.social_orgs[loser])))
        if service in ("scores_submit", "score_correct"):
            # Another seat of the same committee: not this sheet's expert, and not the chair.
            second = world.build.committee.members.order_by("pk")[1]
            assert not second.is_chair
            denied.append(("another seat's expert", second.expert))
        if service == "satisfaction_submit":
            denied.append(("resident of another community of the district", cast.users["jm_yang"]))
        if service == "need_support":
            community = world.build.need.community
            denied.append(("resident of another community of the district", next(
                u for u in cast.by_role(Role.RESIDENT) if cast.org_of(u.username) != community)))

        for label, user in denied:
            before = snapshot()
            with pytest.raises(PermissionDenied):
                call(world, user, label.split(" ")[0])
            assert snapshot() == before, f"{service} by {label} ({user.username}) changed state"

        for role in human_allowed:
            before = snapshot()
            call(world, _allowed_actor(world, service, role), role)
            after = snapshot()
            assert after["audit"] > before["audit"], f"{service} by {role} wrote no audit row"
            assert after != before
    finally:
        if travel is not None:
            travel.stop()


@pytest.mark.django_db
def test_system_rows_are_done_by_the_services_that_trigger_them():
    """The final acceptance opens the evaluation, the last score finalizes it, closing settles."""
    from core.models import AuditEntry
    from evaluation.models import PerformanceEvaluation

    assert SYSTEM_ONLY == {"performance_evaluation_open", "performance_evaluation_finalize",
                           "commitment_settle"}
    cast = cast_build()
    build = build_project_at_stage("closed", cast=cast, with_flows=False)
    evaluation = PerformanceEvaluation.objects.get(contract=build.contract)
    assert evaluation.status == PerformanceEvaluation.Status.FINALIZED
    opened = AuditEntry.objects.get(action="performance.open")
    finalized = AuditEntry.objects.get(action="performance.finalize")
    accepted = AuditEntry.objects.filter(action="milestone.accept").order_by("-pk").first()
    last_score = AuditEntry.objects.filter(action="performance.party_score").order_by("-pk").first()
    assert opened.pk == accepted.pk + 1  # in the same transaction as the final acceptance
    assert finalized.pk == last_score.pk + 1 and finalized.actor_id is None
    closed = AuditEntry.objects.get(action="project.close")
    settled = AuditEntry.objects.get(action="budget.settle")
    assert settled.pk == closed.pk + 1 and settled.actor_id == build.purchaser_staff.pk
