"""Build the 淮南 demo: organizations, people, budget envelopes and projects at every stage.

Everything is built through the real services of docs/services.md (the same ones the pages
call), so a demo project carries the audit rows, notifications and workflow tasks a real one
would. The functions are shared by ``manage.py demo`` and the chain tests:

- ``cast_build(district=...)`` creates (or finds) the organizations and users of one district;
- ``build_project_at_stage(stage, cast=..., start=...)`` walks one new project from a
  resident's need to ``stage`` (one of ``STAGES``) and returns a ``ProjectBuild`` with every
  object it made.

Past deadlines need past clocks: the builder runs each step under ``time_machine`` at the
step's day (``Clock``), starting ``start`` (aware datetime); callers pick ``start`` so that the
last step lands before the real now, or a test freezes time itself.
"""

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import (
    Division,
    ExpertProfile,
    ExpertRecusal,
    Organization,
    SocialWorkerProfile,
    User,
)
from accounts.roles import Role
from accounts.validators import CREDIT_CODE_CHARSET, credit_code_check_char

DEMO_PASSWORD = "demo2026!"  # noqa: S105 - published demo password, printed by `manage.py demo`

# ---------------------------------------------------------------------------------------------
# Who is who


@dataclass(frozen=True)
class Person:
    username: str
    real_name: str
    role: str
    org: str | None  # key into the district's organizations, None for experts/admins
    mobile: str = ""


@dataclass(frozen=True)
class DistrictSpec:
    """The organizations and people of one district's demo (names are unique per district)."""

    code: str
    purchaser: str
    finance: str
    evaluator: str | None
    # (street name, street code, [(community division name, code, organization name)])
    streets: list
    social_orgs: list  # [(key, name, legal representative, rating)]
    people: list  # [Person]
    experts: list = field(default_factory=list)  # [(username, name, specialties, employer key)]
    recusals: list = field(default_factory=list)  # [(expert username, social org key, reason)]
    envelopes: list = field(default_factory=list)  # [(funding source, name suffix, amount)]


TIANJIAAN = DistrictSpec(
    code="340403",
    purchaser="田家庵区民政局",
    finance="田家庵区财政局",
    evaluator="淮南市众信社会服务评估中心",
    streets=[
        ("国庆街道", "340403002", [("龙泉社区", "340403002003", "龙泉社区居民委员会")]),
        ("洞山街道", "340403005", [("淮滨社区", "340403005002", "淮滨社区居民委员会")]),
        ("朝阳街道", "340403004", [("学院社区", "340403004006", "学院社区居民委员会")]),
    ],
    social_orgs=[
        ("yangguang", "淮南市田家庵区阳光社会工作服务中心", "郑晓燕", "4A"),
        ("hemei", "田家庵区和美社区服务中心", "冯磊", "3A"),
        ("chunhui", "淮南市春晖社会工作服务社", "何静", "3A"),
        ("yilin", "田家庵区益邻居家养老服务中心", "许刚", ""),
    ],
    people=[
        Person("mz_wang", "王建国", Role.PURCHASER, "purchaser", "13905540101"),
        Person("mz_li", "李敏", Role.PURCHASER, "purchaser", "13905540102"),
        Person("cz_zhao", "赵丽", Role.FINANCE, "finance", "13905540201"),
        Person("sq_longquan", "孙红梅", Role.COMMUNITY, "龙泉社区", "13905540301"),
        Person("sq_huaibin", "周志强", Role.COMMUNITY, "淮滨社区", "13905540302"),
        Person("sq_xueyuan", "吴静", Role.COMMUNITY, "学院社区", "13905540303"),
        Person("jm_chen", "陈秀英", Role.RESIDENT, "龙泉社区", "13905540401"),
        Person("jm_liu", "刘德明", Role.RESIDENT, "龙泉社区", "13905540402"),
        Person("jm_yang", "杨桂兰", Role.RESIDENT, "淮滨社区", "13905540403"),
        Person("jm_huang", "黄志华", Role.RESIDENT, "学院社区", "13905540404"),
        Person("org_yangguang", "郑晓燕", Role.SOCIAL_ORG, "yangguang", "13905540501"),
        Person("org_hemei", "冯磊", Role.SOCIAL_ORG, "hemei", "13905540502"),
        Person("org_chunhui", "何静", Role.SOCIAL_ORG, "chunhui", "13905540503"),
        Person("org_yilin", "许刚", Role.SOCIAL_ORG, "yilin", "13905540504"),
        Person("sg_lin", "林小雨", Role.SOCIAL_WORKER, "yangguang", "13905540601"),
        Person("sg_gao", "高志远", Role.SOCIAL_WORKER, "yangguang", "13905540602"),
        Person("sg_ma", "马丽", Role.SOCIAL_WORKER, "hemei", "13905540603"),
        Person("sg_luo", "罗婷", Role.SOCIAL_WORKER, "chunhui", "13905540604"),
        Person("sg_xu", "徐文", Role.SOCIAL_WORKER, "yilin", "13905540605"),
    ],
    experts=[
        ("zj_qian", "钱立群", "社会工作,社区治理", "evaluator"),
        ("zj_sun", "孙雅琴", "养老服务,社会工作", None),
        ("zj_zhou", "周文博", "财务管理,政府采购", "evaluator"),
        ("zj_wu", "吴海燕", "儿童青少年服务,心理健康", None),
        ("zj_zheng", "郑国华", "社会组织管理,绩效评估", None),
    ],
    recusals=[("zj_zheng", "yangguang", "近三年曾在该机构担任理事")],
    envelopes=[
        ("fiscal", "财政预算·社区服务购买资金", Decimal("3000000.00")),
        ("lottery", "福彩公益金·社区服务项目资金", Decimal("1000000.00")),
    ],
)

