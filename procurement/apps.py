from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = _("采购")

    def ready(self):
        from office.shell import NAV_COUNTS
        from procurement.selectors.questions import qa_pending_count

        NAV_COUNTS["procurement:qa-pending"] = qa_pending_count

        from core.audit import SEALED_ENTRY_CONDITIONS

        SEALED_ENTRY_CONDITIONS.append(sealed_bid_entries)


def sealed_bid_entries():
    """Audit entries that would tell which organization bid while that is sealed: those about a
    bid of a tender not yet opened (or a withdrawn bid, never shown but to its bidder), and about
    its files (upload, removal), by the file's owner recorded in the entry."""
    from django.db.models import Q

    from procurement.models import Bid

    bid_ids = list(Bid.objects.filter(Q(tender__opened_at__isnull=True)
                                      | Q(status=Bid.Status.WITHDRAWN))
                   .values_list("pk", flat=True))
    owners = [f"procurement.bid:{pk}" for pk in bid_ids]
    return (Q(target_type="procurement.bid", target_id__in=[str(pk) for pk in bid_ids])
            | Q(target_type="core.storedfile", after__owner__in=owners)
            | Q(target_type="core.storedfile", before__owner__in=owners))
