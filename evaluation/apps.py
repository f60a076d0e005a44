from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("评审与绩效评价")

    def ready(self):
        # Models are loaded only now. Importing the permissions registers the committee's
        # experts as readers of the opened bids (a scope of procurement.view_bid).
        from evaluation import permissions, receivers  # noqa: F401

        receivers.connect()