# A second, smaller district: the "same role, another organization" of the permission tests.
DATONG = DistrictSpec(
    code="340402",
    purchaser="大通区民政局",
    finance="大通区财政局",
    evaluator=None,
    streets=[("大通街道", "340402001", [("大通街道新华社区", "340402001002", "新华社区居民委员会")])],
    social_orgs=[("datong_org", "淮南市大通区启航社会工作服务中心", "曹宇", "3A")],
    people=[
        Person("dt_mz", "邓志刚", Role.PURCHASER, "purchaser"),
        Person("dt_cz", "彭丽娟", Role.FINANCE, "finance"),
        Person("dt_sq", "曾红", Role.COMMUNITY, "大通街道新华社区"),
        Person("dt_jm", "蒋大伟", Role.RESIDENT, "大通街道新华社区"),
        Person("dt_org", "曹宇", Role.SOCIAL_ORG, "datong_org"),
        Person("dt_sg", "谢琳", Role.SOCIAL_WORKER, "datong_org"),
    ],
    envelopes=[("fiscal", "财政预算·社区服务购买资金", Decimal("2000000.00"))],
)

DISTRICTS = {"tianjiaan": TIANJIAAN, "datong": DATONG}

ADMINS = [
    # (username, real name, superuser?)
    ("admin", "系统超级管理员", True),
    ("operator", "平台运维管理员", False),
]


def credit_code_for(name: str, *, category: str = "52", area: str = "340403") -> str:
    """Return a valid, deterministic 统一社会信用代码 derived from an organization name."""
    number = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    body = []
    for _ in range(9):
        number, digit = divmod(number, len(CREDIT_CODE_CHARSET))
        body.append(CREDIT_CODE_CHARSET[digit])
    first17 = f"{category}{area}{''.join(body)}"
    return first17 + credit_code_check_char(first17)


@dataclass
class Cast:
    """The organizations and users of one district's demo."""

    district: Division
    purchaser: Organization
    finance: Organization
    evaluator: Organization | None
    communities: dict  # community division name -> Organization
    social_orgs: dict  # key -> Organization
    users: dict  # username -> User
    people: dict  # username -> Person (role and organization key)
    envelopes: dict  # funding source -> BudgetEnvelope
    admin: User

    def by_role(self, role: str, org: Organization | None = None) -> list[User]:
        """Return this cast's users holding role (in org, when given), in definition order."""
        return [
            self.users[p.username]
            for p in self.people.values()
            if p.role == role and (org is None or self.org_of(p.username) == org)
        ]

    def org_of(self, username: str) -> Organization | None:
        """Return the organization a cast user acts for."""
        key = self.people[username].org
        if key is None:
            return None
        if key == "purchaser":
            return self.purchaser
        if key == "finance":
            return self.finance
        if key == "evaluator":
            return self.evaluator
        return self.communities.get(key) or self.social_orgs[key]

    @property
    def community(self) -> Organization:
        return next(iter(self.communities.values()))

    def one(self, role: str, org: Organization | None = None) -> User:
        """Return the first cast user holding role (in org, when given)."""
        users = self.by_role(role, org)
        if not users:
            raise LookupError(f"no {role} in {org}")
        return users[0]


