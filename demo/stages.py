"""Walk one project from a resident's need to any stage of the chain through the real services.

``build_project_at_stage(stage, cast=..., start=...)`` walks one new project from a resident's
need to ``stage`` (one of ``STAGES``) and returns a ``ProjectBuild`` with every object it made.
Each step calls the service the page calls, then completes the matching viewflow task as the
task page does, so a built project carries the audit rows, notifications and inbox tasks a real
one would.

Past deadlines need past clocks: the builder runs each step under ``time_machine`` at the
step's day (``Clock``), starting ``start`` (aware datetime); callers pick ``start`` so that the
last step lands before the real now, or a test freezes time itself.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import time_machine
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import Organization, User
from accounts.roles import Role
from delivery.services.milestones import milestone_accept, milestone_submit
from delivery.services.opinions import opinion_submit
from delivery.services.records import service_record_add, service_record_confirm
from demo.cast import Cast, envelope_for_year
from demo.projects import (
    BID_DOCUMENTS,
    CRITERIA,
    PARTY_SCORES,
    PRICE_WEIGHT,
    PROJECTS,
    ProjectSpec,
    bid_documents,
    project_rows,
)
from evaluation.services.committees import committee_form
from evaluation.services.performance import party_score_submit, satisfaction_submit
from evaluation.services.scoring import scores_submit
from evaluation.services.ties import tender_ties, tie_draw
from finance.services.budget import budget_confirm
from finance.services.tranches import tranche_approve, tranche_pay
from procurement.models import Tender
from procurement.services.awards import award_confirm
from procurement.services.bids import bid_submit, bids_open
from procurement.services.contracts import contract_sign
from procurement.services.needs import need_accept, need_submit, need_support
from procurement.services.projects import (
    project_approve,
    project_close,
    project_create,
    project_submit,
)
from procurement.services.tenders import tender_publish
from workflows.flows import NeedFlow, ServiceProjectFlow
from workflows.receivers import advance_on_tender_opened
from workflows.services import need_flow_start, project_flow_start


def aware(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime.datetime:
    """Return an aware datetime in the platform's time zone."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=timezone.get_current_timezone())


# ---------------------------------------------------------------------------------------------
# Projects at every stage

# Stages in chain order; a project built "at" a stage has done every step up to and including it.
STAGES = [
    "need_submitted",      # a resident's need waits for the community's triage
    "need_accepted",       # accepted, not yet designed into a project
    "project_draft",       # designed, not submitted
    "project_submitted",   # waits for the purchaser's approval
    "project_approved",    # waits for the finance bureau's budget review
    "budget_confirmed",    # waits for the purchaser to publish the tender
    "tender_published",    # tender open for bids, no bid yet
    "bids_submitted",      # sealed bids in, deadline still ahead
    "bids_opened",         # deadline passed and bids opened, committee to be drawn
    "committee_formed",    # experts scoring
    "evaluated",           # ranking done, the purchaser confirms the award
    "awarded",             # contract drafted, both parties to sign
    "signed",              # contract signed, first tranche due at finance
    "in_delivery",         # first tranche paid, social workers recording services
    "mid_term_submitted",  # mid-term report waits for acceptance
    "mid_term_accepted",   # mid-term tranche due at finance
    "final_submitted",     # mid-term tranche paid, final report waits for acceptance
    "performance_review",  # performance evaluation open, no party has scored
    "settlement",          # every party scored, grade set, final tranche due
    "closed",              # final tranche paid, project closed
]

