from django.urls import path

from accounts.api import OrganizationListCreateApi
from accounts.views import (
    IdentityChangeListView,
    IdentityChangeRequestView,
    IdentityChangeReviewView,
    UserLanguageUpdateView,
)

app_name = "accounts"
urlpatterns = [
    path("account/language/", UserLanguageUpdateView.as_view(), name="language"),
    path("account/identity-changes/", IdentityChangeListView.as_view(),
         name="identity-change-list"),
    path("account/identity-changes/<int:pk>/", IdentityChangeReviewView.as_view(),
         name="identity-change-review"),
    path("account/organizations/<int:pk>/identity-change/", IdentityChangeRequestView.as_view(),
         name="identity-change-request"),
    path("api/organizations/", OrganizationListCreateApi.as_view(), name="api-organizations"),
]
