"""The demo's plan monitoring data: each community's population, its 社区社会组织, registered
volunteers and their service in the year, all through the planning and accounts services, so the
monitoring page shows communities that meet some of the seed plan's targets and miss others."""

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from accounts.roles import Role
from demo.cast import Cast, _organization
from planning.models import CommunityProfile
from planning.services import community_profile_set, volunteer_register, volunteer_service_record

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "秀英明华建国丽娟志强海燕小红玉兰桂芳伟军文静春梅德胜淑珍金凤振华立新晓东红霞"
# community division name -> (population, households, 社区社会组织 names, volunteers, who served)
COMMUNITIES = {
    "龙泉社区": (2600, 980, ["舞蹈队", "志愿服务队", "老年协会", "书画社", "太极拳队", "调解会",
                           "读书会", "合唱团", "巾帼志愿队", "四点半课堂互助会"], 360, 120),
    "淮滨社区": (3400, 1250, ["志愿服务队", "老年协会", "乒乓球队", "邻里互助会", "环保小队",
                           "戏曲票友会"], 300, 90),
    "学院社区": (1900, 700, ["志愿服务队", "家长互助会", "科普小组", "健步走队"], 270, 60),
}


def _name(i: int) -> str:
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)] + GIVEN[(i * 3 + 1) % len(GIVEN)]


@transaction.atomic
def planning_build(cast: Cast, *, year: int | None = None) -> None:
    """Record the communities' data once (a community with a profile is left as it is)."""
    today = timezone.localdate()
    year = year or today.year
    for community_name, (population, households, groups, volunteers, served) in COMMUNITIES.items():
        org = cast.communities.get(community_name)
        if org is None or CommunityProfile.objects.filter(division=org.division).exists():
            continue
        staff = cast.by_role(Role.COMMUNITY, org)[0]
        division = org.division
        community_profile_set(division=division, actor=staff, area="urban", population=population,
                              households=households)
        for group in groups:
            _organization(name=f"{community_name}{group}", kind=Organization.Kind.SOCIAL_ORG,
                          division=division, actor=cast.admin, category="52",
                          legal_representative=_name(len(group)), contact_person=_name(len(group)))
        start = datetime.date(year, 1, 5)
        people = [volunteer_register(division=division, actor=staff, name=_name(i),
                                     phone=f"139{division.pk:02d}{i:06d}"[:11],
                                     registered_on=min(start + datetime.timedelta(days=i % 200), today))
                  for i in range(volunteers)]
        for i, volunteer in enumerate(people[:served]):
            day = max(volunteer.registered_on, min(start + datetime.timedelta(days=30 + i % 250), today))
            volunteer_service_record(volunteer=volunteer, actor=staff, served_on=day,
                                     hours=("2", "3", "1.5", "4")[i % 4],
                                     activity=("助老探访", "清洁家园", "文明劝导", "四点半课堂")[i % 4])