# Day (from the need's submission) and hour of each step; the stage's last step decides how far
# back a build at that stage must start so that it ends before now.
TIMELINE = {
    "need_submit": (0, 9), "need_support": (0, 11), "need_accept": (0, 15),
    "project_create": (1, 10), "project_submit": (1, 11), "project_approve": (2, 10),
    "budget_confirm": (3, 10), "tender_publish": (4, 10), "bid_submit": (6, 10),
    "bids_open": (25, 10), "committee_form": (25, 11), "scores_submit": (25, 14),
    "award_confirm": (26, 10), "contract_sign": (31, 10), "tranche_1": (32, 10),
    "records_1": (34, 10), "mid_term_submit": (62, 10), "mid_term_accept": (64, 10),
    "tranche_2": (65, 10), "records_2": (72, 10), "final_submit": (92, 10),
    "final_accept": (94, 10), "party_scores": (95, 10), "tranche_3": (97, 10),
    "project_close": (99, 10),
}
BID_DEADLINE_DAYS = 21  # ≥ 20 days for 公开招标 (法35), ≥ 10 for 竞争性磋商 (磋商办法第10条)
STAGE_LAST_STEP = {
    "need_submitted": "need_support", "need_accepted": "need_accept",
    "project_draft": "project_create", "project_submitted": "project_submit",
    "project_approved": "project_approve", "budget_confirmed": "budget_confirm",
    "tender_published": "tender_publish", "bids_submitted": "bid_submit",
    "bids_opened": "bids_open", "committee_formed": "committee_form",
    "evaluated": "scores_submit", "awarded": "award_confirm", "signed": "contract_sign",
    "in_delivery": "records_1", "mid_term_submitted": "mid_term_submit",
    "mid_term_accepted": "mid_term_accept", "final_submitted": "final_submit",
    "performance_review": "final_accept", "settlement": "party_scores",
    "closed": "project_close",
}



@dataclass
class ProjectBuild:
    """Every object a build made, and who did what."""

    spec: ProjectSpec
    stage: str
    start: datetime.datetime
    community_staff: User
    resident: User
    purchaser_staff: User
    finance_staff: User
    # 不相容岗位相互分离: the second finance officer pays what finance_staff approved.
    finance_payer: User | None = None
    need: object = None
    project: object = None
    commitment: object = None
    tender: object = None
    bids: dict = field(default_factory=dict)  # social-org key -> Bid
    committee: object = None
    award: object = None
    contract: object = None
    winner_key: str = ""
    records: list = field(default_factory=list)
    reports: dict = field(default_factory=dict)  # kind -> MilestoneReport
    evaluation: object = None
    with_flows: bool = True

    @property
    def winner(self) -> Organization | None:
        return self.contract.supplier if self.contract is not None else None


class Clock:
    """Freeze time at a build's steps with time_machine (days counted from start)."""

    def __init__(self, start: datetime.datetime):
        self.start = timezone.localtime(start)
        self._traveller = None
        self._coordinates = None

    def __enter__(self):
        self._traveller = time_machine.travel(self.start, tick=False)
        self._coordinates = self._traveller.start()
        return self

    def __exit__(self, *exc):
        self._traveller.stop()

    def moment(self, step: str, *, minutes: int = 0) -> datetime.datetime:
        """Return the aware moment of a timeline step (plus minutes)."""
        day, hour = TIMELINE[step]
        base = (self.start + datetime.timedelta(days=day)).replace(
            hour=hour, minute=0, second=0, microsecond=0)
        return base + datetime.timedelta(minutes=minutes)

    def at(self, step: str, *, minutes: int = 0) -> datetime.datetime:
        """Move the frozen clock to a timeline step and return that moment."""
        moment = self.moment(step, minutes=minutes)
        self._coordinates.move_to(moment)
        return moment


def stage_start(stage: str, *, now: datetime.datetime | None = None) -> datetime.datetime:
    """Return the start (day 0, midnight) so that a build at stage ends the day before now."""
    now = timezone.localtime(now or timezone.now())
    day, _hour = TIMELINE[STAGE_LAST_STEP[stage]]
    start = now - datetime.timedelta(days=day + 1)
    return start.replace(hour=0, minute=0, second=0, microsecond=0)


def _reached(stage: str, target: str) -> bool:
    """Return whether a build at stage goes at least as far as target."""
    return STAGES.index(stage) >= STAGES.index(target)


