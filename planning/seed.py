"""The seed plan's measurable targets (淮南市城乡社区服务体系建设规划（2016—2020年）, 二.(三)),
loaded by default (migration 0002) and by ``manage.py demo``."""

from decimal import Decimal

SEED_PLAN = "淮南市城乡社区服务体系建设规划（2016—2020年）"
SEED_YEAR = 2020
SOURCE_ORGS = "二.(三)1 每个城市社区至少有10个以上、每个农村社区至少有5个以上社区社会组织"
SOURCE_WORKERS = "二.(三)5 每个城市社区至少配备1名、每个农村社区力争配备1名专业社会工作者"
SOURCE_VOLUNTEERS = "二.(三)5 注册社区志愿者人数占本地区居民13%以上"
SOURCE_PARTICIPATION = "二.(三)5 参加社区志愿服务活动的社区居民达40%以上"

# (area, indicator, value, binding, source); division: the whole city.
SEED_TARGETS = [
    ("urban", "community_social_orgs", Decimal("10"), True, SOURCE_ORGS),
    ("rural", "community_social_orgs", Decimal("5"), True, SOURCE_ORGS),
    ("urban", "social_workers", Decimal("1"), True, SOURCE_WORKERS),
    ("rural", "social_workers", Decimal("1"), False, SOURCE_WORKERS),
    ("all", "volunteer_rate", Decimal("13"), True, SOURCE_VOLUNTEERS),
    ("all", "participation_rate", Decimal("40"), True, SOURCE_PARTICIPATION),
]


def load_seed_targets(PlanTarget) -> int:
    """Create the seed plan's city-wide targets that are missing; return how many were made."""
    made = 0
    for area, indicator, value, binding, source in SEED_TARGETS:
        _obj, created = PlanTarget.objects.get_or_create(
            plan=SEED_PLAN, year=SEED_YEAR, division=None, area=area, indicator=indicator,
            defaults={"value": value, "binding": binding, "source": source})
        made += created
    return made
