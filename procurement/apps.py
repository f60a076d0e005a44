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


BID_OWNER = "procurement.bid:"  # a bid's files record their owner so (core.files)


def _bids_named(entries) -> set[int]:
    """Return the ids of the bids the audit entries are about: the bid itself, or a file whose
    recorded owner is the bid."""
    named = set()
    for entry in entries:
        if entry.target_type == "procurement.bid" and str(entry.target_id).isdigit():
            named.add(int(entry.target_id))
        elif entry.target_type == "core.storedfile":
            for side in (entry.after, entry.before):
                owner = side.get("owner") if isinstance(side, dict) else None
                if isinstance(owner, str) and owner.startswith(BID_OWNER) \
                        and owner[len(BID_OWNER):].isdigit():
                    named.add(int(owner[len(BID_OWNER):]))
    return named


def sealed_bid_entries(entries=None):
    """Audit entries that would tell which organization bid while that is sealed: those about a
    bid of a tender not yet opened (or a withdrawn bid, never shown but to its bidder), and about
    its files (upload, removal), by the file's owner recorded in the entry. Given the entries
    asked about (a page of the audit list), only the bids they name are read, however many
    bids are sealed."""
    from django.db.models import Q

    from procurement.models import Bid

    bids = Bid.objects.filter(Q(tender__opened_at__isnull=True)
                              | Q(status=Bid.Status.WITHDRAWN))
    if entries is not None:
        bids = bids.filter(pk__in=_bids_named(entries))
    bid_ids = list(bids.values_list("pk", flat=True))
    owners = [f"{BID_OWNER}{pk}" for pk in bid_ids]
    return (Q(target_type="procurement.bid", target_id__in=[str(pk) for pk in bid_ids])
            | Q(target_type="core.storedfile", after__owner__in=owners)
            | Q(target_type="core.storedfile", before__owner__in=owners))
