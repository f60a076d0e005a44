from django.urls import path

from portal import statistics, views

app_name = "portal"
urlpatterns = [
    path("", views.PortalIndexView.as_view(), name="index"),
    path("portal/tenders/", views.TenderListView.as_view(), name="tender-list"),
    path("portal/tenders/<int:pk>/", views.TenderDetailView.as_view(), name="tender-detail"),
    path("portal/tenders/<int:pk>/ocds.json", views.tender_ocds_release, name="tender-ocds"),
    path("portal/tenders/<int:pk>/ocds-record.json", views.tender_ocds_record,
         name="tender-ocds-record"),
    path("portal/ocds/<int:year>/releases.json", views.ocds_year_releases,
         name="ocds-year-releases"),
    path("portal/ocds/<int:year>/records.json", views.ocds_year_records,
         name="ocds-year-records"),
    path("portal/awards/", views.AwardListView.as_view(), name="award-list"),
    path("portal/contracts/", views.ContractListView.as_view(), name="contract-list"),
    path("portal/contracts/<int:pk>/", views.ContractDetailView.as_view(), name="contract-detail"),
    path("portal/contracts/<int:pk>/pdf/", views.contract_pdf_download, name="contract-pdf"),
    path("portal/performance/", views.GradeListView.as_view(), name="grade-list"),
    path("portal/needs/declined/", views.DeclinedNeedListView.as_view(), name="need-list"),
    path("portal/statistics/", statistics.StatisticsView.as_view(), name="statistics"),
]
