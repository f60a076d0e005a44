"""/api/v1/: the partner API (docs/api.md)."""

from django.urls import path

from api import views

app_name = "api-v1"
urlpatterns = [
    # Public (no login): what the portal publishes.
    path("public/tenders/", views.PublicTenderListApi.as_view(), name="public-tenders"),
    path("public/tenders/<int:pk>/", views.PublicTenderDetailApi.as_view(),
         name="public-tender"),
    path("public/awards/", views.PublicAwardListApi.as_view(), name="public-awards"),
    path("public/contracts/", views.PublicContractListApi.as_view(), name="public-contracts"),
    path("public/contracts/<int:pk>/", views.PublicContractDetailApi.as_view(),
         name="public-contract"),
    path("public/results/", views.PublicResultListApi.as_view(), name="public-results"),
    # Each role's own objects and actions.
    path("needs/", views.NeedListApi.as_view(), name="needs"),
    path("needs/<int:pk>/", views.NeedDetailApi.as_view(), name="need"),
    path("needs/<int:pk>/support/", views.NeedSupportApi.as_view(), name="need-support"),
    path("tenders/", views.V1TenderListApi.as_view(), name="tenders"),
    path("tenders/<int:pk>/bids/", views.V1TenderBidListApi.as_view(), name="tender-bids"),
    path("tenders/<int:pk>/opening-record/", views.V1TenderOpeningRecordApi.as_view(),
         name="tender-opening-record"),
    path("bids/", views.OwnBidListApi.as_view(), name="bids"),
    path("bids/<int:pk>/", views.V1BidDetailApi.as_view(), name="bid"),
    path("bid-intakes/<int:pk>/", views.V1BidIntakeDetailApi.as_view(), name="bid-intake"),
    path("bids/<int:pk>/withdraw/", views.BidWithdrawApi.as_view(), name="bid-withdraw"),
    path("bids/<int:pk>/receipts/", views.BidReceiptListApi.as_view(), name="bid-receipts"),
    path("committee-seats/", views.CommitteeSeatListApi.as_view(), name="seats"),
    path("committee-seats/<int:pk>/scores/", views.CommitteeSeatScoresApi.as_view(),
         name="seat-scores"),
    path("service-records/", views.ServiceRecordListApi.as_view(), name="service-records"),
    path("contracts/<int:pk>/service-records/", views.ServiceRecordCreateApi.as_view(),
         name="contract-service-records"),
    path("payments/", views.PaymentListApi.as_view(), name="payments"),
    path("organizations/", views.V1OrganizationListCreateApi.as_view(), name="organizations"),
    # Tokens.
    path("tokens/", views.TokenListApi.as_view(), name="tokens"),
    path("tokens/<int:pk>/revoke/", views.TokenRevokeApi.as_view(), name="token-revoke"),
]
