"""Admin for service records and milestone reports (read-only: services change them)."""

from django.contrib import admin

from core.admin import ServiceManagedAdmin
from delivery.models import MilestoneReport, ServiceRecord, ServiceUserOpinion


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ServiceManagedAdmin):
    list_display = ["code", "contract", "served_on", "site", "participants", "is_late", "confirmed_at"]
    list_select_related = ["contract"]
    list_filter = ["is_late"]
    search_fields = ["code"]


@admin.register(MilestoneReport)
class MilestoneReportAdmin(ServiceManagedAdmin):
    list_display = ["contract", "kind", "status", "submitted_at", "decided_at"]
    list_select_related = ["contract"]
    list_filter = ["kind", "status"]


@admin.register(ServiceUserOpinion)
class ServiceUserOpinionAdmin(ServiceManagedAdmin):
    list_display = ["report", "score", "submitted_at"]
    list_select_related = ["report__contract"]
