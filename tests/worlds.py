"""The one test world: a district's people built by the demo's own cast builder, and projects
walked to a named stage through the real services.

``world_build()`` calls ``demo.cast.cast_build`` with a spec of its own (usernames
``purchaser``, ``community``, ``finance``, ``resident``, ``supplier0``…, ``expert0``…), so the
test world and ``manage.py demo`` make people, organizations, roles, expert profiles and
envelopes through one function. The same roles in another district's organizations are
``world.outsiders`` (usernames ``other_<role>``), for the "right role, other organization"
denials. Every user's password is ``tests.factories.DEFAULT_PASSWORD``.

Stage builders call the services a user's click calls: ``project_draft`` → ``project_approved``
→ ``project_budget_confirmed`` → ``tender_published`` → ``bids_submitted`` → ``tender_opened``
→ ``tender_evaluated`` → ``contract_signed``. Page tests that need dozens of rows at a stage
use ``rows_at_stage`` instead: field-level rows from tests.factories, fast, not a history.
"""

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Division, Organization, User
from accounts.roles import Role
from core.models import AuditEntry
from demo.cast import Cast, DistrictSpec, Person, cast_build
from evaluation.services.committees import committee_form
from evaluation.services.scoring import scores_submit
from finance.models import BudgetEnvelope, PaymentTranche
from finance.services.budget import budget_confirm
from procurement.models import Bid, Contract, Need, ServiceProject, Tender
from procurement.services.awards import award_confirm
from procurement.services.bids import bid_submit, bids_open
from procurement.services.contracts import contract_sign
from procurement.services.projects import project_approve, project_create, project_submit
from procurement.services.tenders import tender_publish
from tests import factories
from tests.factories import DEFAULT_PASSWORD, SocialWorkerProfileFactory, huainan, user_with_role

TZ = ZoneInfo("Asia/Shanghai")
YEAR = 2026
BUDGET = Decimal("300000.00")
PRICES = (Decimal("290000.00"), Decimal("280000.00"), Decimal("270000.00"))

SUPPLIER_NAMES = ("淮南市阳光社会工作服务中心", "淮南市同心社工服务社", "田家庵区和美社区服务中心",
                  "淮南市春晖社会工作服务社", "田家庵区益邻居家养老服务中心")
# District of a world by suffix: the main world lives in 田家庵区, a second one ("乙") in 八公山区,
# outsiders in 谢家集区, so no two share a finance bureau's reach or an envelope.
DISTRICTS = {"": ("340403", "田家庵区"), "outsiders": ("340404", "谢家集区")}
SPARE_DISTRICTS = (("340405", "八公山区"), ("340406", "潘集区"), ("340421", "凤台县"),
                   ("340422", "寿县"))


# Sizes of the world each test package was written against (how many suppliers bid, how big
# the expert pool is, how much money the envelope holds).
PROCUREMENT_WORLD = {"suppliers": 4, "experts": 5, "envelope_amount": Decimal("10000000.00"),
                     "year": YEAR}
EVALUATION_WORLD = {"suppliers": 3, "experts": 7, "envelope_amount": Decimal("1000000.00"),
                    "year": YEAR}
WORKFLOW_WORLD = {"suppliers": 3, "experts": 6, "envelope_amount": Decimal("1000000.00"),
                  "year": YEAR}
# Page tests: a supplier and a rival, one expert and one social worker; this year's envelope.
PAGE_WORLD = {"suppliers": 2, "experts": 1, "social_workers": 1,
              "envelope_amount": Decimal("100000000")}