_password_hashes: dict[str, str] = {}


def _hashed(password: str) -> str:
    # One PBKDF2 run per process: every demo user shares the published demo password.
    if password not in _password_hashes:
        _password_hashes[password] = make_password(password)
    return _password_hashes[password]


def _user(username: str, real_name: str, *, password: str, mobile: str = "", **extra) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, real_name=real_name, mobile=mobile,
                    email=f"{username}@demo.sanshe.local", **extra)
        user.password = _hashed(password)
        user.save()
    return user


def admins_build(*, password: str = DEMO_PASSWORD) -> User:
    """Create the platform superuser and operator (admin role) if missing; return the superuser."""
    from accounts.services.memberships import membership_grant

    superuser = None
    for username, real_name, is_superuser in ADMINS:
        user = _user(username, real_name, password=password, is_staff=True,
                     is_superuser=is_superuser)
        if is_superuser:
            superuser = user
        else:
            membership_grant(user=user, organization=None, role=Role.ADMIN, actor=None)
    return superuser


def _division(name: str, code: str, level: str, parent: Division) -> Division:
    division = Division.objects.filter(code=code).first()
    if division is None:
        division = Division(name=name, code=code, level=level, parent=parent)
        division.full_clean()
        division.save()
    return division


def _organization(*, name: str, kind: str, division: Division, actor: User, category: str,
                  **extra) -> Organization:
    from accounts.services.organizations import organization_save

    organization = Organization.objects.filter(name=name).first()
    if organization is None:
        organization = Organization(
            name=name, kind=kind, division=division,
            credit_code=credit_code_for(name, category=category, area=division.code[:6]),
            **extra,
        )
        organization_save(organization=organization, actor=actor)
    return organization


@transaction.atomic
def cast_build(*, district: str = "tianjiaan", password: str = DEMO_PASSWORD) -> Cast:
    """Create (or find) the divisions, organizations, users and envelopes of a district's demo."""
    from accounts.services.memberships import membership_grant
    from finance.models import BudgetEnvelope
    spec = DISTRICTS[district]
    admin = admins_build(password=password)
    district_division = Division.objects.get(code=spec.code)
    purchaser = _organization(
        name=spec.purchaser, kind=Organization.Kind.PURCHASER, division=district_division,
        actor=admin, category="11", legal_representative="局长", contact_person="办公室",
        contact_phone="0554-6600000",
    )
    finance = _organization(
        name=spec.finance, kind=Organization.Kind.FINANCE, division=district_division,
        actor=admin, category="11", contact_person="社会保障股", contact_phone="0554-6600001",
    )
    evaluator = None
    if spec.evaluator:
        evaluator = _organization(
            name=spec.evaluator, kind=Organization.Kind.EVALUATOR, division=district_division,
            actor=admin, category="52", legal_representative="钱立群", rating="4A",
        )
    communities = {}
    for street_name, street_code, community_list in spec.streets:
        street = _division(street_name, street_code, Division.Level.STREET, district_division)
        for division_name, code, org_name in community_list:
            community_division = _division(division_name, code, Division.Level.COMMUNITY, street)
            communities[division_name] = _organization(
                name=org_name, kind=Organization.Kind.COMMUNITY, division=community_division,
                actor=admin, category="Y1", contact_person="社区办公室",
            )
    social_orgs = {}
    for key, name, legal_rep, rating in spec.social_orgs:
        social_orgs[key] = _organization(
            name=name, kind=Organization.Kind.SOCIAL_ORG, division=district_division,
            actor=admin, category="52", legal_representative=legal_rep, contact_person=legal_rep,
            contact_phone="0554-6700000", rating=rating,
        )
    cast = Cast(
        district=district_division, purchaser=purchaser, finance=finance, evaluator=evaluator,
        communities=communities, social_orgs=social_orgs, users={}, people={}, envelopes={},
        admin=admin,
    )
    for person in spec.people:
        user = _user(person.username, person.real_name, password=password, mobile=person.mobile)
        cast.users[person.username] = user
        cast.people[person.username] = person
        organization = cast.org_of(person.username)
        membership_grant(user=user, organization=organization, role=person.role, actor=admin)
        if person.role == Role.SOCIAL_WORKER and not hasattr(user, "social_worker_profile"):
            team = [p for p in spec.people if p.role == Role.SOCIAL_WORKER and p.org == person.org]
            number = team.index(person) + 1
            SocialWorkerProfile.objects.create(
                user=user, organization=organization,
                qualification=SocialWorkerProfile.Qualification.INTERMEDIATE,
                certificate_number=f"AH{spec.code}{person.username.upper()}",
                code=f"W{number:02d}",
            )
    for username, real_name, specialties, employer_key in spec.experts:
        user = _user(username, real_name, password=password)
        employer = evaluator if employer_key == "evaluator" else None
        cast.users[username] = user
        cast.people[username] = Person(username, real_name, Role.EXPERT,
                                       "evaluator" if employer else None)
        membership_grant(user=user, organization=employer, role=Role.EXPERT, actor=admin)
        ExpertProfile.objects.get_or_create(
            user=user, defaults={"specialties": specialties, "employer": employer}
        )
    for username, org_key, reason in spec.recusals:
        unit = social_orgs[org_key]
        ExpertRecusal.objects.get_or_create(
            expert=cast.users[username].expert_profile, credit_code=unit.credit_code,
            defaults={"unit_name": unit.name, "reason": reason},
        )
    year = timezone.localdate().year
    for source, suffix, amount in spec.envelopes:
        envelope, _ = BudgetEnvelope.objects.get_or_create(
            fiscal_year=year, funding_source=source, division=district_division,
            defaults={
                "finance_bureau": finance, "amount": amount,
                "name": f"{year}年{district_division.name}{suffix}",
            },
        )
        cast.envelopes[source] = envelope
    return cast


