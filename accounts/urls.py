from django.urls import path

from accounts.api import OrganizationListCreateApi
from accounts.views import UserLanguageUpdateView

app_name = "accounts"
urlpatterns = [
    path("account/language/", UserLanguageUpdateView.as_view(), name="language"),
    path("api/organizations/", OrganizationListCreateApi.as_view(), name="api-organizations"),
]
