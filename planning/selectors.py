"""The plan monitoring: each community's actuals against the targets that apply to it.

Actuals for a year, per community (a Division of level community), each from one SQL aggregate:
- 社区社会组织: active social organizations registered in the community's division;
- 专业社会工作者: certified social workers (SocialWorkerProfile) of an organization registered in
  the community, serving on the team of a contract of a project in the community that runs
  during the year, or recording services for such a project in the year (distinct people);
- 注册志愿者比例: volunteers registered by the year's end and not left before it / population;
- 参加志愿服务比例: volunteers with at least one service recorded in the year / population.

The target that applies to a community is the most specific one of the plan and year: its own
division before its street's, its district's and the city-wide one; its area type's before "all".
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q

from accounts.models import Division, Organization, SocialWorkerProfile
from delivery.models import ServiceRecord
from planning.models import (
    CommunityProfile,
    PlanIndicator,
    PlanTarget,
    TargetArea,
    Volunteer,
    VolunteerService,
)
from planning.permissions import community_scope
from procurement.models import Contract, ContractTeamMember

INDICATORS = list(PlanIndicator)
RATES = (PlanIndicator.VOLUNTEER_RATE, PlanIndicator.PARTICIPATION_RATE)


@dataclass
class Measure:
    indicator: str
    actual: Decimal | None  # None: cannot be measured (no population recorded)
    target: PlanTarget | None

    @property
    def label(self) -> str:
        return PlanIndicator(self.indicator).label

    @property
    def met(self) -> bool | None:
        if self.target is None or self.actual is None:
            return None
        return self.actual >= self.target.value


@dataclass
class CommunityRow:
    division: Division
    street: Division | None
    profile: CommunityProfile | None
    counts: dict
    measures: list = field(default_factory=list)

    @property
    def unmet(self) -> int:
        return sum(1 for m in self.measures if m.met is False)


@dataclass
class StreetRow:
    street: Division | None
    communities: int
    population: int
    counts: dict
    met: dict  # indicator -> [communities meeting, communities with a target]

    @property
    def met_list(self) -> list:
        return [self.met[i] for i in INDICATORS]


def _rate(part: int, whole: int | None) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def plans() -> list[tuple[str, int]]:
    """Return the (plan, year) pairs that have targets, newest year first."""
    return list(PlanTarget.objects.values_list("plan", "year").distinct().order_by("-year", "plan"))


def applicable_target(targets: list[PlanTarget], division: Division, area: str | None,
                      indicator: str) -> PlanTarget | None:
    """Return the most specific target of indicator for a community (see the module doc)."""
    street = division.parent
    chain = [division.pk, street.pk if street else None,
             street.parent_id if street else None,
             street.parent.parent_id if street and street.parent_id else None]
    best, best_key = None, None
    for t in targets:
        if t.indicator != indicator or (t.area != TargetArea.ALL and t.area != area):
            continue
        if t.division_id is None:
            depth = len(chain)
        elif t.division_id in chain:
            depth = chain.index(t.division_id)
        else:
            continue
        key = (depth, t.area == TargetArea.ALL)
        if best_key is None or key < best_key:
            best, best_key = t, key
    return best


def community_counts(division_ids: list[int], year: int) -> dict[int, dict]:
    """Return {community id: {indicator counts}} in six queries."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    counts = {pk: {"orgs": 0, "workers": 0, "volunteers": 0, "participants": 0}
              for pk in division_ids}
    for pk, n in (Organization.objects.filter(division_id__in=division_ids, is_active=True,
                                              kind=Organization.Kind.SOCIAL_ORG)
                  .values_list("division_id").annotate(n=Count("id"))):
        counts[pk]["orgs"] = n
    workers: dict[int, set] = {pk: set() for pk in division_ids}
    for pk, worker in SocialWorkerProfile.objects.filter(
            organization__division_id__in=division_ids,
            organization__is_active=True).values_list("organization__division_id", "user_id"):
        workers[pk].add(worker)
    running = Q(contract__start_date__lte=end, contract__end_date__gte=start,
                contract__status__in=[Contract.Status.SIGNED, Contract.Status.COMPLETED])
    for pk, worker in (ContractTeamMember.objects.filter(
            running, contract__project__community__division_id__in=division_ids)
            .filter(Q(left_at__isnull=True) | Q(left_at__date__gte=start))
            .values_list("contract__project__community__division_id", "worker__user_id")
            .order_by().distinct()):  # no Meta.ordering columns in the DISTINCT
        workers[pk].add(worker)
    for pk, worker in (ServiceRecord.objects.filter(
            contract__project__community__division_id__in=division_ids,
            served_on__range=(start, end), social_worker__social_worker_profile__isnull=False)
            .values_list("contract__project__community__division_id", "social_worker_id")
            .order_by().distinct()):
        workers[pk].add(worker)
    for pk, people in workers.items():
        counts[pk]["workers"] = len(people)
    for pk, n in (Volunteer.objects.filter(community_id__in=division_ids, registered_on__lte=end)
                  .filter(Q(left_on__isnull=True) | Q(left_on__gte=end))
                  .values_list("community_id").annotate(n=Count("id"))):
        counts[pk]["volunteers"] = n
    for pk, n in (VolunteerService.objects.filter(volunteer__community_id__in=division_ids,
                                                  served_on__range=(start, end))
                  .values_list("volunteer__community_id")
                  .annotate(n=Count("volunteer_id", distinct=True))):
        counts[pk]["participants"] = n
    return counts


