"""Admin for service records and milestone reports (read-only: services change them)."""

from django.contrib import admin

from delivery.models import MilestoneReport, ServiceRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnlyAdmin):
    list_display = ["code", "contract", "served_on", "site", "participants", "is_late", "confirmed_at"]
    list_select_related = ["contract"]
    list_filter = ["is_late"]
    search_fields = ["code"]


@admin.register(MilestoneReport)
class MilestoneReportAdmin(ReadOnlyAdmin):
    list_display = ["contract", "kind", "status", "submitted_at", "decided_at"]
    list_select_related = ["contract"]
    list_filter = ["kind", "status"]
