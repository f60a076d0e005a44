import pytest

from accounts.roles import Role
from core.exceptions import PermissionDenied, ServiceError
from core.models import Notification
from procurement.models import Need
from procurement.services.needs import (
    need_accept,
    need_decline,
    need_merge,
    need_submit,
    need_support,
)
from tests.factories import user_with_role
from tests.worlds import audit_count

pytestmark = pytest.mark.django_db


def submit(w, actor=None):
    return need_submit(actor=actor or w.resident, community=w.community_org, title="老人助餐",
                       category="elderly", target_group="独居老人", description="希望有助餐点")


def test_resident_submits_need_and_staff_is_notified(world):
    need = submit(world)
    assert need.status == Need.Status.SUBMITTED
    assert audit_count("need.submit") == 1
    assert Notification.objects.filter(recipient=world.community, title__contains="老人助餐").exists()


@pytest.mark.parametrize("who", ["other_resident", "other_community", "purchaser", "finance",
                                 "social_org", "admin", "superuser"])
def test_need_submit_denied(world, who):
    before = audit_count()
    with pytest.raises(PermissionDenied):
        submit(world, actor=world.users()[who])
    assert Need.objects.count() == 0 and audit_count() == before


def test_support_once(world):
    need = submit(world)
    neighbour = user_with_role(Role.RESIDENT, world.community_org)
    need_support(need=need, actor=neighbour)
    with pytest.raises(ServiceError):
        need_support(need=need, actor=neighbour)
    assert need.supports.count() == 1


def test_a_resident_of_another_community_cannot_support(world):
    """Residents weigh on their own community's needs (docs/roles.md need_support)."""
    need = submit(world)
    before = audit_count()
    with pytest.raises(PermissionDenied, match="本人所在社区"):
        need_support(need=need, actor=world.outsiders["resident"])
    assert need.supports.count() == 0 and audit_count() == before


@pytest.mark.parametrize("who", ["community", "purchaser", "admin", "superuser"])
def test_support_denied_for_non_residents(world, who):
    need = submit(world)
    with pytest.raises(PermissionDenied):
        need_support(need=need, actor=world.users()[who])
    assert need.supports.count() == 0


@pytest.mark.parametrize("action", ["accept", "merge", "decline"])
def test_triage_allowed_for_community_staff(world, action):
    need = submit(world)
    other = submit(world)
    if action == "accept":
        need_accept(need=need, actor=world.community)
        expected = Need.Status.ACCEPTED
    elif action == "merge":
        need_merge(need=need, into=other, actor=world.community, reason="重复")
        expected = Need.Status.MERGED
    else:
        need_decline(need=need, actor=world.community, reason="不属于服务范围")
        expected = Need.Status.DECLINED
    need.refresh_from_db()
    assert need.status == expected
    assert audit_count(f"need.{action}") == 1
    assert Notification.objects.filter(recipient=world.resident).count() == 1


@pytest.mark.parametrize("who", ["resident", "other_community", "purchaser", "admin", "superuser"])
@pytest.mark.parametrize("action", ["accept", "merge", "decline"])
def test_triage_denied(world, who, action):
    need = submit(world)
    other = submit(world)
    before = audit_count()
    actor = world.users()[who]
    with pytest.raises(PermissionDenied):
        if action == "accept":
            need_accept(need=need, actor=actor)
        elif action == "merge":
            need_merge(need=need, into=other, actor=actor)
        else:
            need_decline(need=need, actor=actor, reason="x")
    need.refresh_from_db()
    assert need.status == Need.Status.SUBMITTED and audit_count() == before


def test_decline_needs_reason_and_state(world):
    need = submit(world)
    with pytest.raises(ServiceError):
        need_decline(need=need, actor=world.community, reason=" ")
    need_accept(need=need, actor=world.community)
    with pytest.raises(ServiceError):
        need_accept(need=need, actor=world.community)


def test_merge_into_self_or_other_community_refused(world):
    need = submit(world)
    other_org = world.outsiders["resident"].memberships.get().organization
    foreign = need_submit(actor=world.outsiders["resident"], community=other_org, title="别处需求",
                          category="elderly", target_group="老人", description="描述")
    with pytest.raises(ServiceError):
        need_merge(need=need, into=need, actor=world.community)
    with pytest.raises(ServiceError):
        need_merge(need=need, into=foreign, actor=world.community)
    need.refresh_from_db()
    assert need.status == Need.Status.SUBMITTED
