from django.urls import path

from procurement import api

app_name = "procurement-api"
urlpatterns = [
    path("tenders/", api.TenderListApi.as_view(), name="tender-list"),
    path("tenders/<int:pk>/bids/", api.TenderBidListApi.as_view(), name="tender-bids"),
    path("tenders/<int:pk>/opening-record/", api.TenderOpeningRecordApi.as_view(),
         name="tender-opening-record"),
    path("bids/<int:pk>/", api.BidDetailApi.as_view(), name="bid-detail"),
    path("bid-intakes/<int:pk>/", api.BidIntakeDetailApi.as_view(), name="bid-intake"),
]
