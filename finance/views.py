"""Back-office pages for money: the budget ledger and payment tranches (approvals are flow tasks)."""

from decimal import Decimal

from django.http import Http404
from django.views.generic import TemplateView

from accounts.roles import Role
from accounts.selectors import user_has_role
from finance import selectors
from finance.models import PaymentTranche
from office.shell import OfficeListMixin, OfficeMixin


class LedgerView(OfficeMixin, TemplateView):
    """Show the finance bureau's envelopes: amount → committed → contracted → paid."""

    template_name = "finance/ledger.html"

    def get_context_data(self, **kwargs):
        if not user_has_role(self.request.user, Role.FINANCE):
            raise Http404
        context = super().get_context_data(**kwargs)
        rows = selectors.ledger_for_user(user=self.request.user)
        zero = Decimal("0.00")
        context.update(
            rows=rows,
            totals={
                "amount": sum((r.amount for r in rows), zero),
                "committed": sum((r.committed for r in rows), zero),
                "contracted": sum((r.contracted for r in rows), zero),
                "paid": sum((r.paid for r in rows), zero),
            },
        )
        return context


class TrancheListView(OfficeListMixin, TemplateView):
    """List the payment tranches of the user's contracts (finance, purchaser, supplier)."""

    template_name = "finance/tranche_list.html"

    def get_rows(self):
        status = self.request.GET.get("status")
        if status not in PaymentTranche.Status.values:
            status = None
        return selectors.tranche_list_for_user(user=self.request.user, status=status)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["statuses"] = PaymentTranche.Status.choices
        context["current_status"] = self.request.GET.get("status", "")
        return context
