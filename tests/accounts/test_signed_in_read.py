"""The signed-in user and the memberships come in one statement (user_with_memberships).

Every signed-in request loads its user through accounts.backends.MembershipModelBackend and
nearly every one then asks the user's roles: the two reads are one prepared statement
(core.db), which must give exactly what the ORM gives.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.backends import MembershipModelBackend
from accounts.models import Membership, User
from accounts.selectors import user_memberships, user_roles, user_with_memberships
from tests.worlds import PAGE_WORLD, world_build


@pytest.fixture
def world(db):
    return world_build(**PAGE_WORLD)


def _values(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_every_user_comes_with_the_memberships_the_orm_reads(world, django_assert_num_queries):
    for name, user in world.everyone().items():
        if user is None:
            continue
        read = user_with_memberships(user.pk)
        assert _values(read) == _values(User.objects.get(pk=user.pk)), name
        expected = list(Membership.objects.filter(user_id=user.pk, is_active=True)
                        .select_related("organization").order_by("pk"))
        with django_assert_num_queries(0):  # the roles, organizations and user: all read
            got = user_memberships(read)
            assert [_values(m) for m in got] == [_values(m) for m in expected], name
            assert [m.organization and _values(m.organization) for m in got] == [
                m.organization and _values(m.organization) for m in expected], name
            assert all(m.user is read for m in got)
            user_roles(read)


def test_an_inactive_membership_is_left_out_and_one_without_organization_is_kept(world):
    staff = world.supplier_staff[0]
    Membership.objects.filter(user=staff).update(is_active=False)
    read = user_with_memberships(staff.pk)
    assert read == staff and user_memberships(read) == []

    expert = world.experts[0]
    (membership,) = user_memberships(user_with_memberships(expert.pk))
    assert membership.organization_id is None and membership.organization is None


@pytest.mark.parametrize("user_id", [10**9, 0, -5, 2**63, 2**80, "abc", "", None])
def test_an_id_that_names_no_user_is_none_never_a_database_error(world, user_id):
    assert user_with_memberships(user_id) is None


def test_the_backend_refuses_an_inactive_user(world):
    staff = world.supplier_staff[0]
    assert MembershipModelBackend().get_user(staff.pk) == staff
    User.objects.filter(pk=staff.pk).update(is_active=False)
    assert MembershipModelBackend().get_user(staff.pk) is None


def test_a_page_reads_the_user_and_the_memberships_in_one_statement(client, world):
    """A signed-in page: the user read joined with the memberships, no read of them alone."""
    client.force_login(world.supplier_staff[0])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("procurement:tender-list")).status_code == 200
    membership_table = connection.ops.quote_name(Membership._meta.db_table)
    user_table = connection.ops.quote_name(User._meta.db_table)
    joined = [q["sql"] for q in queries
              if f"FROM {user_table}" in q["sql"] and membership_table in q["sql"]]
    alone = [q["sql"] for q in queries if f"FROM {membership_table}" in q["sql"]]
    assert len(joined) == 1 and alone == [], (joined, alone)


def test_a_signed_in_user_made_inactive_is_signed_out(client, world):
    staff = world.supplier_staff[0]
    client.force_login(staff)
    assert client.get(reverse("procurement:tender-list")).status_code == 200
    User.objects.filter(pk=staff.pk).update(is_active=False)
    response = client.get(reverse("procurement:tender-list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
