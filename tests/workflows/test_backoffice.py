"""The Material back office lists the flows for the chain's roles (view permission via post_migrate)."""

import pytest
from django.contrib.auth.models import Group

from accounts.roles import Role
from tests.workflows.test_chain_http import Chain
from tests.workflows.test_task_access import approve_task, submitted_project


@pytest.mark.django_db
def test_role_groups_hold_flow_view_permissions():
    from workflows.apps import grant_flow_view_permissions

    grant_flow_view_permissions()  # idempotent
    for role in (Role.PURCHASER, Role.COMMUNITY, Role.FINANCE, Role.EXPERT):
        codenames = set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))
        assert {"view_serviceprojectprocess", "view_needprocess"} <= codenames


@pytest.mark.django_db
def test_flow_pages_render_and_execute_link_leads_to_task_page(world):
    project = submitted_project(world)
    task = approve_task(project)
    client = Chain(world).client(world.purchaser)
    for url in ["/workspace/workflow/inbox/", "/workspace/workflow/queue/",
                "/workspace/workflow/flows/serviceproject/",
                f"/workspace/workflow/flows/serviceproject/{task.process_id}/",
                "/workspace/workflow/flows/serviceproject/chart/"]:
        response = client.get(url)
        assert response.status_code == 200, url
    # viewflow's own "assign" is refused to another organization's purchaser.
    rival = Chain(world).client(world.outsiders["purchaser"])
    url = f"/workspace/workflow/flows/serviceproject/{task.process_id}/approve/{task.pk}/assign/"
    assert rival.post(url).status_code in (403, 404)
    task.refresh_from_db()
    assert task.owner_id is None
