"""Writes of the plan monitoring: targets, community profiles, volunteers and their service.

Every function checks the actor's permission itself, runs in one transaction and is audited.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Division
from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from planning.models import (
    AreaType,
    CommunityProfile,
    PlanIndicator,
    PlanTarget,
    TargetArea,
    Volunteer,
    VolunteerService,
)
from planning.permissions import target_divisions

RATES = {PlanIndicator.VOLUNTEER_RATE, PlanIndicator.PARTICIPATION_RATE}


def _community(division: Division) -> Division:
    if division.level != Division.Level.COMMUNITY:
        raise ServiceError(_("只能为社区/村登记。"), code="level")
    return division


@transaction.atomic
def community_profile_set(*, division: Division, actor, area: str, population, households=None
                          ) -> CommunityProfile:
    """Record the community's area type and population (its 居委会/村委会)."""
    division = _community(Division.objects.select_for_update().get(pk=division.pk))
    authz.require(actor, "planning.keep_communityprofile", division)
    if area not in AreaType.values:
        raise ServiceError(_("请选择城市社区或农村社区。"), code="area")
    try:
        population = int(population)
        households = int(households) if households not in (None, "") else None
    except (TypeError, ValueError):
        raise ServiceError(_("人口和户数应为整数。"), code="population") from None
    if population <= 0 or (households is not None and households <= 0):
        raise ServiceError(_("人口和户数应为正整数。"), code="population")
    if households is not None and households > population:
        raise ServiceError(_("户数不能多于人口。"), code="households")
    profile = CommunityProfile.objects.filter(division=division).first()
    before = None if profile is None else {"area": profile.area, "population": profile.population,
                                           "households": profile.households}
    profile = profile or CommunityProfile(division=division)
    profile.area, profile.population, profile.households = area, population, households
    profile.updated_by = actor
    profile.save()
    audit_record(actor=actor, action="community.profile", target=division, before=before,
                 after={"area": area, "population": population, "households": households})
    return profile


@transaction.atomic
def volunteer_register(*, division: Division, actor, name: str, phone: str = "", resident=None,
                       registered_on: datetime.date | None = None) -> Volunteer:
    """Register a community volunteer (注册社区志愿者)."""
    division = _community(division)
    authz.require(actor, "planning.keep_communityprofile", division)
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("请填写志愿者姓名。"), code="name")
    today = timezone.localdate()
    registered_on = registered_on or today
    if registered_on > today:
        raise ServiceError(_("注册日期不能晚于今天。"), code="date")
    try:
        with transaction.atomic():
            volunteer = Volunteer.objects.create(
                community=division, name=name, phone=(phone or "").strip(), resident=resident,
                registered_on=registered_on, registered_by=actor)
    except IntegrityError:
        raise ServiceError(_("该志愿者已在本社区注册。"), code="duplicate") from None
    audit_record(actor=actor, action="volunteer.register", target=volunteer,
                 after={"community": division.pk, "registered_on": registered_on.isoformat()})
    return volunteer


@transaction.atomic
def volunteer_service_record(*, volunteer: Volunteer, actor, served_on: datetime.date, hours,
                             activity: str) -> VolunteerService:
    """Record one volunteer's service on one day."""
    volunteer = Volunteer.objects.select_related("community").get(pk=volunteer.pk)
    authz.require(actor, "planning.keep_communityprofile", volunteer.community)
    try:
        hours = Decimal(str(hours))
    except (InvalidOperation, ValueError):
        raise ServiceError(_("服务时长应为数字。"), code="hours") from None
    if not Decimal("0") < hours <= Decimal("24"):
        raise ServiceError(_("服务时长应在0至24小时之间。"), code="hours")
    if served_on > timezone.localdate():
        raise ServiceError(_("服务日期不能晚于今天。"), code="date")
    if served_on < volunteer.registered_on or (volunteer.left_on and served_on > volunteer.left_on):
        raise ServiceError(_("服务日期应在志愿者注册期间内。"), code="date")
    activity = (activity or "").strip()
    if not activity:
        raise ServiceError(_("请填写服务内容。"), code="activity")
    service = VolunteerService.objects.create(volunteer=volunteer, served_on=served_on,
                                              hours=hours.quantize(Decimal("0.1")),
                                              activity=activity[:200], recorded_by=actor)
    audit_record(actor=actor, action="volunteer.service", target=volunteer,
                 after={"served_on": served_on.isoformat(), "hours": str(service.hours)})
    return service


@transaction.atomic
def plan_targets_set(*, plan: str, year: int, actor, rows: list[dict]) -> list[PlanTarget]:
    """Replace the plan's targets for the year that the actor may set with rows
    [{division, area, indicator, value, binding, source}]; other divisions' targets stay."""
    plan = (plan or "").strip()
    if not plan:
        raise ServiceError(_("请填写规划名称。"), code="plan")
    if not 2000 <= int(year) <= 2100:
        raise ServiceError(_("目标年度不正确。"), code="year")
    authz.require(actor, "planning.change_plantarget")
    targets, seen = [], set()
    for row in rows:
        target = PlanTarget(plan=plan, year=year, division=row.get("division"),
                            area=row.get("area") or TargetArea.ALL, indicator=row["indicator"],
                            value=Decimal(str(row["value"])), binding=row.get("binding", True),
                            source=(row.get("source") or "").strip(), updated_by=actor)
        if target.indicator not in PlanIndicator.values or target.area not in TargetArea.values:
            raise ServiceError(_("指标或适用社区不正确。"), code="indicator")
        if target.value < 0 or (target.indicator in RATES and target.value > 100):
            raise ServiceError(_("“%(name)s”的目标值应在0至100之间。")
                               % {"name": target.get_indicator_display()}, code="value")
        key = (target.division_id, target.area, target.indicator)
        if key in seen:
            raise ServiceError(_("同一区划、同一类社区的“%(name)s”只能有一个目标。")
                               % {"name": target.get_indicator_display()}, code="duplicate")
        seen.add(key)
        authz.require(actor, "planning.change_plantarget", target)
        targets.append(target)
    allowed = target_divisions(actor)
    old = PlanTarget.objects.filter(plan=plan, year=year)
    if allowed is not None:
        old = old.filter(division__in=Division.objects.filter(allowed))
    before = [{"division": t.division_id, "area": t.area, "indicator": t.indicator,
               "value": str(t.value)} for t in old]
    old.delete()
    PlanTarget.objects.bulk_create(targets)
    audit_record(actor=actor, action="plan.targets", target=None, before={"rows": before},
                 after={"plan": plan, "year": year,
                        "rows": [{"division": t.division_id, "area": t.area,
                                  "indicator": t.indicator, "value": str(t.value)}
                                 for t in targets]})
    return targets
