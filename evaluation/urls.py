from django.urls import path

from evaluation import expert_views, views

app_name = "evaluation"
urlpatterns = [
    path("performance/", views.PerformanceListView.as_view(), name="performance-list"),
    path("performance/<int:pk>/", views.PerformanceDetailView.as_view(),
         name="performance-detail"),
    path("performance/<int:pk>/satisfaction/", views.SatisfactionView.as_view(),
         name="satisfaction"),
    path("performance/<int:pk>/report.pdf", views.performance_report_pdf_download,
         name="performance-report-pdf"),
    path("experts/", expert_views.ExpertListView.as_view(), name="expert-list"),
    path("experts/mine/", expert_views.my_expert_profile, name="expert-mine"),
    path("experts/<int:pk>/", expert_views.ExpertEditView.as_view(), name="expert-edit"),
    path("experts/<int:pk>/availability/", expert_views.ExpertAvailabilityView.as_view(),
         name="expert-availability"),
    path("contracts/<int:pk>/contract.pdf", views.contract_pdf_download, name="contract-pdf"),
]
