from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("公共服务")

    def ready(self) -> None:
        from core import authz, calendar  # noqa: F401  (calendar connects its cache signals)

        authz.autodiscover()