def envelope_for_year(cast: Cast, *, year: int, source: str = "fiscal"):
    """Return the cast's envelope of a fiscal year and funding source, creating it if missing."""
    from finance.models import BudgetEnvelope

    current = cast.envelopes.get(source)
    envelope, _ = BudgetEnvelope.objects.get_or_create(
        fiscal_year=year, funding_source=source, division=cast.district,
        defaults={
            "finance_bureau": cast.finance,
            "amount": current.amount if current else Decimal("2000000.00"),
            "name": f"{year}年{cast.district.name}社区服务购买资金",
        },
    )
    return envelope


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
    "bids_open": (18, 10), "committee_form": (18, 11), "scores_submit": (18, 14),
    "award_confirm": (19, 10), "contract_sign": (24, 10), "tranche_1": (25, 10),
    "records_1": (27, 10), "mid_term_submit": (55, 10), "mid_term_accept": (57, 10),
    "tranche_2": (58, 10), "records_2": (65, 10), "final_submit": (85, 10),
    "final_accept": (87, 10), "party_scores": (88, 10), "tranche_3": (90, 10),
    "project_close": (92, 10),
}
BID_DEADLINE_DAYS = 14  # 竞争性磋商: ≥ 10 calendar days from publication (磋商办法第10条)
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


@dataclass(frozen=True)
class ProjectSpec:
    """What one demo project is about and who takes part in it."""

    title: str
    need_title: str
    need_description: str
    category: str
    target_group: str
    objectives: str
    community: str  # community division name in the cast
    bidders: tuple  # social-org keys, the first one wins
    funding_source: str = "fiscal"
    budget: Decimal = Decimal("200000.00")
    duration_months: int = 3
    design_partners: tuple = ()
    committee_size: int | None = None  # None: the legal minimum for the method


