"""Who supports which need (issue 8 item 10): a resident supports the needs of the community
they live in; docs/roles.md, the pages and the service agree."""

from pathlib import Path

import pytest
from django.urls import reverse

from accounts.roles import Role
from procurement.services.needs import need_submit
from tests.factories import user_with_role
from tests.worlds import audit_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def need(world):
    return need_submit(actor=world.resident, community=world.community_org, title="老人助餐",
                       category="elderly", target_group="独居老人", description="希望有助餐点")


def test_a_neighbour_supports_from_the_need_page(client, world, need):
    neighbour = user_with_role(Role.RESIDENT, world.community_org)
    client.force_login(neighbour)
    detail = reverse("procurement:need-detail", args=[need.pk])
    support = reverse("procurement:need-support", args=[need.pk])
    assert support in client.get(detail).content.decode()
    assert client.post(support).status_code == 302
    assert need.supports.filter(user=neighbour).exists()


def test_a_resident_of_another_community_gets_404_and_changes_nothing(client, world, need):
    client.force_login(world.outsiders["resident"])
    before = audit_count()
    assert client.get(reverse("procurement:need-detail", args=[need.pk])).status_code == 404
    assert client.post(reverse("procurement:need-support", args=[need.pk])).status_code == 404
    assert need.supports.count() == 0 and audit_count() == before
    assert not world.outsiders["resident"].has_perm("procurement.support_need", need)


def test_the_roles_document_says_the_same():
    roles = (Path(__file__).resolve().parents[2] / "docs" / "roles.md").read_text()
    assert "| `need_support` | ✓ 本社区居民（每人一次） |" in roles
    assert "any resident may support any community" not in roles
