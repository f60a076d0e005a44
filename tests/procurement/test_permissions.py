"""Rules of procurement.permissions not covered by the service matrix: reading needs and bids."""

import pytest

from accounts.roles import Role
from procurement.selectors import bid_list_for_user, need_list_for_user
from procurement.services.needs import need_accept, need_submit, need_support
from tests.factories import user_with_role
from tests.worlds import bids_opened_at_deadline, bids_submitted, project_draft, tender_published

pytestmark = pytest.mark.django_db


def _accepted_need(world):
    need = need_submit(actor=world.resident, community=world.community_org, title="独居老人探访",
                       category="elderly", target_group="独居老人", description="每周探访")
    return need_accept(need=need, actor=world.community)


def test_purchaser_of_a_project_answering_a_need_sees_the_need(world):
    need = _accepted_need(world)
    # Before any project answers it the need belongs to its community (and its submitter).
    assert not world.purchaser.has_perm("procurement.view_need", need)
    project_draft(world, needs=[need])
    for user in (world.resident, world.community, world.purchaser):
        assert user.has_perm("procurement.view_need", need)
        assert list(need_list_for_user(user=user)) == [need]
        assert need.user_can_download_file(user)
    for user in (world.outsiders["purchaser"], world.outsiders["community"], world.finance, world.admin,
                 world.superuser):
        assert not user.has_perm("procurement.view_need", need)
        assert not need_list_for_user(user=user).exists()


def test_need_list_counts_supports_once_when_a_need_is_answered_twice(world):
    need = _accepted_need(world)
    need_support(need=need, actor=user_with_role(Role.RESIDENT, world.community_org))
    project_draft(world, needs=[need])
    project_draft(world, needs=[need])
    # Two projects join the need twice; the scope's subquery keeps one row and one count.
    (row,) = need_list_for_user(user=world.purchaser)
    assert row.support_count == 1


def test_bid_scope_list_and_object_agree_for_every_role(world, clock):
    tender = tender_published(world)
    bids = bids_submitted(world, tender)
    everyone = [world.purchaser, world.community, world.finance, world.admin, world.superuser,
                world.outsiders["purchaser"], *world.supplier_staff]

    def readable(user):
        listed = set(bid_list_for_user(user=user, tender=tender))
        assert listed == {b for b in bids if user.has_perm("procurement.view_bid", b)}
        return listed

    # Sealed: each bidder its own bid, nobody else anything.
    for i, staff in enumerate(world.supplier_staff[:3]):
        assert readable(staff) == {bids[i]}
    assert all(readable(u) == set() for u in everyone[:6])
    bids_opened_at_deadline(clock, tender)
    for bid in bids:
        bid.refresh_from_db()
    assert readable(world.purchaser) == set(bids)
    assert readable(world.supplier_staff[0]) == {bids[0]}
    for user in (world.community, world.finance, world.admin, world.superuser,
                 world.outsiders["purchaser"]):
        assert readable(user) == set()


def test_who_may_submit_needs_and_design_projects_at_all(world):
    # Model-level rules: the inbox buttons, the need list's button and the start pages ask them.
    for user in (world.resident, world.community):
        assert user.has_perm("procurement.propose_need")
    assert world.community.has_perm("procurement.design_serviceproject")
    assert not world.resident.has_perm("procurement.design_serviceproject")
    for user in (world.purchaser, world.finance, world.admin, world.superuser,
                 *world.supplier_staff):
        assert not user.has_perm("procurement.propose_need")
        assert not user.has_perm("procurement.design_serviceproject")