@dataclass
class World:
    """One district's organizations and users, each holding its role through the real services."""

    cast: Cast
    purchaser_org: Organization
    community_org: Organization
    finance_org: Organization
    suppliers: list  # social organizations
    purchaser: User
    community: User
    finance: User
    resident: User
    supplier_staff: list  # one social-org user per supplier, same order
    envelope: BudgetEnvelope
    experts: list = field(default_factory=list)
    social_worker: User | None = None  # of suppliers[0], with a profile
    outsiders: dict = field(default_factory=dict)  # role -> user of another district's org
    admin: User | None = None  # platform admin (operator), no superuser
    superuser: User | None = None
    cashier: User | None = None  # the second finance officer, who pays what ``finance`` approved

    def users(self) -> dict:
        """Return the users by the names the permission tests parametrize on."""
        return {
            "resident": self.resident, "community": self.community, "purchaser": self.purchaser,
            "finance": self.finance, "social_org": self.supplier_staff[0],
            "rival": self.supplier_staff[1] if len(self.supplier_staff) > 1 else None,
            "social_worker": self.social_worker,
            "expert": self.experts[0] if self.experts else None,
            "other_purchaser": self.outsiders["purchaser"],
            "other_community": self.outsiders["community"],
            "other_social_org": self.outsiders["social_org"],
            "other_resident": self.outsiders["resident"],
            "admin": self.admin, "superuser": self.superuser,
        }

    def everyone(self) -> dict:
        """Return every named user by username-like key (suppliers and experts numbered)."""
        people = {"purchaser": self.purchaser, "community": self.community,
                  "finance": self.finance, "resident": self.resident}
        people.update({f"supplier{i}": u for i, u in enumerate(self.supplier_staff)})
        people.update({f"expert{i}": u for i, u in enumerate(self.experts)})
        people.update({f"other_{k}": u for k, u in self.outsiders.items()})
        people.update({"admin": self.admin, "superuser": self.superuser})
        return people


def _district(suffix: str) -> Division:
    """Return the district a world of suffix lives in (loaded by migration; made if flushed)."""
    if suffix in DISTRICTS:
        code, name = DISTRICTS[suffix]
    else:
        DISTRICTS[suffix] = SPARE_DISTRICTS[len(DISTRICTS) - 2]
        code, name = DISTRICTS[suffix]
    district, _ = Division.objects.get_or_create(
        code=code, defaults={"name": name, "level": Division.Level.DISTRICT, "parent": huainan()})
    return district


def world_spec(*, suffix: str = "", suppliers: int = 4, experts: int = 5, social_workers: int = 0,
               envelope_amount: Decimal = Decimal("10000000.00")) -> DistrictSpec:
    """Return the cast spec of a world: one community, suppliers, experts, one fiscal envelope."""
    district = _district(suffix)
    street_code = f"{district.code}901"
    people = [
        Person(f"purchaser{suffix}", "王采购", Role.PURCHASER, "purchaser"),
        Person(f"community{suffix}", "孙社区", Role.COMMUNITY, "舜耕社区" + suffix),
        Person(f"finance{suffix}", "赵财政", Role.FINANCE, "finance"),
        # A second finance officer: the one who approves a tranche may not pay it (内部控制).
        Person(f"cashier{suffix}", "钱出纳", Role.FINANCE, "finance"),
        Person(f"resident{suffix}", "陈居民", Role.RESIDENT, "舜耕社区" + suffix),
        *(Person(f"supplier{i}{suffix}", f"社会组织{i}", Role.SOCIAL_ORG, f"s{i}")
          for i in range(suppliers)),
        *(Person(f"social_worker{i}{suffix}", f"社工{i}", Role.SOCIAL_WORKER, "s0")
          for i in range(social_workers)),
    ]
    return DistrictSpec(
        code=district.code,
        purchaser=f"{district.name}民政局{suffix}", finance=f"{district.name}财政局{suffix}",
        evaluator=None,
        streets=[(f"舜耕街道{suffix}", street_code,
                  [("舜耕社区" + suffix, f"{street_code}001", f"舜耕社区居委会{suffix}")])],
        social_orgs=[(f"s{i}", f"{SUPPLIER_NAMES[i]}{suffix}", f"世界法定代表人{i}{suffix}", "3A")
                     for i in range(suppliers)],
        people=people,
        experts=[(f"expert{i}{suffix}", f"专家{i}", "社会工作,社区服务", None) for i in range(experts)],
        envelopes=[("fiscal", "社区服务购买预算", envelope_amount)],
    )


