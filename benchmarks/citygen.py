"""A city-scale data set (淮南市) for benchmarks, made with bulk_create (not the services).

At scale 1.0: the real city and its 7 districts/counties (migration accounts 0003), 60 streets
and towns named after the real ones (synthetic codes), 600 communities (245 urban 社区, 355
rural 村) with their 居委会/村委会 and profiles (population, volunteers and their service for the
plan monitoring), 160 social organizations with 3 social workers each, the purchasers (市/区
民政局) and finance bureaus, 5 fiscal years of ~2,000 service projects with envelopes,
commitments, tenders, bids, awards, contracts, teams, tranches, payments, milestone reports,
performance evaluations and ~2 M service records. Statuses follow the project's age (older
years mostly closed), amounts are log-normal around 150,000 元, dates follow the procurement
steps. The same seed and ``today`` give the same data.

Projects, needs, volunteers and service records scale with ``scale``; the geography, the
organizations and their users do not (they are small). Run on a migrated, otherwise empty
database:

    generate(scale=0.001, today=datetime.date(2026, 11, 30))  # from a test or a shell
    DATABASE_URL=postgres://… .venv/bin/python benchmarks/citygen.py --scale 0.1

Rows are inserted in batches of ``BATCH`` and service records are streamed from a generator, so
memory stays bounded whatever the scale. No audit rows, notifications or workflow tasks are
made: the data is for reading pages, not for walking the workflow.
"""

import contextlib
import datetime
import itertools
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

BATCH = 10_000
TZ = ZoneInfo("Asia/Shanghai")
PROJECTS_AT_SCALE_1 = 2_000
NEEDS_AT_SCALE_1 = 3_000
YEARS = 5
# Service records per contract-month: ~1,650 contracts × ~12 months elapsed ≈ 2 M records.
RECORDS_PER_MONTH = 100
URBAN_COMMUNITIES = 245
RURAL_COMMUNITIES = 355
SOCIAL_ORGS = 160
WORKERS_PER_ORG = 3
RESIDENTS = 300

# Streets (街道) and towns (镇/乡) after the real ones, per district code.
STREETS = {
    "340402": ["大通街道", "洛河街道", "上窑镇", "洛河镇", "九龙岗镇", "孔店乡"],
    "340403": ["田东街道", "新淮街道", "国庆街道", "龙泉街道", "朝阳街道", "舜耕街道",
               "田西街道", "公园街道", "泉山街道", "安成镇", "三和镇", "曹庵镇", "史院乡"],
    "340404": ["谢家集街道", "谢三村街道", "蔡家岗街道", "平山街道", "立新街道", "李郢孜镇",
               "望峰岗镇", "唐山镇", "杨公镇", "孤堆回族乡"],
    "340405": ["新庄孜街道", "土坝孜街道", "毕家岗街道", "八公山镇", "山王镇"],
    "340406": ["田集街道", "潘集镇", "芦集镇", "高皇镇", "平圩镇", "泥河镇", "架河镇", "贺疃镇"],
    "340421": ["城关镇", "岳张集镇", "顾桥镇", "毛集镇", "夏集镇", "桂集镇", "焦岗湖镇",
               "凤凰镇"],
    "340422": ["寿春镇", "双桥镇", "涧沟镇", "丰庄镇", "刘岗镇", "炎刘镇", "隐贤镇", "安丰镇",
               "保义镇", "众兴镇"],
}
WORDS = ("和平 幸福 龙湖 东城 新华 光明 民主 建设 团结 友谊 胜利 春华 康乐 安居 文昌 兴业 "
         "振兴 永安 长青 朝阳 金桥 泉山 洞山 淮滨 锦绣 育才 园林 红旗 前进 向阳 新村 景苑 "
         "华苑 丽景 丰收 桃园 柳湾 荷塘 花园 同心").split()
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志明海燕春生文"

CATEGORIES = [("elderly", 30), ("children", 20), ("disability", 10), ("hardship", 12),
              ("governance", 12), ("culture", 8), ("health", 6), ("other", 2)]
FUNDING = [("fiscal", 70), ("lottery", 25), ("other", 5)]
METHODS = [("open", 55), ("consultation", 28), ("negotiation", 10), ("single_source", 4),
           ("invited", 3)]
STAGES = ["draft", "submitted", "returned", "approved", "budget_confirmed", "tendering",
          "evaluating", "awarded", "in_delivery", "performance_review", "settlement", "closed"]
# Project status by age (fiscal years before this one): weights.
STATUS_BY_AGE = {
    0: [("draft", 6), ("submitted", 6), ("returned", 2), ("approved", 5),
        ("budget_confirmed", 6), ("tendering", 12), ("evaluating", 7), ("awarded", 8),
        ("in_delivery", 45), ("cancelled", 3)],
    1: [("in_delivery", 20), ("performance_review", 15), ("settlement", 10), ("closed", 50),
        ("cancelled", 5)],
    2: [("performance_review", 1), ("settlement", 4), ("closed", 88), ("cancelled", 7)],
}
ACTIVITIES = [("case", "个案服务", "个", 1, 1), ("group", "小组工作", "节", 6, 12),
              ("small_event", "小型社区活动", "场", 10, 40), ("large_event", "大型社区活动", "场",
              100, 300), ("volunteer", "志愿服务", "次", 5, 30)]


