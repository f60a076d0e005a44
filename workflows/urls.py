"""Workspace URLs under /workspace/ (included by workflows.site)."""

from django.urls import path

from workflows.dashboards import views as dashboards
from workflows.views.start import NeedSubmitView, ProjectDesignView
from workflows.views.tasks import TaskView

app_name = "workflows"

urlpatterns = [
    path("tasks/<int:task_pk>/", TaskView.as_view(), name="task"),
    path("needs/new/", NeedSubmitView.as_view(), name="need_submit"),
    path("projects/new/", ProjectDesignView.as_view(), name="project_design"),
    # Dashboards per role (workflows.dashboards), each for one of the user's organizations.
    path("dashboards/finance/", dashboards.FinanceDashboardView.as_view(),
         name="dashboard-finance"),
    path("dashboards/finance/<int:org>/", dashboards.FinanceDashboardView.as_view(),
         name="dashboard-finance-org"),
    path("dashboards/purchaser/", dashboards.PurchaserDashboardView.as_view(),
         name="dashboard-purchaser"),
    path("dashboards/purchaser/<int:org>/", dashboards.PurchaserDashboardView.as_view(),
         name="dashboard-purchaser-org"),
    path("dashboards/purchaser/<int:org>/annual-<int:year>.pdf",
         dashboards.PurchaserAnnualReportView.as_view(), name="annual-report-org"),
    path("dashboards/community/", dashboards.CommunityDashboardView.as_view(),
         name="dashboard-community"),
    path("dashboards/community/<int:org>/", dashboards.CommunityDashboardView.as_view(),
         name="dashboard-community-org"),
    path("dashboards/social-org/", dashboards.SocialOrgDashboardView.as_view(),
         name="dashboard-social-org"),
    path("dashboards/social-org/<int:org>/", dashboards.SocialOrgDashboardView.as_view(),
         name="dashboard-social-org-org"),
]