OUTSIDERS = DistrictSpec(
    code="340404", purchaser="谢家集区民政局", finance="谢家集区财政局", evaluator=None,
    streets=[("谢家集街道", "340404901", [("谢家集社区", "340404901001", "谢家集社区居委会")])],
    social_orgs=[("other", "谢家集区启明社会工作服务中心", "曹宇", "3A")],
    people=[
        Person("other_purchaser", "邓采购", Role.PURCHASER, "purchaser"),
        Person("other_community", "曾社区", Role.COMMUNITY, "谢家集社区"),
        Person("other_finance", "彭财政", Role.FINANCE, "finance"),
        Person("other_resident", "蒋居民", Role.RESIDENT, "谢家集社区"),
        Person("other_social_org", "曹宇", Role.SOCIAL_ORG, "other"),
    ],
)


def world_build(*, suffix: str = "", suppliers: int = 4, experts: int = 5, social_workers: int = 0,
                envelope_amount: Decimal = Decimal("10000000.00"), year: int | None = None) -> World:
    """Create a world (and the outsiders, once) through demo.cast.cast_build and return it.

    A second world in the same test takes a suffix ("乙"): its own district, names and users.
    ``year`` is the envelope's fiscal year (default: this year).
    """
    spec = world_spec(suffix=suffix, suppliers=suppliers, experts=experts,
                      social_workers=social_workers, envelope_amount=envelope_amount)
    cast = cast_build(district=spec, password=DEFAULT_PASSWORD, year=year)
    _district("outsiders")
    others = cast_build(district=OUTSIDERS, password=DEFAULT_PASSWORD, year=year)
    users = cast.users
    world = World(
        cast=cast, purchaser_org=cast.purchaser, community_org=cast.community,
        finance_org=cast.finance, suppliers=list(cast.social_orgs.values()),
        purchaser=users[f"purchaser{suffix}"], community=users[f"community{suffix}"],
        finance=users[f"finance{suffix}"], resident=users[f"resident{suffix}"],
        cashier=users[f"cashier{suffix}"],
        supplier_staff=[users[f"supplier{i}{suffix}"] for i in range(suppliers)],
        envelope=cast.envelopes["fiscal"],
        experts=[users[f"expert{i}{suffix}"] for i in range(experts)],
        social_worker=users.get(f"social_worker0{suffix}"),
        outsiders={p.username.removeprefix("other_"): others.users[p.username]
                   for p in OUTSIDERS.people},
        admin=User.objects.get(username="operator"), superuser=cast.admin,
    )
    return world


def social_worker_add(world: World, supplier_index: int = 0, code: str = "W01") -> User:
    """Return a new social worker (role and profile) of a supplier."""
    organization = world.suppliers[supplier_index]
    user = user_with_role(Role.SOCIAL_WORKER, organization)
    SocialWorkerProfileFactory(user=user, organization=organization, code=code)
    return user


def supplier_staff_of(world: World, contract: Contract) -> User:
    """Return the staff user of the contract's supplier."""
    return world.supplier_staff[world.suppliers.index(contract.supplier)]


def audit_count(action: str | None = None) -> int:
    """Return how many audit rows there are (of action, when given)."""
    rows = AuditEntry.objects.all()
    return rows.filter(action=action).count() if action else rows.count()


# ---------------------------------------------------------------------------------------------
# A project walked through the services

CASE_WORK = {
    "deliverables": [
        {"activity_type": "case", "description": "个案服务", "quantity": 10, "unit": "个",
         "unit_price": Decimal("300.00"), "min_quality": "每个个案不少于6次跟进"},
    ],
    "indicators": [
        {"category": "output", "name": "个案服务数", "target": Decimal("10"), "unit": "个",
         "deliverable_index": 0},
    ],
}
CASE_AND_EVENTS = {
    "deliverables": [
        *CASE_WORK["deliverables"],
        {"activity_type": "small_event", "description": "社区小型活动", "quantity": 4,
         "unit": "场", "unit_price": Decimal("2000.00"), "min_quality": "每场不少于25人"},
    ],
    "indicators": [
        *CASE_WORK["indicators"],
        {"category": "output", "name": "社区活动场次", "target": Decimal("4"), "unit": "场",
         "deliverable_index": 1},
        {"category": "satisfaction", "name": "服务对象满意度", "target": Decimal("90"), "unit": "%"},
    ],
}