def build_project_at_stage(stage: str, *, cast: Cast, spec: ProjectSpec | None = None,
                           start: datetime.datetime | None = None,
                           with_flows: bool = True) -> ProjectBuild:
    """Walk one new project from a resident's need to stage through the real services.

    With with_flows (default) the need's and the project's viewflow processes are started and
    each human task is completed by the user who did its service, so the open tasks of the
    stage sit in the right inboxes.
    """
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; one of {STAGES}")
    spec = spec or PROJECTS[0]
    start = start or stage_start(stage)
    community = cast.communities[spec.community]
    build = ProjectBuild(
        spec=spec, stage=stage, start=start,
        community_staff=cast.one(Role.COMMUNITY, community),
        resident=cast.one(Role.RESIDENT, community),
        purchaser_staff=cast.one(Role.PURCHASER), finance_staff=cast.one(Role.FINANCE),
        finance_payer=cast.by_role(Role.FINANCE)[1],
        with_flows=with_flows,
    )
    with Clock(start) as clock:
        for step in _STEPS:
            if not step(build, cast, clock):
                break
    return build


def _step_need(build, cast, clock) -> bool:
    spec = build.spec
    community = cast.communities[spec.community]
    clock.at("need_submit")
    build.need = need_submit(
        actor=build.resident, community=community, title=spec.need_title,
        category=spec.category, target_group=spec.target_group,
        description=spec.need_description,
    )
    _flow_start(build, "need")
    clock.at("need_support")
    # Neighbours support it: residents of the same community (docs/roles.md need_support).
    for supporter in cast.by_role(Role.RESIDENT, community)[:3]:
        if supporter != build.resident:
            need_support(need=build.need, actor=supporter)
    if build.stage == "need_submitted":
        return False
    clock.at("need_accept")
    build.need = need_accept(need=build.need, actor=build.community_staff,
                             reason="需求真实、覆盖面广，纳入本年度服务项目设计。")
    _flow(build, "triage", build.community_staff)
    return _reached(build.stage, "project_draft")


def _step_project(build, cast, clock) -> bool:
    spec = build.spec
    clock.at("project_create")
    year = timezone.localdate().year
    envelope_for_year(cast, year=year, source=spec.funding_source)
    partners = [cast.social_orgs[key] for key in spec.design_partners]
    build.project = project_create(
        actor=build.community_staff, community=cast.communities[spec.community],
        purchaser=cast.purchaser, title=spec.title, category=spec.category,
        objectives=spec.objectives, target_groups=spec.target_group, fiscal_year=year,
        funding_source=spec.funding_source, duration_months=spec.duration_months,
        needs=[build.need], design_partners=partners, **project_rows(spec),
    )
    if build.stage == "project_draft":
        return False
    clock.at("project_submit")
    project_submit(project=build.project, actor=build.community_staff)
    _flow_start(build, "project")
    return _reached(build.stage, "project_approved")


def _step_approval(build, cast, clock) -> bool:
    clock.at("project_approve")
    project_approve(project=build.project, actor=build.purchaser_staff,
                    comment="项目回应居民需求，同意立项。")
    _flow(build, "approve", build.purchaser_staff)
    if build.stage == "project_approved":
        return False
    clock.at("budget_confirm")
    envelope = envelope_for_year(cast, year=build.project.fiscal_year,
                                 source=build.spec.funding_source)
    build.commitment = budget_confirm(project=build.project, envelope=envelope,
                                      actor=build.finance_staff, comment="预算额度充足，同意。")
    _flow(build, "budget_review", build.finance_staff)
    return _reached(build.stage, "tender_published")


