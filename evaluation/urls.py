from django.urls import path

from evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("performance/", views.PerformanceListView.as_view(), name="performance-list"),
    path("performance/<int:pk>/", views.PerformanceDetailView.as_view(),
         name="performance-detail"),
    path("performance/<int:pk>/satisfaction/", views.SatisfactionView.as_view(),
         name="satisfaction"),
    path("performance/<int:pk>/report.pdf", views.performance_report_pdf_download,
         name="performance-report-pdf"),
    path("contracts/<int:pk>/contract.pdf", views.contract_pdf_download, name="contract-pdf"),
]