def project_draft(world: World, *, budget=BUDGET, duration_months=12, design=CASE_WORK,
                  **kw) -> ServiceProject:
    """Return a project the community designed (draft); keyword arguments go to project_create."""
    personnel = (budget * Decimal("0.70")).quantize(Decimal("0.01"))
    management = (budget * Decimal("0.10")).quantize(Decimal("0.01"))
    args = dict(
        actor=world.community, community=world.community_org, purchaser=world.purchaser_org,
        title="老年人关爱服务项目", category="elderly", objectives="提升社区老年人生活质量",
        target_groups="独居老人", fiscal_year=YEAR, funding_source="fiscal",
        duration_months=duration_months, **design,
        budget_lines=[
            {"category": "personnel", "amount": personnel},
            {"category": "management", "amount": management},
            {"category": "activities", "amount": budget - personnel - management},
        ],
    )
    args.update(kw)
    return project_create(**args)


def project_approved(world: World, **kw) -> ServiceProject:
    """Return a project submitted and approved, waiting for budget review."""
    project = project_draft(world, **kw)
    project_submit(project=project, actor=world.community)
    project_approve(project=project, actor=world.purchaser)
    project.refresh_from_db()
    return project


def project_budget_confirmed(world: World, **kw) -> ServiceProject:
    """Return a project whose budget finance committed on the world's envelope."""
    project = project_approved(world, **kw)
    budget_confirm(project=project, envelope=world.envelope, actor=world.finance)
    project.refresh_from_db()
    return project


def criteria(price_weight=Decimal("10")) -> list[dict]:
    """Return the scoring criteria of a tender: technical 50, commercial the rest, price.

    At price weight 0 (最低报价法, fixed-price projects) there is no price criterion.
    """
    price_weight = Decimal(price_weight)
    rows = [
        {"name": "服务方案", "kind": "technical", "max_score": Decimal("50")},
        {"name": "团队与经验", "kind": "commercial", "max_score": Decimal("50") - price_weight},
    ]
    if price_weight:
        rows.append({"name": "价格", "kind": "price", "max_score": price_weight})
    return rows


def tender_published(world: World, project=None, *, method="open", days=21,
                     price_weight=Decimal("10"), **kw) -> Tender:
    """Return a tender published on project (default: a new budget-confirmed one), due in days."""
    project = project or project_budget_confirmed(world)
    if method == "invited":  # 邀请招标 invites ≥ 3 (法34, 87号令14); 单一来源 names one (条例38)
        kw.setdefault("invited", world.suppliers)
    elif method == "single_source":
        kw.setdefault("invited", world.suppliers[:1])
    return tender_publish(project=project, actor=world.purchaser, method=method,
                          bid_deadline=timezone.now() + dt.timedelta(days=days),
                          price_weight=price_weight, criteria=criteria(price_weight), **kw)


_bid_file_numbers = itertools.count(1)


def bid_files(name="投标文件.pdf") -> list:
    """Return a fresh one-file upload list for a bid (a bid without any document is refused);
    each file's bytes differ, so that bids never share a file (a collusion signal)."""
    n = next(_bid_file_numbers)
    data = b"%PDF-1.4\n% bid " + str(n).encode() + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return [SimpleUploadedFile(name, data, content_type="application/pdf")]


def bid_documents(tender: Tender) -> list[tuple[str, object]]:
    """Return one (kind, upload) pair per document the tender requires."""
    return [(kind, bid_files(f"{kind}.pdf")[0]) for kind in tender.required_documents]


def bids_submitted(world: World, tender: Tender, prices=PRICES) -> list[Bid]:
    """Return one bid per price, by the world's suppliers in order, each with the documents the
    tender requires (or one file when it requires none)."""
    return [
        bid_submit(tender=tender, actor=world.supplier_staff[i], organization=world.suppliers[i],
                   price=price, proposal=f"服务方案{i}", documents=bid_documents(tender),
                   files=() if tender.required_documents else bid_files())
        for i, price in enumerate(prices)
    ]


