"""Who reads the plan's monitoring, who sets its targets and who keeps a community's data.

- The monitoring (planning.view_communityprofile): platform admins see every community; the
  民政局 (purchaser), 纪检/审计 (supervisor) and finance staff see the communities under their
  organization's division; a community's staff see their own community.
- Targets (planning.change_plantarget): platform admins for any division and the whole city; a
  purchaser's staff for divisions under its own (not the city-wide targets).
- A community's population, volunteers and volunteer service
  (planning.keep_communityprofile): the staff of the 居委会/村委会 of that community.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Division
from accounts.roles import Role
from accounts.selectors import is_platform_admin, user_memberships
from core.authz import rule
from core.permissions import Decision, allow, deny

READERS = (Role.PURCHASER, Role.SUPERVISOR, Role.FINANCE)


def _under(division_id: int) -> Q:
    """Communities (level community) under (or equal to) the division."""
    return (Q(pk=division_id) | Q(parent_id=division_id) | Q(parent__parent_id=division_id)
            | Q(parent__parent__parent_id=division_id))


def community_scope(user) -> Q:
    """Return the condition on Division selecting the communities the user's monitoring covers."""
    nothing = Q(pk__in=[])
    if is_platform_admin(user):
        return Q(level=Division.Level.COMMUNITY)
    condition = nothing
    for m in user_memberships(user):
        if m.organization_id is None:
            continue
        if m.role in READERS:
            condition |= _under(m.organization.division_id)
        elif m.role == Role.COMMUNITY:
            condition |= Q(pk=m.organization.division_id)
    return condition & Q(level=Division.Level.COMMUNITY) if condition != nothing else nothing


def may_monitor(user) -> bool:
    """Return whether the user may open the plan monitoring at all."""
    return is_platform_admin(user) or any(
        m.role in (*READERS, Role.COMMUNITY) and m.organization_id for m in user_memberships(user))


@rule("planning.view_communityprofile", model_level=True)
def can_monitor(user, division=None) -> Decision:
    """Return whether user may read the plan monitoring (of division, when given)."""
    if not may_monitor(user):
        return deny(_("无权查看规划目标监测。"))
    if division is not None and not Division.objects.filter(community_scope(user),
                                                            pk=division.pk).exists():
        return deny(_("该社区不在您的管辖范围内。"))
    return allow()


def target_divisions(user) -> Q | None:
    """Return the condition on Division of the divisions user may set targets for; None: all
    (and the city-wide targets)."""
    if is_platform_admin(user):
        return None
    condition = Q(pk__in=[])
    for m in user_memberships(user):
        if m.role == Role.PURCHASER and m.organization_id:
            condition |= _under(m.organization.division_id)
    return condition


@rule("planning.change_plantarget", model_level=True)
def can_set_targets(user, target=None) -> Decision:
    """Return whether user may set this target (or targets at all, without one)."""
    allowed = target_divisions(user)
    if allowed is None:
        return allow()
    if allowed == Q(pk__in=[]):
        return deny(_("只有民政部门（购买主体）或平台管理员可以设置规划目标。"))
    if target is None:
        return allow()
    if target.division_id is None:
        return deny(_("全市目标只能由平台管理员设置。"))
    if not Division.objects.filter(allowed, pk=target.division_id).exists():
        return deny(_("只能为本单位辖区内的区划设置目标。"))
    return allow()


@rule("planning.keep_communityprofile")
def can_keep_community(user, division) -> Decision:
    """Return whether user keeps the community's data (its 居委会/村委会 staff)."""
    if division is not None and any(
            m.role == Role.COMMUNITY and m.organization_id
            and m.organization.division_id == division.pk for m in user_memberships(user)):
        return allow()
    return deny(_("只有本社区居委会/村委会的工作人员可以登记社区人口和志愿者。"))
