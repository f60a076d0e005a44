from django.urls import path

from planning import views

app_name = "planning"
urlpatterns = [
    path("", views.PlanMonitorView.as_view(), name="monitor"),
    path("targets/", views.PlanTargetsView.as_view(), name="targets"),
    path("communities/<int:pk>/", views.CommunityDataView.as_view(), name="community"),
]
