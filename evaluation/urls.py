from django.urls import path

from evaluation import expert_views, score_views, views

app_name = "evaluation"
urlpatterns = [
    path("performance/", views.PerformanceListView.as_view(), name="performance-list"),
    path("performance/<int:pk>/", views.PerformanceDetailView.as_view(),
         name="performance-detail"),
    path("performance/<int:pk>/satisfaction/", views.SatisfactionView.as_view(),
         name="satisfaction"),
    path("performance/<int:pk>/satisfaction-qr.svg", views.SatisfactionQrView.as_view(),
         name="satisfaction-qr"),
    path("performance/<int:pk>/report.pdf", views.performance_report_pdf_download,
         name="performance-report-pdf"),
    # The committee's submitted scores and their correction (87号令 64).
    path("scores/", score_views.ScoreTenderListView.as_view(), name="score-list"),
    path("scores/tenders/<int:pk>/", score_views.ScoreSheetView.as_view(), name="score-sheets"),
    path("scores/items/<int:pk>/correct/", score_views.ScoreCorrectView.as_view(),
         name="score-correct"),
    path("tenders/<int:pk>/evaluation-report.pdf", views.evaluation_report_pdf_download,
         name="evaluation-report-pdf"),
    path("experts/", expert_views.ExpertListView.as_view(), name="expert-list"),
    path("experts/mine/", expert_views.my_expert_profile, name="expert-mine"),
    path("experts/<int:pk>/", expert_views.ExpertEditView.as_view(), name="expert-edit"),
    path("experts/<int:pk>/availability/", expert_views.ExpertAvailabilityView.as_view(),
         name="expert-availability"),
    path("contracts/<int:pk>/delivery/", views.ContractDeliveryView.as_view(),
         name="contract-delivery"),
    path("contracts/<int:pk>/contract.pdf", views.contract_pdf_download, name="contract-pdf"),
]
