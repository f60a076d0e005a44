from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = _("采购")

    def ready(self):
        from office.shell import NAV_COUNTS
        from procurement.selectors.questions import qa_pending_count

        NAV_COUNTS["procurement:qa-pending"] = qa_pending_count
