"""The back office at /workspace/: the role-aware home, the task pages and viewflow's Material apps.

To add list/detail viewsets, either append them to ``VIEWSETS`` below, or define a list named
``VIEWSETS`` in ``<app>/viewsets.py`` of one of ``VIEWSET_APPS``: it is picked up here.
"""

from importlib import import_module

from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Site
from viewflow.workflow.flow.viewset import FlowViewset, WorkflowAppViewset

from workflows.flows import NeedFlow, ServiceProjectFlow
from workflows.views.home import HomeView

VIEWSET_APPS = ["procurement", "evaluation", "delivery", "finance", "accounts", "core"]

VIEWSETS = [
    WorkflowAppViewset(
        title=_("流程"),
        flow_viewsets=[
            FlowViewset(NeedFlow, icon="record_voice_over"),
            FlowViewset(ServiceProjectFlow, icon="assignment"),
        ],
    ),
]


def _app_viewsets() -> list:
    found = []
    for app in VIEWSET_APPS:
        try:
            module = import_module(f"{app}.viewsets")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.viewsets":
                raise
            continue
        found.extend(getattr(module, "VIEWSETS", []))
    return found


URLPATTERNS = [
    path("", HomeView.as_view(), name="home"),
    path("", include("workflows.urls")),
]

site = Site(
    title=_("三社联动服务项目平台"), viewsets=VIEWSETS + _app_viewsets(), urlpatterns=URLPATTERNS,
)