PROJECTS = [
    ProjectSpec(
        title="龙泉社区“银龄乐享”居家养老服务项目",
        need_title="社区独居老人缺少日常照料和陪伴",
        need_description="龙泉社区60岁以上独居老人约120人，子女多在外地，希望有人定期上门探访、"
                         "陪同就医，并组织老年人文体活动。",
        category="elderly", target_group="60岁以上独居、空巢老人",
        objectives="为独居、空巢老人提供探访关怀、个案服务和社区文体活动，提升老人生活质量和社会参与。",
        community="龙泉社区", bidders=("yangguang", "hemei", "chunhui"),
    ),
    ProjectSpec(
        title="淮滨社区“七彩童年”困境儿童关爱项目",
        need_title="双职工家庭孩子放学后无人看护",
        need_description="淮滨社区双职工和困境家庭较多，孩子放学后无人辅导作业、缺少安全的活动场所。",
        category="children", target_group="6—14岁困境儿童和留守儿童",
        objectives="开展课后托管、成长小组和亲子活动，为困境儿童提供个案关爱。",
        community="淮滨社区", bidders=("hemei", "chunhui", "yilin"),
        funding_source="lottery", budget=Decimal("160000.00"),
    ),
    ProjectSpec(
        title="学院社区“邻里守望”社区治理项目",
        need_title="小区邻里关系淡漠，楼道公共事务无人管",
        need_description="学院社区老旧小区多，楼道堆物、停车纠纷频发，居民希望建立楼栋自治和志愿服务队伍。",
        category="governance", target_group="老旧小区居民、楼栋长和志愿者",
        objectives="培育楼栋自治组织和志愿服务队，开展议事协商和邻里互助活动。",
        community="学院社区", bidders=("chunhui", "yangguang", "yilin"),
    ),
    ProjectSpec(
        title="龙泉社区残疾人康复与就业支持项目",
        need_title="残疾人康复训练和就业信息缺乏",
        need_description="社区持证残疾人约80人，康复训练要到市里，就业信息获取困难。",
        category="disability", target_group="持证残疾人及其家庭",
        objectives="提供社区康复指导、就业能力小组和家庭支持个案服务。",
        community="龙泉社区", bidders=("yilin", "yangguang", "hemei"),
        budget=Decimal("180000.00"),
    ),
    ProjectSpec(
        title="学院社区“心灵驿站”心理健康服务项目",
        need_title="青少年和老年人心理疏导需求增多",
        need_description="学院社区居民希望有专业社工提供心理健康讲座、情绪疏导和危机干预转介。",
        category="health", target_group="青少年、老年人及其家庭",
        objectives="开展心理健康宣传、情绪支持小组和个案辅导，建立社区心理服务站。",
        community="学院社区", bidders=("yangguang", "yilin", "hemei"),
    ),
    ProjectSpec(
        title="淮滨社区“文化惠民”邻里节项目",
        need_title="社区缺少适合全年龄段的文化活动",
        need_description="淮滨社区新建小区入住率提高，居民希望举办邻里节、书画、广场舞等文化活动。",
        category="culture", target_group="社区全体居民",
        objectives="举办邻里文化节和常态化文体活动，培育社区文体骨干队伍。",
        community="淮滨社区", bidders=("hemei", "chunhui", "yangguang"),
        budget=Decimal("150000.00"),
    ),
    ProjectSpec(
        title="学院社区“阳光少年”青少年成长支持项目",
        need_title="青少年课余缺少成长辅导",
        need_description="学院社区青少年课余时间多沉迷手机，家长希望有成长辅导和兴趣小组。",
        category="children", target_group="10—16岁青少年",
        objectives="开展成长小组、生涯探索和亲子沟通活动，提升青少年自我管理能力。",
        community="学院社区", bidders=("hemei", "yilin", "chunhui"), committee_size=5,
    ),
    ProjectSpec(
        title="龙泉社区志愿服务队伍培育项目",
        need_title="社区志愿者队伍不稳定、缺少培训",
        need_description="龙泉社区登记志愿者约300人，但常态参与者少，希望开展培训和激励。",
        category="governance", target_group="社区志愿者和居民骨干",
        objectives="建立志愿者培训、积分激励和服务对接机制，培育3支常态化志愿服务队。",
        community="龙泉社区", bidders=("yangguang", "hemei", "chunhui"),
    ),
    ProjectSpec(
        title="淮滨社区困难家庭帮扶项目",
        need_title="低保和困难家庭需要综合帮扶",
        need_description="淮滨社区低保、低边家庭约60户，除物质救助外还需要就业、教育和心理支持。",
        category="hardship", target_group="低保、低边及临时困难家庭",
        objectives="为困难家庭建立档案，提供资源链接、个案管理和能力提升服务。",
        community="淮滨社区", bidders=("chunhui", "yilin", "hemei"),
    ),
    ProjectSpec(
        title="学院社区慢病老人健康管理项目",
        need_title="高血压糖尿病老人缺少健康管理",
        need_description="学院社区慢病老人较多，希望有健康讲座、定期监测和用药提醒服务。",
        category="health", target_group="患慢性病的老年人",
        objectives="联合社区卫生服务站开展健康监测、健康教育和互助小组。",
        community="学院社区", bidders=("yilin", "hemei", "chunhui"),
    ),
    ProjectSpec(
        title="龙泉社区“书香龙泉”全民阅读项目",
        need_title="社区图书室利用率低",
        need_description="龙泉社区图书室藏书老旧、开放时间短，居民希望开展读书会和亲子阅读。",
        category="culture", target_group="社区儿童、家长和老年读者",
        objectives="盘活社区图书室，开展亲子阅读、读书会和志愿讲读。",
        community="龙泉社区", bidders=("hemei", "chunhui", "yilin"),
        budget=Decimal("120000.00"),
    ),
    ProjectSpec(
        title="淮滨社区高龄老人助餐服务项目",
        need_title="高龄老人做饭难、吃饭难",
        need_description="淮滨社区80岁以上老人约90人，多数行动不便，希望社区提供助餐、送餐和营养指导。",
        category="elderly", target_group="80岁以上高龄、失能老人",
        objectives="依托社区食堂开展助餐送餐、营养讲座和探访关怀，保障高龄老人吃饭问题。",
        community="淮滨社区", bidders=("chunhui", "yilin", "yangguang"),
        budget=Decimal("150000.00"),
    ),
]

