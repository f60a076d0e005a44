from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("资金")

    def ready(self):
        from finance import receivers  # models are loaded only now

        receivers.connect()