def _measures(counts: dict, population: int | None) -> dict:
    return {
        PlanIndicator.COMMUNITY_SOCIAL_ORGS: Decimal(counts["orgs"]),
        PlanIndicator.SOCIAL_WORKERS: Decimal(counts["workers"]),
        PlanIndicator.VOLUNTEER_RATE: _rate(counts["volunteers"], population),
        PlanIndicator.PARTICIPATION_RATE: _rate(counts["participants"], population),
    }


def plan_monitoring(*, user, plan: str, year: int, measured: int | None = None,
                    street_id: int | None = None, area: str | None = None,
                    division_id: int | None = None) -> list[CommunityRow]:
    """Return one row per community the user may see: its actuals in the year ``measured``
    (default: the target year) against the plan's targets for ``year`` (seven queries whatever
    the number of communities)."""
    communities = (Division.objects.filter(community_scope(user))
                   .filter(**({"parent_id": street_id} if street_id else {}))
                   .filter(**({"pk": division_id} if division_id else {})))
    return community_rows(communities, plan=plan, year=year, measured=measured, area=area)


def communities_under(division: Division):
    """Return the communities (level community) under or equal to the division."""
    return Division.objects.filter(
        Q(pk=division.pk) | Q(parent_id=division.pk) | Q(parent__parent_id=division.pk)
        | Q(parent__parent__parent_id=division.pk), level=Division.Level.COMMUNITY)


def community_rows(communities, *, plan: str, year: int, measured: int | None = None,
                   area: str | None = None) -> list[CommunityRow]:
    """Return the rows of the given communities (a Division queryset already scoped)."""
    communities = list(communities.select_related("parent__parent", "profile")
                       .order_by("parent__code", "code", "name"))
    if area:
        communities = [c for c in communities
                       if getattr(getattr(c, "profile", None), "area", None) == area]
    targets = list(PlanTarget.objects.filter(plan=plan, year=year))
    counts = community_counts([c.pk for c in communities], measured or year)
    rows = []
    for c in communities:
        profile = getattr(c, "profile", None)
        actuals = _measures(counts[c.pk], profile.population if profile else None)
        row = CommunityRow(division=c, street=c.parent, profile=profile, counts=counts[c.pk])
        row.measures = [Measure(indicator=i, actual=actuals[i],
                                target=applicable_target(targets, c, profile.area if profile else None, i))
                        for i in INDICATORS]
        rows.append(row)
    return rows


def street_summary(rows: list[CommunityRow]) -> list[StreetRow]:
    """Return one row per street: communities, population, totals and how many meet each target."""
    streets: dict = {}
    for row in rows:
        key = row.street.pk if row.street else None
        s = streets.setdefault(key, StreetRow(street=row.street, communities=0, population=0,
                                              counts={"orgs": 0, "workers": 0, "volunteers": 0,
                                                      "participants": 0},
                                              met={i: [0, 0] for i in INDICATORS}))
        s.communities += 1
        s.population += row.profile.population if row.profile else 0
        for k in s.counts:
            s.counts[k] += row.counts[k]
        for m in row.measures:
            if m.met is not None:
                s.met[m.indicator][1] += 1
                s.met[m.indicator][0] += int(m.met)
    return list(streets.values())


def met_totals(streets: list[StreetRow]) -> list[list[int]]:
    """Return, per indicator (in PlanIndicator order), [communities meeting it, communities with
    a target] over the streets of street_summary."""
    return [[sum(s.met[i][0] for s in streets), sum(s.met[i][1] for s in streets)]
            for i in INDICATORS]
