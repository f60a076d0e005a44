"""Each role reaches its dashboard from the menu and from the workspace home; no one else."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

DASHBOARDS = {"finance": "workflows:dashboard-finance", "purchaser": "workflows:dashboard-purchaser",
              "community": "workflows:dashboard-community",
              "social_org": "workflows:dashboard-social-org"}


def test_home_and_menu_link_each_users_dashboard_only(client, world):
    users = world.users()
    for who, name in DASHBOARDS.items():
        client.force_login(users[who])
        html = client.get(reverse("home")).content.decode()
        own = reverse(name)
        assert f'href="{own}" data-dashboard=' in html, who  # the home's button
        assert html.count(f'href="{own}"') == 2, who  # and the menu entry
        for other in set(DASHBOARDS.values()) - {name}:
            assert f'href="{reverse(other)}"' not in html, (who, other)
        assert client.get(own).status_code == 200, who
    client.force_login(users["resident"])
    html = client.get(reverse("home")).content.decode()
    assert "/workspace/dashboards/" not in html