def _step_tender(build, cast, clock) -> bool:
    published = clock.at("tender_publish")
    build.tender = tender_publish(
        project=build.project, actor=build.purchaser_staff, method=build.spec.method,
        bid_deadline=published + datetime.timedelta(days=BID_DEADLINE_DAYS),
        price_weight=PRICE_WEIGHT, criteria=CRITERIA, required_documents=BID_DOCUMENTS,
        eligibility="依法登记的社会组织；上年度年检合格；具有3名以上持证社工。",
        tie_rule=Tender.TieRule.DRAW if build.spec.tie else Tender.TieRule.TECHNICAL,
    )
    _flow(build, "publish", build.purchaser_staff)
    if build.stage == "tender_published":
        return False
    budget = build.project.budget_amount
    for index, key in enumerate(build.spec.bidders):
        clock.at("bid_submit", minutes=30 * index)
        organization = cast.social_orgs[key]
        # The intended winner offers the lowest price and the strongest proposal.
        step = _tie_index(build, index)
        price = (budget * PRICE_SHARES[step]).quantize(Decimal("1"))
        build.bids[key] = bid_submit(
            tender=build.tender, actor=cast.one(Role.SOCIAL_ORG, organization),
            organization=organization, price=price,
            documents=bid_documents(organization),
            proposal=f"{organization.name}服务方案：组建{4 - index}名持证社工团队，"
                     f"按月开展个案、小组和社区活动，季度督导评估。",
        )
    return _reached(build.stage, "bids_opened")


def _step_evaluation(build, cast, clock) -> bool:
    clock.at("bids_open")
    build.tender = bids_open(tender=build.tender, actor=None)
    _flow_opened(build)
    if build.stage == "bids_opened":
        return False
    clock.at("committee_form")
    build.committee = committee_form(tender=build.tender, actor=build.purchaser_staff,
                                     size=build.spec.committee_size,
                                     seed=f"demo-{build.project.code}")
    _flow(build, "form_committee", build.purchaser_staff)
    if build.stage == "committee_formed":
        return False
    criteria = [c for c in build.tender.criteria.all() if c.kind != "price"]
    for seat, member in enumerate(build.committee.members.order_by("pk")):
        clock.at("scores_submit", minutes=20 * seat)
        scores = {}
        for index, key in enumerate(build.spec.bidders):
            bid = build.bids[key]
            # Winner ≈ 92 % of each criterion, the others a little lower; experts differ by seat.
            share = (Decimal("0.92") - Decimal("0.07") * _tie_index(build, index)
                     - Decimal("0.01") * seat)
            scores[bid.pk] = {c.pk: (c.max_score * share).quantize(Decimal("0.5")) for c in criteria}
        scores_submit(member=member, actor=member.expert, scores=scores)
        _flow(build, "score", member.expert, member_id=member.pk)
    return _reached(build.stage, "awarded")


DEMO_TIE_SEED = "定标会-3"
# Each bidder's price as a share of the budget, by its place in the ladder. Not in equal steps or
# ratios: three prices in a regular pattern are a collusion signal at opening (87号令 37), which
# only demo/integrity.py's tender is meant to raise.
PRICE_SHARES = (Decimal("0.94"), Decimal("0.962"), Decimal("0.975"), Decimal("0.99"))


def _tie_index(build, index: int) -> int:
    """Return the bidder's place in the price and score ladder (the first two share it on a tie)."""
    return max(index - 1, 0) if build.spec.tie else index


def _step_award(build, cast, clock) -> bool:
    clock.at("award_confirm")
    if tender_ties(build.tender).get(1):
        # 87号令 57: equal score and price, the tie rule says 随机抽签 — drawn on the record. A fixed
        # seed, chosen so that the draw picks the spec's first bidder (the demo's intended winner).
        tie_draw(tender=build.tender, actor=build.purchaser_staff, seed=DEMO_TIE_SEED)
    build.award = award_confirm(tender=build.tender, actor=build.purchaser_staff,
                                reason="依评标委员会推荐的排名第一的候选人确定中标人。")
    _flow(build, "award", build.purchaser_staff)
    build.contract = build.award.contract
    build.winner_key = next(k for k, bid in build.bids.items() if bid.pk == build.award.bid_id)
    if build.stage == "awarded":
        return False
    clock.at("contract_sign")
    contract_sign(contract=build.contract, actor=build.purchaser_staff)
    _flow(build, "sign_purchaser", build.purchaser_staff)
    clock.at("contract_sign", minutes=240)
    supplier_staff = cast.one(Role.SOCIAL_ORG, build.contract.supplier)
    contract_sign(contract=build.contract, actor=supplier_staff)
    _flow(build, "sign_supplier", supplier_staff)
    build.contract.refresh_from_db()
    return _reached(build.stage, "in_delivery")