@dataclass
class City:
    """What generate() made: row counts per model label and the usernames of sample users."""

    counts: Counter = field(default_factory=Counter)
    users: dict = field(default_factory=dict)  # role key -> username (the benchmark's viewers)
    seconds: float = 0.0


def _pick(rng: random.Random, weighted: list) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, 28))


def _money(value: float) -> Decimal:
    return Decimal(round(value, 2)).quantize(Decimal("0.01"))


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))


@contextlib.contextmanager
def manual_timestamps():
    """Let bulk_create keep the given auto_now/auto_now_add values (dates in the past)."""
    from django.apps import apps

    changed = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            for attr in ("auto_now", "auto_now_add"):
                if getattr(f, attr, False):
                    setattr(f, attr, False)
                    changed.append((f, attr))
    try:
        yield
    finally:
        for f, attr in changed:
            setattr(f, attr, True)


class _Writer:
    """Bulk-create rows in batches and count them per model."""

    def __init__(self, counts: Counter, verbose: bool):
        self.counts = counts
        self.verbose = verbose

    def save(self, model, rows: Iterable, *, batch: int = BATCH) -> list:
        """Insert rows (any iterable) in batches; return the saved objects when a list is given."""
        if isinstance(rows, list):
            model.objects.bulk_create(rows, batch_size=batch)
            self.counts[model._meta.label] += len(rows)
            return rows
        total = 0
        iterator = iter(rows)
        while chunk := list(itertools.islice(iterator, batch)):
            model.objects.bulk_create(chunk, batch_size=batch)
            total += len(chunk)
            if self.verbose and total % (batch * 20) == 0:
                print(f"  {model._meta.label}: {total:,}", flush=True)
        self.counts[model._meta.label] += total
        return []


# (URL name, viewer): the pages measured; a name this branch does not define is skipped.
# Viewers (benchmarks/citygen.py): purchaser = staff of 淮南市民政局 (about 30% of the projects,
# the whole city for planning:monitor), finance = 淮南市财政局, community = the 居委会 with the
# most contracts, social_org = the organization that wins most.
PAGES = [  # the benchmark's pages and tests/test_city_scale_queries.py's
    ("workflows:dashboard-purchaser", "purchaser"),
    ("workflows:dashboard-finance", "finance"),
    ("workflows:dashboard-community", "community"),
    ("workflows:dashboard-social-org", "social_org"),
    ("portal:statistics", "purchaser"),
    ("planning:monitor", "purchaser"),
    ("finance:ledger", "finance"),
    ("procurement:project-list", "purchaser"),
    ("procurement:contract-list", "purchaser"),
    ("delivery:record-list", "purchaser"),
]


def generate(scale: float = 1.0, *, seed: int = 9, today: datetime.date | None = None,
             records_per_month: int = RECORDS_PER_MONTH, verbose: bool = False,
             volunteer_scale: float | None = None) -> City:
    """Fill the (migrated, empty) database with the city at ``scale``; return what was made.

    ``scale`` multiplies the projects (2,000 at 1.0, at least 1), the needs and the volunteers
    (``volunteer_scale`` instead, when given: a test of 10,000 projects needs few volunteers);
    service records follow the contracts (``records_per_month`` per contract-month elapsed).
    """
    from django.db import transaction
    from django.utils import timezone

    started = time.perf_counter()
    today = today or timezone.localdate()
    city = City()
    with transaction.atomic(), manual_timestamps():
        generator = _Generator(random.Random(seed), scale, today, records_per_month,
                               _Writer(city.counts, verbose), city)
        generator.volunteer_scale = scale if volunteer_scale is None else volunteer_scale
        generator.run()
        from finance.services.ledger import envelope_totals_refresh

        envelope_totals_refresh()  # bulk_create passes no receiver: the ledger's totals
    city.seconds = time.perf_counter() - started
    return city


