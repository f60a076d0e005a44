"""The demo's cast: divisions, organizations, users, expert pool and budget envelopes of a district.

``cast_build(district=...)`` creates (or finds) everything one ``DistrictSpec`` names, through the
accounts services (memberships, organizations), so every person holds real roles and groups.
The demo's districts are ``TIANJIAAN`` and ``DATONG``; the test world (tests/worlds.py) builds its
own spec through the same function.
"""

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
    ExpertSpecialty,
    Organization,
    SocialWorkerProfile,
    User,
)
from accounts.roles import Role
from accounts.services.memberships import membership_grant
from accounts.services.organizations import organization_save
from accounts.validators import CREDIT_CODE_CHARSET, credit_code_check_char
from finance.models import BudgetEnvelope

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
    head: bool = False  # the organization's head (负责人): overdue tasks are escalated to them


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
    supervisor: str | None = None  # the district's 纪检/审计 body


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
        Person("mz_wang", "王建国", Role.PURCHASER, "purchaser", "13905540101", head=True),
        Person("mz_li", "李敏", Role.PURCHASER, "purchaser", "13905540102"),
        Person("cz_zhao", "赵丽", Role.FINANCE, "finance", "13905540201"),
        # The second finance officer pays what the first approved (不相容岗位相互分离).
        Person("cz_qian", "钱芳", Role.FINANCE, "finance", "13905540202"),
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
        Person("sj_han", "韩立新", Role.SUPERVISOR, "supervisor", "13905540701"),
        Person("pg_fang", "方静", Role.EVALUATOR, "evaluator", "13905540801"),
    ],
    experts=[
        ("zj_qian", "钱立群", "社会工作,社区治理", "evaluator"),
        ("zj_sun", "孙雅琴", "养老服务,社会工作", None),
        ("zj_zhou", "周文博", "财务管理,政府采购", "evaluator"),
        ("zj_wu", "吴海燕", "儿童青少年服务,心理健康", None),
        ("zj_zheng", "郑国华", "社会组织管理,绩效评估", None),
        # Enough for a 公开招标's five seats (87号令 47) after recusals from any demo bidder.
        ("zj_he", "何志远", "社区治理,政府采购", None),
        ("zj_ma", "马晓兰", "养老服务,残疾人服务", None),
    ],
    recusals=[("zj_zheng", "yangguang", "近三年曾在该机构担任理事")],
    envelopes=[
        ("fiscal", "财政预算·社区服务购买资金", Decimal("3000000.00")),
        ("lottery", "福彩公益金·社区服务项目资金", Decimal("1000000.00")),
    ],
    supervisor="田家庵区审计局",
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
        Person("dt_cn", "戴敏", Role.FINANCE, "finance"),
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
    supervisor: Organization | None = None  # the district's 纪检/审计 body, if the spec has one

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
        if key == "supervisor":
            return self.supervisor
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
def cast_build(*, district: str | DistrictSpec = "tianjiaan", password: str = DEMO_PASSWORD,
               year: int | None = None) -> Cast:
    """Create (or find) the divisions, organizations, users and envelopes of a district's cast.

    ``district`` is a key of ``DISTRICTS`` or a spec of its own (the test world's);
    the envelopes are for fiscal ``year`` (default: this year).
    """
    spec = DISTRICTS[district] if isinstance(district, str) else district
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
    supervisor = None
    if spec.supervisor:
        supervisor = _organization(
            name=spec.supervisor, kind=Organization.Kind.SUPERVISOR, division=district_division,
            actor=admin, category="11", contact_person="综合科", contact_phone="0554-6600002",
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
        admin=admin, supervisor=supervisor,
    )
    for person in spec.people:
        user = _user(person.username, person.real_name, password=password, mobile=person.mobile)
        cast.users[person.username] = user
        cast.people[person.username] = person
        organization = cast.org_of(person.username)
        membership_grant(user=user, organization=organization, role=person.role, actor=admin,
                         is_head=person.head)
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
        # Every cast expert may evaluate every service category; the pool pages narrow it.
        ExpertProfile.objects.get_or_create(
            user=user, defaults={"specialties": specialties, "employer": employer,
                                 "categories": list(ExpertSpecialty.values)}
        )
    for username, org_key, reason in spec.recusals:
        unit = social_orgs[org_key]
        ExpertRecusal.objects.get_or_create(
            expert=cast.users[username].expert_profile, credit_code=unit.credit_code,
            defaults={"unit_name": unit.name, "reason": reason},
        )
    year = year or timezone.localdate().year
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
