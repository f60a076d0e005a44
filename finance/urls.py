from django.urls import path

from finance import views

app_name = "finance"
urlpatterns = [
    path("ledger/", views.LedgerView.as_view(), name="ledger"),
    path("envelopes/<int:pk>/adjust/", views.EnvelopeAdjustView.as_view(), name="envelope-adjust"),
    path("tranches/", views.TrancheListView.as_view(), name="tranche-list"),
]
