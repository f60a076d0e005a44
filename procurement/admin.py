"""Read-only admin for procurement records; bids of unopened tenders are invisible to everyone.

State changes go through the services, never through the admin. The bid admin hides every bid
whose tender has not been opened, for superusers too: a sealed bid's price, proposal and even its
existence stay out of the changelist, the change page, the history and any bulk action.
"""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, is_admin_request
from procurement.models import (
    Award,
    Bid,
    BudgetLine,
    Contract,
    Deliverable,
    Indicator,
    Need,
    ServiceProject,
    Tender,
    TenderCriterion,
)


class ReadOnlyModelAdmin(ReadOnlyAdmin):
    """Let platform admins look, with no bulk actions (not even an export of sealed rows)."""

    actions = None


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return is_admin_request(request)


@admin.register(Need)
class NeedAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "title", "category", "community", "status", "submitted_at"]
    list_filter = ["status", "category"]
    search_fields = ["title", "community__name"]
    list_select_related = ["community"]


class DeliverableInline(ReadOnlyInline):
    model = Deliverable


class IndicatorInline(ReadOnlyInline):
    model = Indicator


class BudgetLineInline(ReadOnlyInline):
    model = BudgetLine


@admin.register(ServiceProject)
class ServiceProjectAdmin(ReadOnlyModelAdmin):
    list_display = ["code", "title", "community", "purchaser", "budget_amount", "status"]
    list_filter = ["status", "fiscal_year", "funding_source"]
    search_fields = ["code", "title"]
    list_select_related = ["community", "purchaser"]
    inlines = [DeliverableInline, IndicatorInline, BudgetLineInline]


class TenderCriterionInline(ReadOnlyInline):
    model = TenderCriterion


@admin.register(Tender)
class TenderAdmin(ReadOnlyModelAdmin):
    # No bid inline and no bid count: before opening even the number of bidders is confidential.
    list_display = ["code", "title", "method", "budget_amount", "bid_deadline", "status"]
    list_filter = ["status", "method"]
    search_fields = ["code", "title"]
    list_select_related = ["project"]
    inlines = [TenderCriterionInline]


@admin.register(Bid)
class BidAdmin(ReadOnlyModelAdmin):
    """Bids of opened tenders only; sealed bids do not exist here, whoever asks."""

    list_display = ["id", "tender", "organization", "price", "status", "rank", "final_score"]
    # The opening record (names, prices) is public after opening; proposals never are.
    exclude = ["proposal"]
    list_filter = ["status"]
    search_fields = ["tender__code", "organization__name"]
    list_select_related = ["tender", "organization"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(tender__opened_at__isnull=False)

    def has_view_permission(self, request, obj=None):
        if obj is not None and obj.tender.opened_at is None:
            return False
        return super().has_view_permission(request, obj)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset.filter(tender__opened_at__isnull=False), may_have_duplicates


@admin.register(Award)
class AwardAdmin(ReadOnlyModelAdmin):
    list_display = ["tender", "bid", "amount", "confirmed_at"]
    list_select_related = ["tender", "bid__organization", "bid__tender"]


@admin.register(Contract)
class ContractAdmin(ReadOnlyModelAdmin):
    list_display = ["code", "project", "supplier", "amount", "status", "start_date", "end_date"]
    list_filter = ["status"]
    search_fields = ["code", "project__code", "supplier__name"]
    list_select_related = ["project", "supplier"]