class _Generator:
    def __init__(self, rng, scale, today, records_per_month, writer, city):
        self.rng, self.scale, self.today = rng, scale, today
        self.records_per_month = records_per_month
        self.w, self.city = writer, city
        self.first_year = today.year - YEARS + 1

    # -- geography, organizations, users -----------------------------------------------------

    def run(self) -> None:
        from accounts.roles import ensure_role_groups

        ensure_role_groups()
        self.geography()
        self.organizations()
        self.users()
        self.planning()
        self.needs()
        self.projects()

    def geography(self) -> None:
        from accounts.models import Division

        city = Division.objects.get(code="340400")
        if Division.objects.filter(level=Division.Level.STREET, parent__parent=city).exists():
            raise RuntimeError("The city's streets exist already: generate on an empty database.")
        districts = {d.code: d for d in Division.objects.filter(parent=city)}
        streets = []
        for code, names in STREETS.items():
            for i, name in enumerate(names, 1):
                streets.append(Division(code=f"{code}{i:03d}", name=name, parent=districts[code],
                                        level=Division.Level.STREET))
        self.w.save(Division, streets)
        urban = [s for s in streets if s.name.endswith("街道")]
        rural = [s for s in streets if not s.name.endswith("街道")]
        communities = []
        for kind, parents, total, suffix in (("urban", urban, URBAN_COMMUNITIES, "社区"),
                                             ("rural", rural, RURAL_COMMUNITIES, "村")):
            for index, parent in enumerate(parents):
                share = total // len(parents) + (1 if index < total % len(parents) else 0)
                offset = self.rng.randrange(len(WORDS))
                for i in range(share):
                    word = WORDS[(offset + i) % len(WORDS)]
                    community = Division(code=f"{parent.code}{i + 1:03d}", name=word + suffix,
                                         parent=parent, level=Division.Level.COMMUNITY)
                    community.area = kind
                    communities.append(community)
        self.w.save(Division, communities)
        self.city_division, self.districts = city, districts
        self.streets, self.communities = streets, communities
        self.district_of = {s.pk: s.parent for s in streets}

    def organizations(self) -> None:
        from accounts.models import Organization

        kind = Organization.Kind
        created = datetime.datetime(self.first_year - 1, 6, 1, tzinfo=TZ)

        def org(name, k, division):
            return Organization(name=name, kind=k, division=division, created_at=created,
                                contact_person=_name(self.rng), contact_phone="0554-6660000")

        city = self.city_division
        self.purchaser = {None: org("淮南市民政局", kind.PURCHASER, city)}
        self.finance = {None: org("淮南市财政局", kind.FINANCE, city)}
        for d in self.districts.values():
            self.purchaser[d.pk] = org(f"{d.name}民政局", kind.PURCHASER, d)
            self.finance[d.pk] = org(f"{d.name}财政局", kind.FINANCE, d)
        self.evaluator = org("淮南市社会工作评估中心", kind.EVALUATOR, city)
        self.supervisor = org("淮南市纪委监委派驻民政局纪检监察组", kind.SUPERVISOR, city)
        self.community_org = {}
        street_by_pk = {s.pk: s for s in self.streets}
        for c in self.communities:
            street = street_by_pk[c.parent_id]
            suffix = "居委会" if c.area == "urban" else "村委会"
            self.community_org[c.pk] = org(f"{self.district_of[street.pk].name}{street.name}"
                                           f"{c.name}{suffix}", kind.COMMUNITY, c)
        urban = [c for c in self.communities if c.area == "urban"]
        prefixes = ("社会工作服务中心", "社工服务社", "公益服务中心", "志愿者协会", "养老服务中心")
        self.social_orgs = []
        for i in range(SOCIAL_ORGS):
            place = self.rng.choice(urban)
            kind_name = prefixes[i // len(WORDS) % len(prefixes)]
            self.social_orgs.append(org(f"淮南市{WORDS[i % len(WORDS)]}{kind_name}"
                                        f"{'' if i < len(WORDS) * len(prefixes) else i}",
                                        kind.SOCIAL_ORG, place))
            self.social_orgs[-1].rating = self.rng.choice(["", "3A", "4A", "5A"])
        rows = [*self.purchaser.values(), *self.finance.values(), self.evaluator, self.supervisor,
                *self.community_org.values(), *self.social_orgs]
        self.w.save(Organization, rows)
        # Winners are skewed: a few organizations win many contracts (Zipf-like weights).
        self.org_weights = [1 / (i + 1) ** 0.8 for i in range(len(self.social_orgs))]

    def users(self) -> None:
        from django.contrib.auth.models import Group

        from accounts.models import Membership, SocialWorkerProfile, User
        from accounts.roles import Role

        users, memberships = [], []
        joined = datetime.datetime(self.first_year - 1, 6, 1, tzinfo=TZ)

        def user(username, role, organization):
            u = User(username=username, password="!", real_name=_name(self.rng),
                     date_joined=joined)
            users.append(u)
            memberships.append((u, organization, role))
            return u

        self.purchaser_staff = {
            key: [user(f"purchaser-{key or 'city'}-{i}", Role.PURCHASER, o) for i in (1, 2)]
            for key, o in self.purchaser.items()}
        self.finance_staff = {key: user(f"finance-{key or 'city'}", Role.FINANCE, o)
                              for key, o in self.finance.items()}
        self.community_staff = {pk: user(f"community-{o.division.code}", Role.COMMUNITY, o)
                                for pk, o in self.community_org.items()}
        self.org_staff = [user(f"socialorg-{i + 1}", Role.SOCIAL_ORG, o)
                          for i, o in enumerate(self.social_orgs)]
        self.workers = [[user(f"worker-{i + 1}-{j}", Role.SOCIAL_WORKER, o)
                         for j in range(1, WORKERS_PER_ORG + 1)]
                        for i, o in enumerate(self.social_orgs)]
        self.evaluator_staff = user("evaluator-1", Role.EVALUATOR, self.evaluator)
        user("supervisor-1", Role.SUPERVISOR, self.supervisor)
        admin = user("platform-admin", Role.ADMIN, None)
        urban = [c for c in self.communities if c.area == "urban"]
        self.residents = [user(f"resident-{i + 1}", Role.RESIDENT,
                               self.community_org[self.rng.choice(urban).pk])
                          for i in range(RESIDENTS)]
        self.w.save(User, users)
        rows = [Membership(user=u, organization=o, role=r, created_at=joined)
                for u, o, r in memberships]
        self.w.save(Membership, rows)
        groups = dict(Group.objects.filter(name__in=[r.value for r in Role])
                      .values_list("name", "pk"))
        through = User.groups.through
        self.w.save(through, [through(user_id=u.pk, group_id=groups[r]) for u, _o, r in memberships])
        profiles = []
        for i, team in enumerate(self.workers):
            for j, u in enumerate(team):
                profiles.append(SocialWorkerProfile(
                    user=u, organization=self.social_orgs[i], code=f"W{j + 1:02d}",
                    qualification=self.rng.choice(["assistant", "assistant", "intermediate",
                                                   "senior"]),
                    certificate_number=f"SG{self.first_year}{i + 1:04d}{j + 1:02d}"))
        self.w.save(SocialWorkerProfile, profiles)
        self.profiles = [profiles[i * WORKERS_PER_ORG:(i + 1) * WORKERS_PER_ORG]
                         for i in range(len(self.social_orgs))]
        self.city.users.update(purchaser=self.purchaser_staff[None][0].username,
                               finance=self.finance_staff[None].username,
                               social_org=self.org_staff[0].username,
                               evaluator=self.evaluator_staff.username, admin=admin.username)

    # -- planning: community profiles, volunteers and their service ----------------------------

    def planning(self) -> None:
        from planning.models import CommunityProfile, Volunteer, VolunteerService

        updated = _at(datetime.date(self.today.year, 1, 15))
        profiles = []
        for c in self.communities:
            population = (self.rng.randint(4_000, 15_000) if c.area == "urban"
                          else self.rng.randint(1_500, 6_000))
            c.population = population
            profiles.append(CommunityProfile(division=c, area=c.area, population=population,
                                             households=int(population / 2.8), updated_at=updated,
                                             updated_by=self.community_staff[c.pk]))
        self.w.save(CommunityProfile, profiles)
        phones = itertools.count(1)
        start = datetime.date(self.first_year, 1, 1)
        span = (self.today - start).days

        def volunteers() -> Iterator:
            for c in self.communities:
                rate = self.rng.uniform(0.005, 0.06)
                staff = self.community_staff[c.pk]
                for _ in range(round(c.population * rate * self.volunteer_scale)):
                    registered = start + datetime.timedelta(days=self.rng.randrange(span))
                    left = (registered + datetime.timedelta(days=self.rng.randint(60, 700))
                            if self.rng.random() < 0.1 else None)
                    yield Volunteer(community=c, name=_name(self.rng),
                                    phone=f"139{next(phones):08d}", registered_on=registered,
                                    left_on=left if left and left < self.today else None,
                                    registered_by=staff)

        activities = ("社区环境整治", "敬老院探访", "文明劝导", "关爱留守儿童", "防疫宣传",
                      "助老送餐")
        for chunk in _chunks(volunteers(), BATCH):
            self.w.save(Volunteer, chunk)
            services = []
            for v in chunk:
                end = v.left_on or self.today
                days = (end - v.registered_on).days
                for _ in range(self.rng.choice((0, 0, 1, 2, 3, 4, 6)) if days > 0 else 0):
                    served = v.registered_on + datetime.timedelta(days=self.rng.randrange(days))
                    services.append(VolunteerService(
                        volunteer=v, served_on=served,
                        hours=Decimal(self.rng.randint(10, 80)) / 10,
                        activity=self.rng.choice(activities), recorded_by=v.registered_by,
                        recorded_at=_at(served, 20)))
            self.w.save(VolunteerService, services)

    def needs(self) -> None:
        from procurement.models import Need

        texts = {"elderly": "独居老人助餐助浴", "children": "留守儿童课后托管",
                 "disability": "残疾人康复训练", "hardship": "困难家庭帮扶",
                 "governance": "小区议事协商", "culture": "广场舞场地与文体活动",
                 "health": "慢病健康管理", "other": "社区便民服务"}
        start = datetime.date(self.first_year - 1, 9, 1)
        span = (self.today - start).days
        rows = []
        for _ in range(round(NEEDS_AT_SCALE_1 * self.scale)):
            c = self.rng.choice(self.communities)
            category = _pick(self.rng, CATEGORIES)
            status = _pick(self.rng, [("submitted", 20), ("accepted", 55), ("declined", 25)])
            submitted = _at(start + datetime.timedelta(days=self.rng.randrange(span)), 9)
            decided = status != "submitted"
            rows.append(Need(
                title=f"{c.name}{texts[category]}", category=category, target_group="社区居民",
                community=self.community_org[c.pk], description=texts[category] + "需求。",
                status=status, submitted_by=self.rng.choice(self.residents),
                submitted_at=submitted,
                decision_reason="已有同类项目覆盖" if status == "declined" else "",
                decided_by=self.community_staff[c.pk] if decided else None,
                decided_at=submitted + datetime.timedelta(days=7) if decided else None))
        self.w.save(Need, rows)

    # -- projects and everything after them ----------------------------------------------------

    def projects(self) -> None:
        from procurement import models as p

        total = max(1, round(PROJECTS_AT_SCALE_1 * self.scale))
        weights = [2 if c.area == "urban" else 1 for c in self.communities]
        plans = []
        seq = Counter()
        for i in range(total):
            year = self.first_year + i * YEARS // total
            age = self.today.year - year
            status = _pick(self.rng, STATUS_BY_AGE[min(age, 2)])
            community = self.rng.choices(self.communities, weights)[0]
            district = self.district_of[community.parent_id]
            purchaser_key = None if self.rng.random() < 0.3 else district.pk
            budget = min(2_000_000, max(30_000, self.rng.lognormvariate(math.log(150_000), 0.6)))
            duration = _pick(self.rng, [(12, 80), (6, 10), (24, 10)])
            created = datetime.date(year - 1, 11, 1) + datetime.timedelta(
                days=self.rng.randrange(120))
            # A cancelled project stopped somewhere between approval and tendering.
            reached = (_pick(self.rng, [("approved", 1), ("budget_confirmed", 1),
                                        ("tendering", 2)]) if status == "cancelled" else status)
            seq[year] += 1
            plans.append({
                "year": year, "status": status, "reached": STAGES.index(reached),
                "community": community, "purchaser_key": purchaser_key,
                "budget": Decimal(round(budget, -3)), "duration": duration,
                "created": created, "category": _pick(self.rng, CATEGORIES),
                "funding": _pick(self.rng, FUNDING), "code": f"XM{year}-{seq[year]:05d}",
            })
        rows = []
        for plan in plans:
            created = plan["created"]
            submitted = created + datetime.timedelta(days=self.rng.randint(3, 20))
            approved = submitted + datetime.timedelta(days=self.rng.randint(5, 30))
            plan["approved"] = approved
            reached = plan["reached"]
            key = plan["purchaser_key"]
            label = dict(p.NeedCategory.choices)[plan["category"]]
            rows.append(p.ServiceProject(
                code=plan["code"], title=f"{plan['community'].name}{label}项目",
                category=plan["category"], community=self.community_org[plan["community"].pk],
                purchaser=self.purchaser[key], objectives="提升社区服务能力，满足居民需求。",
                target_groups="社区居民", fiscal_year=plan["year"],
                funding_source=plan["funding"], budget_amount=plan["budget"],
                duration_months=plan["duration"],
                multi_year_budget_secured=plan["duration"] > 12, status=plan["status"],
                created_by=self.community_staff[plan["community"].pk], created_at=_at(created),
                submitted_at=_at(submitted) if reached >= 1 else None,
                approved_at=_at(approved) if reached >= STAGES.index("approved") else None,
                return_reason="请细化预算测算。" if plan["status"] == "returned" else ""))
        self.w.save(p.ServiceProject, rows)
        for plan, project in zip(plans, rows, strict=True):
            plan["project"] = project
        self.project_details(plans)
        self.finance_rows(plans)
        self.tenders(plans)
        self.contracts(plans)
        self.records(plans)

    def project_details(self, plans) -> None:
        from procurement import models as p

        deliverables, indicators, lines = [], [], []
        for plan in plans:
            project, budget = plan["project"], plan["budget"]
            kinds = self.rng.sample(ACTIVITIES, 3)
            plan["deliverables"] = []
            for kind, label, unit, _low, _high in kinds:
                quantity = self.rng.choice((6, 10, 12, 20, 24, 40))
                price = _money(float(budget) * 0.2 / quantity)
                d = p.Deliverable(project=project, activity_type=kind, description=label,
                                  quantity=quantity, unit=unit, unit_price=price)
                deliverables.append(d)
                plan["deliverables"].append(d)
            shares = [("personnel", 50), ("supervision", 10), ("activities", 30),
                      ("management", 7)]
            used = Decimal(0)
            for category, share in shares:
                amount = (budget * share / 100).quantize(Decimal("0.01"))
                used += amount
                lines.append(p.BudgetLine(project=project, category=category, amount=amount))
            lines.append(p.BudgetLine(project=project, category="tax", amount=budget - used))
        self.w.save(p.Deliverable, deliverables)
        for plan in plans:
            first = plan["deliverables"][0]
            indicators.append(p.Indicator(project=plan["project"], category="output",
                                          name=f"{first.description}数量",
                                          target=first.quantity, unit=first.unit,
                                          deliverable=first))
            indicators.append(p.Indicator(project=plan["project"], category="satisfaction",
                                          name="服务对象满意度", target=85, unit="%"))
        self.w.save(p.Indicator, indicators)
        self.w.save(p.BudgetLine, lines)

    def finance_rows(self, plans) -> None:
        from finance.models import BudgetCommitment, BudgetEnvelope

        committed = [pl for pl in plans if pl["reached"] >= STAGES.index("budget_confirmed")]
        sums = defaultdict(Decimal)
        for plan in committed:
            division = self.purchaser[plan["purchaser_key"]].division
            sums[(plan["year"], plan["funding"], division.pk)] += plan["budget"]
        envelopes = {}
        labels = {"fiscal": "财政预算", "lottery": "福彩公益金", "other": "其他资金"}
        divisions = {self.city_division.pk: self.city_division,
                     **{d.pk: d for d in self.districts.values()}}
        for year in range(self.first_year, self.today.year + 1):
            for source in labels:
                for division in divisions.values():
                    used = sums.get((year, source, division.pk), Decimal(0))
                    amount = (used * Decimal(self.rng.uniform(1.1, 1.4))).quantize(Decimal(1000))
                    if source == "other" and not used:
                        continue
                    key = None if division.pk == self.city_division.pk else division.pk
                    envelopes[(year, source, division.pk)] = BudgetEnvelope(
                        fiscal_year=year, funding_source=source, division=division,
                        finance_bureau=self.finance[key],
                        name=f"{year}年{division.name}社区服务{labels[source]}",
                        amount=max(amount, Decimal(100_000)))
        self.w.save(BudgetEnvelope, list(envelopes.values()))
        rows = []
        for plan in committed:
            division = self.purchaser[plan["purchaser_key"]].division
            staff = self.finance_staff[plan["purchaser_key"]]
            rows.append(BudgetCommitment(
                envelope=envelopes[(plan["year"], plan["funding"], division.pk)],
                project=plan["project"], amount=plan["budget"],
                status="released" if plan["status"] == "cancelled" else "committed",
                committed_by=staff, committed_at=_at(plan["approved"], 15),
                comment="预算已落实。"))
        self.w.save(BudgetCommitment, rows)

    def tenders(self, plans) -> None:
        from procurement import models as p

        tenders, criteria, seq = [], [], Counter()
        tendering = STAGES.index("tendering")
        for plan in plans:
            plan["tender"] = None
            if plan["reached"] < tendering:
                continue
            project, year = plan["project"], plan["year"]
            method = _pick(self.rng, METHODS)
            published = plan["approved"] + datetime.timedelta(days=self.rng.randint(10, 40))
            staff = self.purchaser_staff[plan["purchaser_key"]][0]
            attempts = ["failed"] if self.rng.random() < 0.08 else []
            cancelled = plan["status"] == "cancelled"
            attempts.append("failed" if cancelled else {
                "tendering": "published", "evaluating": "evaluating"}.get(plan["status"],
                                                                           "awarded"))
            for outcome in attempts:
                seq[year] += 1
                deadline = published + datetime.timedelta(days=20)
                opened = outcome != "published"
                t = p.Tender(
                    project=project, code=f"CG{year}-{seq[year]:05d}", title=project.title,
                    method=method, budget_amount=plan["budget"],
                    price_weight=Decimal(30 if p.EVALUATION_METHODS[method] == "comprehensive"
                                         else 100),
                    bid_deadline=_at(deadline, 9, 30), status=outcome,
                    published_at=_at(published), published_by=staff,
                    announcement_ends_on=published + datetime.timedelta(days=5),
                    documents_until=published + datetime.timedelta(days=5),
                    opened_at=_at(deadline, 9, 30) if opened else None,
                    evaluated_at=_at(deadline + datetime.timedelta(days=2), 16)
                    if outcome == "awarded" else None,
                    failure_reason="有效投标不足三家。" if outcome == "failed" else "",
                    required_documents=["投标函", "报价单", "服务方案"])
                t.outcome = outcome
                tenders.append(t)
                published = deadline + datetime.timedelta(days=self.rng.randint(7, 20))
            plan["tender"] = t
            plan["tender_attempts"] = tenders[-len(attempts):]
        self.w.save(p.Tender, tenders)
        for t in tenders:
            for order, (name, kind, score) in enumerate(
                    (("报价", "price", 30), ("服务方案", "technical", 50), ("团队与业绩",
                                                                       "commercial", 20))):
                criteria.append(p.TenderCriterion(tender=t, name=name, kind=kind,
                                                  max_score=Decimal(score), order=order))
        self.w.save(p.TenderCriterion, criteria)
        self.bids(plans)

    def bids(self, plans) -> None:
        from procurement import models as p

        bids, awards = [], []
        indexes = range(len(self.social_orgs))
        for plan in plans:
            for t in plan.get("tender_attempts", ()):
                count = {"published": self.rng.randint(0, 3), "failed": self.rng.randint(0, 2)}.get(
                    t.outcome, 1 if t.method == "single_source" else self.rng.randint(3, 6))
                chosen = []
                while len(chosen) < count:
                    i = self.rng.choices(indexes, self.org_weights)[0]
                    if i not in chosen:
                        chosen.append(i)
                t.bid_list = []
                for rank, i in enumerate(chosen, 1):
                    scored = t.outcome == "awarded"
                    price = _money(float(t.budget_amount) * self.rng.uniform(0.88, 0.995))
                    b = p.Bid(tender=t, organization=self.social_orgs[i], price=price,
                              proposal="服务方案（略）。",
                              status="qualified" if t.opened_at else "submitted",
                              submitted_by=self.org_staff[i],
                              submitted_at=t.bid_deadline - datetime.timedelta(
                                  hours=self.rng.randint(2, 200)),
                              final_score=Decimal(95 - rank * 3 - self.rng.randint(0, 2))
                              if scored else None,
                              rank=rank if scored else None, tender_version=1,
                              contact_person=_name(self.rng))
                    b.org_index = i
                    bids.append(b)
                    t.bid_list.append(b)
        self.w.save(p.Bid, bids)
        for plan in plans:
            t = plan["tender"]
            if t is None or t.outcome != "awarded":
                continue
            winner = t.bid_list[0]
            confirmed = t.evaluated_at + datetime.timedelta(days=self.rng.randint(1, 5))
            award = p.Award(tender=t, bid=winner, amount=winner.price,
                            confirmed_by=self.purchaser_staff[plan["purchaser_key"]][0],
                            confirmed_at=confirmed, reason="综合得分第一。",
                            confirm_due=(t.evaluated_at + datetime.timedelta(days=7)).date())
            plan["award"] = award
            awards.append(award)
        self.w.save(p.Award, awards)

    def contracts(self, plans) -> None:
        from delivery.models import MilestoneReport
        from evaluation.models import PartyScore, PerformanceEvaluation, SatisfactionResponse
        from finance.models import Payment, PaymentTranche
        from procurement import models as p

        contracts, seq = [], Counter()
        for plan in plans:
            award = plan.get("award")
            plan["contract"] = None
            if award is None:
                continue
            year, status = plan["year"], plan["status"]
            signed_on = award.confirmed_at.date() + datetime.timedelta(
                days=self.rng.randint(5, 25))
            start = signed_on + datetime.timedelta(days=self.rng.randint(3, 15))
            end = _add_months(start, plan["duration"])
            signed = status != "awarded"
            staff = self.purchaser_staff[plan["purchaser_key"]][0]
            i = award.bid.org_index
            seq[year] += 1
            c = p.Contract(
                award=award, project=plan["project"], code=f"HT{year}-{seq[year]:05d}",
                purchaser=self.purchaser[plan["purchaser_key"]], supplier=self.social_orgs[i],
                amount=award.amount, start_date=start, end_date=end,
                status="draft" if not signed else "completed" if status == "closed"
                else "signed",
                purchaser_signed_by=staff if signed else None,
                purchaser_signed_at=_at(signed_on, 10) if signed else None,
                supplier_signed_by=self.org_staff[i] if signed else None,
                supplier_signed_at=_at(signed_on, 15) if signed else None,
                sign_due=award.confirmed_at.date() + datetime.timedelta(days=30),
                created_at=award.confirmed_at + datetime.timedelta(hours=2))
            c.org_index = i
            c.plan = plan
            plan["contract"] = c
            contracts.append(c)
        self.w.save(p.Contract, contracts)
        team = []
        for c in contracts:
            for profile in self.profiles[c.org_index][:2]:
                team.append(p.ContractTeamMember(
                    contract=c, worker=profile, name=profile.user.real_name,
                    qualification=profile.qualification,
                    certificate_number=profile.certificate_number,
                    joined_at=_at(c.start_date)))
        self.w.save(p.ContractTeamMember, team)

        tranches, reports, evaluations = [], [], []
        for c in contracts:
            status, today = c.plan["status"], self.today
            mid = c.start_date + (c.end_date - c.start_date) / 2
            mid_accepted = status in ("performance_review", "settlement", "closed") or (
                status == "in_delivery" and mid + datetime.timedelta(days=20) < today)
            final_accepted = status in ("performance_review", "settlement", "closed")
            plan_states = {
                "awarded": ["pending"] * 3,
                "in_delivery": ["paid", "paid" if mid_accepted else "pending", "pending"],
                "performance_review": ["paid", "paid", "pending"],
                "settlement": ["paid", "paid", self.rng.choice(["due", "approved"])],
                "closed": ["paid", "paid", "paid"],
            }[status]
            amounts = [(c.amount * 30 / 100).quantize(Decimal("0.01")),
                       (c.amount * 40 / 100).quantize(Decimal("0.01"))]
            amounts.append(c.amount - sum(amounts))
            moments = [c.start_date, mid + datetime.timedelta(days=10),
                       c.end_date + datetime.timedelta(days=45)]
            for seqno, (cond, pct, amount, state, day) in enumerate(zip(
                    ("on_signing", "mid_term", "final"), (30, 40, 30), amounts, plan_states,
                    moments, strict=True), 1):
                payable = amount
                if cond == "final" and state == "paid" and self.rng.random() < 0.06:
                    payable = (amount * Decimal("0.8")).quantize(Decimal("0.01"))
                approved = state in ("approved", "paid")
                t = PaymentTranche(
                    contract=c, sequence=seqno, condition=cond, percent=Decimal(pct),
                    amount=amount, payable_amount=payable if approved else None, status=state,
                    approved_by=self.finance_staff[c.plan["purchaser_key"]] if approved else None,
                    approved_at=_at(day, 11) if approved else None)
                t.day = day
                tranches.append(t)
            supplier_staff = self.org_staff[c.org_index]
            buyer = self.purchaser_staff[c.plan["purchaser_key"]][0]
            for kind, accepted, day in (("mid_term", mid_accepted, mid),
                                        ("final", final_accepted, c.end_date)):
                pending = (kind == "mid_term" and not accepted and status == "in_delivery"
                           and mid < today)
                if accepted or pending:
                    reports.append(MilestoneReport(
                        contract=c, kind=kind, summary="按合同完成阶段服务。",
                        status="accepted" if accepted else "submitted",
                        submitted_by=supplier_staff, submitted_at=_at(day, 9),
                        decided_by=buyer if accepted else None,
                        decided_at=_at(day + datetime.timedelta(days=7), 9) if accepted else None,
                        decision_comment="验收通过。" if accepted else ""))
            if final_accepted:
                done = status in ("settlement", "closed")
                total = Decimal(self.rng.randint(680, 980)) / 10 if done else None
                grade = ("" if total is None else "excellent" if total >= 90 else "good"
                         if total >= 80 else "fair" if total >= 60 else "poor")
                opened = _at(c.end_date + datetime.timedelta(days=10))
                e = PerformanceEvaluation(
                    contract=c, third_party_expert=self.evaluator_staff,
                    status="finalized" if done else "open", opened_at=opened, total=total,
                    grade=grade, finalized_at=opened + datetime.timedelta(days=20) if done else None,
                    finalized_by=buyer if done else None)
                e.done = done
                evaluations.append(e)
        self.w.save(PaymentTranche, tranches)
        payments = [Payment(tranche=t, amount=t.payable_amount,
                            voucher_number=f"PZ-{t.contract.code}-{t.sequence}",
                            paid_by=self.finance_staff[t.contract.plan["purchaser_key"]],
                            paid_at=_at(t.day + datetime.timedelta(days=5), 14))
                    for t in tranches if t.status == "paid"]
        self.w.save(Payment, payments)
        self.w.save(MilestoneReport, reports)
        self.w.save(PerformanceEvaluation, evaluations)
        scores, answers = [], []
        for e in evaluations:
            if not e.done:
                continue
            for party in ("purchaser", "community", "third_party", "residents", "self"):
                scores.append(PartyScore(
                    evaluation=e, party=party,
                    score=min(Decimal(100), e.total + self.rng.randint(-5, 5)),
                    category_scores={}, submitted_at=e.finalized_at))
            for resident in self.rng.sample(self.residents, 8):
                answers.append(SatisfactionResponse(
                    evaluation=e, resident=resident, score=self.rng.randint(60, 100),
                    submitted_at=e.opened_at + datetime.timedelta(days=3)))
        self.w.save(PartyScore, scores)
        self.w.save(SatisfactionResponse, answers)
        self.city.users["community"] = self._busiest_community_staff(contracts)

    def _busiest_community_staff(self, contracts) -> str:
        counts = Counter(c.plan["community"].pk for c in contracts)
        if not counts:
            return self.community_staff[self.communities[0].pk].username
        return self.community_staff[counts.most_common(1)[0][0]].username

    def records(self, plans) -> None:
        from delivery.models import ServiceRecord

        def rows() -> Iterator:
            for plan in plans:
                c = plan["contract"]
                if c is None or c.status == "draft":
                    continue
                community = plan["community"]
                staff = self.community_staff[community.pk]
                workers = self.workers[c.org_index]
                last = min(c.end_date, self.today)
                months = max(0, (last - c.start_date).days) / 30.4
                count = round(months * self.records_per_month * self.rng.uniform(0.7, 1.3))
                span = max(1, (last - c.start_date).days)
                for n in range(1, count + 1):
                    d = plan["deliverables"][n % 3]
                    low, high = next((lo, hi) for k, _l, _u, lo, hi in ACTIVITIES
                                     if k == d.activity_type)
                    served = c.start_date + datetime.timedelta(days=self.rng.randrange(span))
                    late = self.rng.random() < 0.05
                    recorded = _at(served, 18) + datetime.timedelta(days=2 if late else 0)
                    confirmed = (self.today - served).days > 7 and self.rng.random() < 0.9
                    yield ServiceRecord(
                        contract=c, deliverable=d, code=f"{c.code}-{n:06d}", served_on=served,
                        site=community.name + "活动室",
                        participants=self.rng.randint(low, high),
                        description=f"{d.description}第{n}次",
                        social_worker=workers[n % len(workers)], recorded_at=recorded,
                        is_late=late, confirmed_by=staff if confirmed else None,
                        confirmed_at=recorded + datetime.timedelta(days=1) if confirmed else None)

        self.w.save(ServiceRecord, rows())


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def main() -> None:
    import argparse
    import os
    import sys
    from pathlib import Path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    city = generate(args.scale, seed=args.seed, verbose=True)
    for label, count in sorted(city.counts.items()):
        print(f"{label}: {count:,}")
    print(f"generated in {city.seconds:.1f} s")


if __name__ == "__main__":
    main()