# The demo: which project rests at which stage (and so whose inbox holds its next step).
DEMO_PLAN = [
    ("closed", 0),              # walked through the whole chain to its final payment
    ("performance_review", 2),  # four parties to score, residents to answer the survey
    ("mid_term_submitted", 1),  # mid-term report waits for the purchaser
    ("in_delivery", 4),         # social workers recording services, mid-term report due
    ("in_delivery", 3),         # (another supplier's team)
    ("in_delivery", 11),        # (a third supplier's team: every social worker has a ledger)
    ("awarded", 5),             # both parties to sign
    ("committee_formed", 6),    # experts scoring (all five: no recusal applies)
    ("bids_submitted", 7),      # sealed bids, deadline ahead
    ("budget_confirmed", 8),    # purchaser to publish the tender
    ("project_approved", 9),    # finance to review the budget
    ("project_submitted", 10),  # purchaser to approve
]
# Needs waiting for triage in every community (who submits them, community, title, text …).
DEMO_NEEDS = [
    ("jm_yang", "淮滨社区", "小区加装电梯后老人出行仍有困难",
     "希望社区组织志愿者为高龄老人提供陪同出行和代办服务。", "elderly", "高龄老人"),
    ("jm_liu", "龙泉社区", "社区缺少四点半课堂", "孩子放学后无人看管，希望开设四点半课堂。",
     "children", "小学生"),
    ("jm_huang", "学院社区", "希望开展防诈骗宣传", "近期老人接到诈骗电话较多，希望社区多宣传防范知识。",
     "governance", "老年居民"),
    # So that every resident has a neighbour's need to support: one more in 龙泉, and one in
    # 淮滨 recorded by community staff from a residents' meeting (淮滨 has a single demo resident).
    ("jm_chen", "龙泉社区", "小区路灯损坏夜间出行不便", "希望社区协调修复路灯并组织志愿者夜间巡查。",
     "governance", "社区居民"),
    ("sq_huaibin", "淮滨社区", "居民希望开设老年智能手机课堂",
     "居民议事会上多位老人提出不会用手机挂号、缴费，希望社区开设培训课堂。", "elderly", "老年居民"),
]


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
        import time_machine

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


def project_rows(spec: ProjectSpec) -> dict:
    """Return deliverables, indicators and budget lines for a project of spec's budget."""
    budget = spec.budget
    activities = (budget * Decimal("0.12")).quantize(Decimal("1"))
    supervision = (budget * Decimal("0.05")).quantize(Decimal("1"))
    management = (budget * Decimal("0.10")).quantize(Decimal("1"))
    tax = (budget * Decimal("0.03")).quantize(Decimal("1"))
    personnel = budget - activities - supervision - management - tax
    return {
        "deliverables": [
            {"activity_type": "large_event", "description": "大型社区主题活动", "quantity": 2,
             "unit": "场", "unit_price": Decimal("4000.00"), "min_quality": "每场不少于200人"},
            {"activity_type": "small_event", "description": "小型社区活动", "quantity": 6,
             "unit": "场", "unit_price": Decimal("2000.00"), "min_quality": "每场不少于25人"},
            {"activity_type": "case", "description": "个案服务", "quantity": 20, "unit": "个",
             "unit_price": Decimal("300.00"), "min_quality": "每个个案不少于6次跟进"},
            {"activity_type": "group", "description": "小组工作", "quantity": 4, "unit": "个",
             "unit_price": Decimal("1000.00"), "min_quality": "每个小组不少于6节"},
        ],
        "indicators": [
            {"category": "output", "name": "大型社区活动场次", "target": Decimal("2"), "unit": "场",
             "deliverable_index": 0},
            {"category": "output", "name": "小型社区活动场次", "target": Decimal("6"), "unit": "场",
             "deliverable_index": 1},
            {"category": "output", "name": "个案服务数", "target": Decimal("20"), "unit": "个",
             "deliverable_index": 2},
            {"category": "effect", "name": "服务对象问题改善率", "target": Decimal("80"), "unit": "%"},
            {"category": "satisfaction", "name": "服务对象满意度", "target": Decimal("90"),
             "unit": "%"},
            {"category": "budget", "name": "预算执行率", "target": Decimal("95"), "unit": "%"},
        ],
        "budget_lines": [
            {"category": "personnel", "amount": personnel, "note": "专职社工薪酬及社保"},
            {"category": "supervision", "amount": supervision, "note": "专业督导与培训"},
            {"category": "activities", "amount": activities, "note": "活动物料、场地"},
            {"category": "management", "amount": management, "note": "项目管理与宣传"},
            {"category": "tax", "amount": tax, "note": "税费"},
        ],
    }


