from django.urls import path

from accounts.api import OrganizationListCreateApi
from accounts.views import (
    IdentityChangeListView,
    IdentityChangeRequestView,
    IdentityChangeReviewView,
    RegistryDetailView,
    RegistryEndView,
    RegistryImportView,
    RegistryListView,
    RegistryRecordView,
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
    path("account/registry/", RegistryListView.as_view(), name="registry-list"),
    path("account/registry/import/", RegistryImportView.as_view(), name="registry-import"),
    path("account/registry/<int:pk>/", RegistryDetailView.as_view(), name="registry-detail"),
    path("account/registry/<int:pk>/<str:record>/", RegistryRecordView.as_view(),
         name="registry-record"),
    path("account/registry/<str:record>/<int:pk>/end/", RegistryEndView.as_view(),
         name="registry-end"),
    path("api/organizations/", OrganizationListCreateApi.as_view(), name="api-organizations"),
]
