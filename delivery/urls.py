from django.urls import path

from delivery import views

app_name = "delivery"
urlpatterns = [
    path("records/", views.ServiceRecordListView.as_view(), name="record-list"),
    path("records/<int:pk>/", views.ServiceRecordDetailView.as_view(), name="record-detail"),
    path("records/<int:pk>/confirm/", views.ServiceRecordConfirmView.as_view(),
         name="record-confirm"),
    path("contracts/<int:pk>/records/new/", views.ServiceRecordAddView.as_view(),
         name="record-add"),
    path("milestones/", views.MilestoneListView.as_view(), name="milestone-list"),
    path("milestones/<int:pk>/opinion-qr.svg", views.MilestoneOpinionQrView.as_view(),
         name="opinion-qr"),
    path("opinions/<str:token>/", views.OpinionView.as_view(), name="opinion"),
]