CRITERIA = [
    {"name": "服务方案", "kind": "technical", "max_score": Decimal("40"),
     "description": "需求分析、服务目标、服务计划的针对性和可行性"},
    {"name": "团队与资质", "kind": "technical", "max_score": Decimal("20"),
     "description": "持证社工人数、督导配备、同类项目经验"},
    {"name": "项目管理与保障", "kind": "commercial", "max_score": Decimal("20"),
     "description": "管理制度、风险预案、财务管理"},
    {"name": "价格", "kind": "price", "max_score": Decimal("20"),
     "description": "低价优先法：评标基准价÷投标报价×20"},
]
PRICE_WEIGHT = Decimal("20")

# Party scores by indicator category (budget ≤ 10, output ≤ 50, effect ≤ 30, satisfaction ≤ 10).
PARTY_SCORES = {
    "purchaser": {"budget": "9", "output": "46", "effect": "27", "satisfaction": "9"},
    "community": {"budget": "9", "output": "47", "effect": "28", "satisfaction": "9"},
    "self": {"budget": "10", "output": "48", "effect": "28", "satisfaction": "9"},
    "third_party": {"budget": "9", "output": "45", "effect": "26", "satisfaction": "9"},
}


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
        with_flows=with_flows,
    )
    with Clock(start) as clock:
        for step in _STEPS:
            if not step(build, cast, clock):
                break
    return build


def _step_need(build, cast, clock) -> bool:
    from procurement.services.needs import need_accept, need_submit, need_support

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
    for supporter in cast.by_role(Role.RESIDENT)[:3]:
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
    from procurement.services.projects import project_create, project_submit

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
    from finance.services.budget import budget_confirm
    from procurement.services.projects import project_approve

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
    from procurement.models import Tender
    from procurement.services.bids import bid_submit
    from procurement.services.tenders import tender_publish

    published = clock.at("tender_publish")
    build.tender = tender_publish(
        project=build.project, actor=build.purchaser_staff, method=Tender.Method.CONSULTATION,
        bid_deadline=published + datetime.timedelta(days=BID_DEADLINE_DAYS),
        price_weight=PRICE_WEIGHT, criteria=CRITERIA,
        eligibility="依法登记的社会组织；上年度年检合格；具有3名以上持证社工。",
    )
    _flow(build, "publish", build.purchaser_staff)
    if build.stage == "tender_published":
        return False
    budget = build.project.budget_amount
    for index, key in enumerate(build.spec.bidders):
        clock.at("bid_submit", minutes=30 * index)
        organization = cast.social_orgs[key]
        # The intended winner offers the lowest price and the strongest proposal.
        price = (budget * (Decimal("0.94") + Decimal("0.02") * index)).quantize(Decimal("1"))
        build.bids[key] = bid_submit(
            tender=build.tender, actor=cast.one(Role.SOCIAL_ORG, organization),
            organization=organization, price=price,
            proposal=f"{organization.name}服务方案：组建{4 - index}名持证社工团队，"
                     f"按月开展个案、小组和社区活动，季度督导评估。",
        )
    return _reached(build.stage, "bids_opened")


def _step_evaluation(build, cast, clock) -> bool:
    from evaluation.services.committees import committee_form
    from evaluation.services.scoring import scores_submit
    from procurement.services.bids import bids_open

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
            share = Decimal("0.92") - Decimal("0.07") * index - Decimal("0.01") * seat
            scores[bid.pk] = {c.pk: (c.max_score * share).quantize(Decimal("0.5")) for c in criteria}
        scores_submit(member=member, actor=member.expert, scores=scores)
        _flow(build, "score", member.expert, member_id=member.pk)
    return _reached(build.stage, "awarded")