def bids_opened_at_deadline(clock, tender: Tender, actor=None) -> Tender:
    """Move the test's frozen clock past the deadline and open the bids."""
    clock.move_to(tender.bid_deadline + dt.timedelta(minutes=1))
    return bids_open(tender=tender, actor=actor)


def tender_opened(world: World, *, prices=PRICES, method="open", price_weight=Decimal("10"),
                  project=None, **kw) -> Tender:
    """Return a tender whose bids (one per supplier, at prices) were submitted and opened.

    Further keyword arguments (tie_rule, eligibility) go to tender_publish.
    """
    project = project or project_budget_confirmed(world, design=CASE_AND_EVENTS)
    tender = tender_published(world, project, method=method, price_weight=price_weight, **kw)
    bids_submitted(world, tender, prices)
    with time_machine.travel(tender.bid_deadline + dt.timedelta(minutes=1)):
        bids_open(tender=tender, actor=None)
    tender.refresh_from_db()
    return tender


def equal_scores(tender: Tender, *, technical=Decimal("40"), commercial=Decimal("30")) -> dict:
    """Return a scores payload giving every qualified bid the same points per criterion kind."""
    points = {"technical": Decimal(technical), "commercial": Decimal(commercial)}
    return {bid.pk: {c.pk: points[c.kind] for c in tender.criteria.all() if c.kind != "price"}
            for bid in tender.bids.filter(status=Bid.Status.QUALIFIED)}


def tender_evaluated(world: World, *, tender: Tender | None = None, technical=Decimal("40"),
                     commercial=Decimal("30"), seed="builders") -> Tender:
    """Return a tender scored by its whole committee with equal scores (lowest price first)."""
    tender = tender or tender_opened(world)
    committee = committee_form(tender=tender, actor=world.purchaser, seed=seed)
    for member in committee.members.all():
        scores_submit(member=member, actor=member.expert,
                      scores=equal_scores(tender, technical=technical, commercial=commercial))
    tender.refresh_from_db()
    return tender


def contract_signed(world: World, *, tender: Tender | None = None, start=None) -> Contract:
    """Return a contract awarded and signed by both parties (first tranche due), project in delivery."""
    tender = tender_evaluated(world, tender=tender)
    award = award_confirm(tender=tender, actor=world.purchaser)
    contract = award.contract
    contract_sign(contract=contract, actor=world.purchaser)
    contract_sign(contract=contract, actor=supplier_staff_of(world, contract))
    if start is not None:
        Contract.objects.filter(pk=contract.pk).update(start_date=start,
                                                       end_date=start + dt.timedelta(days=364))
    contract.refresh_from_db()
    return contract


# ---------------------------------------------------------------------------------------------
# Many rows at a stage, fast (page tests and query-count pins)

ROW_STAGES = ("draft", "submitted", "budget_confirmed", "published", "opened", "awarded", "signed",
              "closed")
_row_numbers = itertools.count(1)


