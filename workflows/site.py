"""The back office at /workspace/: the role-aware inbox, the start pages and the task pages.

viewflow's own workflow pages (``WorkflowAppViewset`` and ``FlowViewset``: the inbox, queue and
archive, the process and task lists, the charts, and the assign, unassign, cancel, undo, revive
and process-cancel actions) are deliberately not mounted. They listed every project's processes
and tasks, with the names on them, to anyone holding a chain role, and let a superuser cancel or
reassign a chain task with no service and no audit row. A chain task is done on its own page
(``workflows.views.tasks``), which checks ``can_act_on_task`` and calls the step's service.
``tests/workflows/test_viewflow_routes.py`` fails when a viewflow page is mounted again.
"""

from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Site

from workflows.views.home import HomeView


class WorkspaceSite(Site):
    """viewflow's site for the page shell (menu, title) without its redirect to a first app."""

    index_path = None  # "" is the inbox; the site has no app to redirect to


URLPATTERNS = [
    path("", HomeView.as_view(), name="home"),
    path("", include("workflows.urls")),
]

site = WorkspaceSite(title=_("三社联动服务项目平台"), viewsets=[], urlpatterns=URLPATTERNS)