def _step_award(build, cast, clock) -> bool:
    from procurement.services.awards import award_confirm
    from procurement.services.contracts import contract_sign

    clock.at("award_confirm")
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
    from finance.services.tranches import tranche_approve, tranche_pay

    tranche = build.contract.tranches.get(sequence=sequence)
    clock.at(step)
    tranche_approve(tranche=tranche, actor=build.finance_staff)
    clock.at(step, minutes=24 * 60)
    tranche_pay(tranche=tranche, actor=build.finance_staff,
                voucher_number=f"{build.contract.code}-{sequence}")
    _flow(build, PAY_NODES[sequence], build.finance_staff)


def _records(build, cast, clock, step: str, count: int) -> None:
    from delivery.services.records import service_record_add

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


def _step_delivery(build, cast, clock) -> bool:
    from delivery.services.milestones import milestone_accept, milestone_submit

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
    if build.stage == "final_submitted":
        return False
    clock.at("final_accept")
    milestone_accept(report=build.reports["final"], actor=build.purchaser_staff,
                     comment="履约验收合格。")
    _flow(build, "accept_final", build.purchaser_staff)
    build.evaluation = build.contract.performance_evaluation
    return _reached(build.stage, "settlement")


def _step_performance(build, cast, clock) -> bool:
    from evaluation.services.performance import party_score_submit, satisfaction_submit

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
    from procurement.services.projects import project_close

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
    from workflows.services import need_flow_start, project_flow_start

    if kind == "need":
        need_flow_start(need=build.need)
    else:
        project_flow_start(project=build.project)


def flow_task_complete(*, node_name: str, user, need=None, project=None, data=None) -> bool:
    """Complete the open task of node_name for need's or project's flow as user, after its service.

    ``data`` narrows the task by ``task.data`` items (one scoring task per committee seat).
    Return whether a task was completed.
    """
    from django.db import transaction
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from workflows.flows import NeedFlow, ServiceProjectFlow

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
    from workflows.receivers import advance_on_tender_opened

    advance_on_tender_opened(tender=build.tender)


_STEPS = [_step_need, _step_project, _step_approval, _step_tender, _step_evaluation,
          _step_award, _step_delivery, _step_performance, _step_close]


# ---------------------------------------------------------------------------------------------
# The whole demo


@dataclass
class DemoResult:
    cast: Cast
    built: list  # ProjectBuild of the projects made by this run
    needs: list  # Need rows made by this run


def demo_build() -> DemoResult:
    """Create the 淮南 demo, or top up what a previous run did not create; safe to run again.

    A project or need is recognised by its title, so a second run creates nothing new.
    """
    from procurement.models import Need, ServiceProject
    from procurement.services.needs import need_submit

    cast = cast_build(district="tianjiaan")
    result = DemoResult(cast=cast, built=[], needs=[])
    for stage, index in DEMO_PLAN:
        spec = PROJECTS[index]
        if (ServiceProject.objects.filter(title=spec.title).exists()
                or Need.objects.filter(title=spec.need_title).exists()):
            continue
        with transaction.atomic():
            result.built.append(build_project_at_stage(stage, cast=cast, spec=spec))
    for username, community_name, title, description, category, target in DEMO_NEEDS:
        if Need.objects.filter(title=title).exists():
            continue
        with transaction.atomic():
            need = need_submit(actor=cast.users[username],
                               community=cast.communities[community_name], title=title,
                               category=category, target_group=target, description=description)
            from workflows.services import need_flow_start

            need_flow_start(need=need)
        result.needs.append(need)
    return result


def demo_logins(cast: Cast) -> list[tuple[str, str, str, str]]:
    """Return (username, password, role, organization) for every demo login, admins first."""
    rows = []
    for username, real_name, is_superuser in ADMINS:
        role = "超级管理员 superuser" if is_superuser else f"{Role.ADMIN.label} admin"
        rows.append((username, DEMO_PASSWORD, role, real_name))
    for username, person in cast.people.items():
        organization = cast.org_of(username)
        role = Role(person.role)
        rows.append((username, DEMO_PASSWORD, f"{role.label} {role.value}",
                     f"{organization.name if organization else '专家库'}（{person.real_name}）"))
    return rows
