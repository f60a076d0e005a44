from django.urls import path

from procurement import views

app_name = "procurement"
urlpatterns = [
    path("needs/", views.NeedListView.as_view(), name="need-list"),
    path("needs/<int:pk>/", views.NeedDetailView.as_view(), name="need-detail"),
    path("needs/<int:pk>/support/", views.need_support_view, name="need-support"),
    path("projects/", views.ProjectListView.as_view(), name="project-list"),
    path("projects/<int:pk>/", views.ProjectDetailView.as_view(), name="project-detail"),
    path("tenders/", views.TenderListView.as_view(), name="tender-list"),
    path("tenders/<int:pk>/", views.TenderDetailView.as_view(), name="tender-detail"),
    path("tenders/<int:pk>/bid/", views.BidSubmitView.as_view(), name="bid-submit"),
    path("bids/<int:pk>/", views.BidDetailView.as_view(), name="bid-detail"),
    path("bids/<int:pk>/withdraw/", views.bid_withdraw_view, name="bid-withdraw"),
    path("bids/<int:pk>/files/<int:file_pk>/delete/", views.bid_file_remove_view,
         name="bid-file-remove"),
    path("contracts/", views.ContractListView.as_view(), name="contract-list"),
    path("contracts/<int:pk>/", views.ContractDetailView.as_view(), name="contract-detail"),
]
