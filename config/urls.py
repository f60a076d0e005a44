from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView
from viewflow.contrib.auth import AuthViewset

from workflows.site import site

# Under /api/ a URL no route matches answers JSON like every API error (core.views).
handler404 = "core.views.page_not_found"

urlpatterns = [
    # Browsers ask for /favicon.ico whatever the page links (a 404 in every phone's console).
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("office/favicon.svg"),
                                              permanent=True)),
    path("", include("portal.urls")),
    path("accounts/", AuthViewset(with_profile_view=False).urls),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("core/", include("core.urls")),
    path("", include("accounts.urls")),
    path("api/procurement/", include("procurement.api_urls")),
    path("api/v1/", include("api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("workspace/procurement/", include("procurement.urls")),
    path("workspace/finance/", include("finance.urls")),
    path("workspace/evaluation/", include("evaluation.urls")),
    path("workspace/delivery/", include("delivery.urls")),
    path("workspace/plan/", include("planning.urls")),
    path("workspace/", site.urls),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
