"""Workspace URLs under /workspace/ (included by workflows.site)."""

from django.urls import path

from workflows.views.start import NeedSubmitView, ProjectDesignView
from workflows.views.tasks import TaskView

app_name = "workflows"

urlpatterns = [
    path("tasks/<int:task_pk>/", TaskView.as_view(), name="task"),
    path("needs/new/", NeedSubmitView.as_view(), name="need_submit"),
    path("projects/new/", ProjectDesignView.as_view(), name="project_design"),
]