def rows_at_stage(world: World, n: int, stage: str = "closed", *,
                  social_worker: User | None = None) -> list[ServiceProject]:
    """Create n projects of the world resting at stage (one of ROW_STAGES), with related rows.

    Rows are written with tests.factories (consistent with every model constraint), not walked
    through the services: query-count pins need dozens of them in every state. The supplier
    (suppliers[0]) and the rival (suppliers[1]) have bid on every tender; suppliers[0] wins.
    """
    now = timezone.now()
    status = {
        "draft": ServiceProject.Status.DRAFT, "submitted": ServiceProject.Status.SUBMITTED,
        "budget_confirmed": ServiceProject.Status.BUDGET_CONFIRMED,
        "published": ServiceProject.Status.TENDERING, "opened": ServiceProject.Status.EVALUATING,
        "awarded": ServiceProject.Status.AWARDED, "signed": ServiceProject.Status.IN_DELIVERY,
        "closed": ServiceProject.Status.CLOSED,
    }[stage]
    level = ROW_STAGES.index(stage)
    supplier, rival = world.suppliers[0], world.suppliers[1]
    supplier_staff, rival_staff = world.supplier_staff[0], world.supplier_staff[1]
    social_worker = social_worker or world.social_worker
    projects = []
    for _ in range(n):
        i = next(_row_numbers)
        need = factories.NeedFactory(
            title=f"老年人助餐需求{i}", community=world.community_org, submitted_by=world.resident,
            status=Need.Status.ACCEPTED)
        factories.NeedSupportFactory(need=need, user=world.community)
        factories.NeedFactory(
            title=f"广场舞音响需求{i}", category="culture", target_group="居民",
            community=world.community_org, description="购买音响。", submitted_by=world.resident,
            declined=True, decided_at=now)
        project = factories.ServiceProjectFactory(
            code=f"XM{i:06d}", title=f"舜耕社区居家养老服务项目{i}", community=world.community_org,
            purchaser=world.purchaser_org, fiscal_year=world.envelope.fiscal_year, status=status,
            created_by=world.community)
        project.needs.add(need)
        deliverable = factories.DeliverableFactory(project=project, min_quality="")
        projects.append(project)
        if level < ROW_STAGES.index("budget_confirmed"):
            continue
        factories.BudgetCommitmentFactory(envelope=world.envelope, project=project,
                                          committed_by=world.finance, committed_at=now)
        if level < ROW_STAGES.index("published"):
            continue
        opened = level >= ROW_STAGES.index("opened")
        deadline = now - dt.timedelta(days=1) if opened else now + dt.timedelta(days=20)
        tender = factories.TenderFactory(
            project=project, code=f"CG{i:06d}", bid_deadline=deadline,
            published_by=world.purchaser)
        factories.TenderCriterionFactory(tender=tender, price=True)
        factories.TenderCriterionFactory(tender=tender)
        bid = factories.BidFactory(tender=tender, organization=supplier, price=Decimal("95000.00"),
                                   proposal="方案甲", submitted_by=supplier_staff)
        factories.BidFactory(tender=tender, organization=rival, price=Decimal("98000.00"),
                             proposal="方案乙", submitted_by=rival_staff)
        if not opened:
            continue
        tender.status = Tender.Status.OPENED
        tender.opened_at = deadline
        tender.save(update_fields=["status", "opened_at"])
        committee = factories.EvaluationCommitteeFactory(tender=tender, formed_by=world.purchaser,
                                                         draw_seed="x")
        factories.CommitteeMemberFactory(committee=committee, expert=world.experts[0], chair=True)
        if level < ROW_STAGES.index("awarded"):
            continue
        tender.status = Tender.Status.AWARDED
        tender.save(update_fields=["status"])
        award = factories.AwardFactory(tender=tender, bid=bid, confirmed_by=world.purchaser)
        signed = level >= ROW_STAGES.index("signed")
        contract = factories.ContractFactory(
            award=award, code=f"HT{i:06d}", supplier=supplier,
            **({"signed": True, "purchaser_signed_by": world.purchaser,
                "supplier_signed_by": supplier_staff} if signed else {}))
        closed = level >= ROW_STAGES.index("closed")
        for sequence, (condition, percent) in enumerate(
            [("on_signing", 30), ("mid_term", 40), ("final", 30)], start=1
        ):
            tranche = factories.PaymentTrancheFactory(
                contract=contract, sequence=sequence, condition=condition, percent=Decimal(percent),
                status=PaymentTranche.Status.PAID if closed else PaymentTranche.Status.PENDING)
            if closed:
                factories.PaymentFactory(tranche=tranche, voucher_number=f"PZ{i}-{sequence}",
                                         paid_by=world.finance, paid_at=now)
        if closed:
            factories.MilestoneReportFactory(
                contract=contract, final=True, summary="终期报告", accepted=True,
                submitted_by=supplier_staff, decided_by=world.purchaser)
            factories.ServiceRecordFactory(
                contract=contract, deliverable=deliverable, code=f"CASE-{contract.code}-{i}",
                site="舜耕", participants=1, description="入户探访", social_worker=social_worker)
            factories.PerformanceEvaluationFactory(contract=contract, finalized=True)
    return projects

