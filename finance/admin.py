"""Admin for envelopes (created here; the amount then changes only through ``envelope_adjust``)
and the read-only money trail."""

from django.contrib import admin

from core.admin import ServiceManagedAdmin
from finance.models import BudgetCommitment, BudgetEnvelope, Payment, PaymentTranche


@admin.register(BudgetEnvelope)
class BudgetEnvelopeAdmin(admin.ModelAdmin):
    list_display = ["name", "fiscal_year", "funding_source", "division", "finance_bureau", "amount"]
    list_select_related = ["division", "finance_bureau"]
    list_filter = ["fiscal_year", "funding_source"]

    def get_readonly_fields(self, request, obj=None):
        """An existing envelope's amount changes only through the audited ``envelope_adjust``."""
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "amount"] if obj is not None else readonly


@admin.register(BudgetCommitment)
class BudgetCommitmentAdmin(ServiceManagedAdmin):
    list_display = ["project", "envelope", "amount", "status", "committed_at"]
    list_select_related = ["project", "envelope"]


@admin.register(PaymentTranche)
class PaymentTrancheAdmin(ServiceManagedAdmin):
    list_display = ["contract", "sequence", "condition", "percent", "amount", "payable_amount", "status"]
    list_select_related = ["contract"]
    list_filter = ["status", "condition"]


@admin.register(Payment)
class PaymentAdmin(ServiceManagedAdmin):
    list_display = ["voucher_number", "tranche", "amount", "paid_at"]
    list_select_related = ["tranche__contract"]