PAY_NODES = {1: "pay_first", 2: "pay_second", 3: "pay_final"}


def _pay(build, clock, step: str, sequence: int) -> None:
    tranche = build.contract.tranches.get(sequence=sequence)
    clock.at(step)
    tranche_approve(tranche=tranche, actor=build.finance_staff)
    clock.at(step, minutes=24 * 60)
    tranche_pay(tranche=tranche, actor=build.finance_payer,
                voucher_number=f"{build.contract.code}-{sequence}")
    _flow(build, PAY_NODES[sequence], build.finance_payer)


def _records(build, cast, clock, step: str, count: int) -> None:
    workers = cast.by_role(Role.SOCIAL_WORKER, build.contract.supplier)
    deliverables = list(build.project.deliverables.order_by("pk"))
    for index in range(count):
        moment = clock.at(step, minutes=index * 7 * 24 * 60 + 8 * 60)  # weekly, at 18:00
        deliverable = deliverables[index % len(deliverables)]
        participants = {"large_event": 230, "small_event": 32, "case": 1, "group": 10}
        build.records.append(service_record_add(
            contract=build.contract, actor=workers[index % len(workers)],
            deliverable=deliverable, served_on=timezone.localdate(moment),
            site=build.contract.project.community.name.replace("居民委员会", "活动中心"),
            participants=participants.get(deliverable.activity_type, 10),
            description=f"{deliverable.description}：{build.spec.target_group}服务第{index + 1}次。",
        ))


def _opinions(build, cast, report) -> None:
    residents = cast.by_role(Role.RESIDENT, build.contract.project.community)
    for index, resident in enumerate(residents):
        opinion_submit(report=report, actor=resident, score=(100, 80, 80, 60)[index % 4],
                       comment="社工每周上门，老人很信任。" if index == 0 else "")


def _step_delivery(build, cast, clock) -> bool:
    _pay(build, clock, "tranche_1", 1)
    _records(build, cast, clock, "records_1", 4)
    if build.stage == "in_delivery":
        return False
    clock.at("mid_term_submit")
    supplier_staff = cast.one(Role.SOCIAL_ORG, build.contract.supplier)
    build.reports["mid_term"] = milestone_submit(
        contract=build.contract, actor=supplier_staff, kind="mid_term",
        summary="已完成个案建档、2场小型活动和1个小组，服务对象反馈良好。")
    _flow(build, "report_mid", supplier_staff)
    # The community checks most of the first records; residents give their opinion before the
    # purchaser accepts (条例45), which the acceptance page shows.
    for record in build.records[:3]:
        service_record_confirm(record=record, actor=build.community_staff)
    _opinions(build, cast, build.reports["mid_term"])
    if build.stage == "mid_term_submitted":
        return False
    clock.at("mid_term_accept")
    milestone_accept(report=build.reports["mid_term"], actor=build.purchaser_staff,
                     comment="中期目标基本达成，同意验收。")
    _flow(build, "accept_mid", build.purchaser_staff)
    if build.stage == "mid_term_accepted":
        return False
    _pay(build, clock, "tranche_2", 2)
    _records(build, cast, clock, "records_2", 3)
    clock.at("final_submit")
    build.reports["final"] = milestone_submit(
        contract=build.contract, actor=supplier_staff, kind="final",
        summary="服务产出全部完成，附服务台账和服务对象满意度调查。")
    _flow(build, "report_final", supplier_staff)
    _opinions(build, cast, build.reports["final"])
    if build.stage == "final_submitted":
        return False
    clock.at("final_accept")
    milestone_accept(report=build.reports["final"], actor=build.purchaser_staff,
                     comment="履约验收合格。")
    _flow(build, "accept_final", build.purchaser_staff)
    build.evaluation = build.contract.performance_evaluation
    return _reached(build.stage, "settlement")


def _step_performance(build, cast, clock) -> bool:
    evaluation = build.evaluation
    community = build.contract.project.community
    clock.at("party_scores")
    for minutes, resident in enumerate(cast.by_role(Role.RESIDENT, community)):
        satisfaction_submit(evaluation=evaluation, actor=resident, score=92 - 3 * minutes,
                            comment="社工很耐心，希望项目继续做下去。")
    actors = {
        "purchaser": build.purchaser_staff,
        "community": build.community_staff,
        "self": cast.one(Role.SOCIAL_ORG, build.contract.supplier),
        "third_party": evaluation.third_party_expert,
    }
    for minutes, (party, actor) in enumerate(actors.items()):
        clock.at("party_scores", minutes=30 * (minutes + 1))
        party_score_submit(evaluation=evaluation, party=party, actor=actor,
                           category_scores={k: Decimal(v) for k, v in PARTY_SCORES[party].items()},
                           comment="按指标体系评价。")
        _flow(build, f"evaluate_{party}", actor)
    evaluation.refresh_from_db()
    return _reached(build.stage, "closed")


def _step_close(build, cast, clock) -> bool:
    _pay(build, clock, "tranche_3", 3)
    clock.at("project_close")
    project_close(project=build.project, actor=build.purchaser_staff)
    _flow(build, "close", build.purchaser_staff)
    return False


# ---------------------------------------------------------------------------------------------
# Workflow tasks: the builder calls the services itself, then completes the matching viewflow
# task exactly as the task page does (workflows.views.tasks.TaskView.post), so every stage leaves
# the same inbox a real walk through the pages would.


def _flow_start(build, kind: str) -> None:
    if not build.with_flows:
        return
    if kind == "need":
        need_flow_start(need=build.need)
    else:
        project_flow_start(project=build.project)


def flow_task_complete(*, node_name: str, user, need=None, project=None, data=None) -> bool:
    """Complete the open task of node_name for need's or project's flow as user, after its service.

    ``data`` narrows the task by ``task.data`` items (one scoring task per committee seat).
    Return whether a task was completed.
    """
    if need is not None:
        flow_class, lookup = NeedFlow, {"process__needprocess__need": need}
    else:
        flow_class, lookup = ServiceProjectFlow, {"process__serviceprojectprocess__project": project}
    node = getattr(flow_class, node_name)
    tasks = Task.objects.filter(flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED],
                                **lookup).order_by("pk")
    task = next((t for t in tasks
                 if all((t.data or {}).get(k) == v for k, v in (data or {}).items())), None)
    if task is None:
        return False
    with transaction.atomic(), flow_class.lock(task.process_id):
        task.refresh_from_db()
        activation = task.flow_task.activation_class(task)
        if task.owner_id is None:
            activation.assign(user)
        activation.start(None)
        activation.execute()
    return True


def _flow(build, node_name: str, user, **data) -> None:
    if not build.with_flows:
        return
    if node_name == "triage":
        done = flow_task_complete(node_name=node_name, user=user, need=build.need, data=data)
    else:
        done = flow_task_complete(node_name=node_name, user=user, project=build.project, data=data)
    if not done:
        raise LookupError(f"no open workflow task {node_name!r} for {build.project or build.need}")


def _flow_opened(build) -> None:
    if not build.with_flows:
        return
    # bids_open advances the flow on commit; inside a test's transaction that never comes, so
    # advance here too (the receiver is idempotent).
    advance_on_tender_opened(tender=build.tender)


_STEPS = [_step_need, _step_project, _step_approval, _step_tender, _step_evaluation,
          _step_award, _step_delivery, _step_performance, _step_close]

