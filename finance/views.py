"""Back-office pages for money: the budget ledger and payment tranches (approvals are flow tasks)."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from accounts.roles import Role
from accounts.selectors import user_has_role
from core.confirm import confirmation_page, entered_rows
from core.models import AuditEntry
from finance import selectors
from finance.models import PaymentTranche
from finance.services.budget import envelope_adjust, envelope_available
from office.shell import OfficeListMixin, OfficeMixin, call_service


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


class EnvelopeAdjustForm(forms.Form):
    amount = forms.DecimalField(label=gettext_lazy("调整后年度额度（元）"), min_value=0,
                                max_digits=14, decimal_places=2)
    reason = forms.CharField(label=gettext_lazy("调整理由及依据（如预算调整批复文号）"),
                             widget=forms.Textarea(attrs={"rows": 3}))


class EnvelopeAdjustView(OfficeMixin, FormView):
    """Let the finance bureau's staff adjust an envelope's amount with a reason (envelope_adjust);
    never below what is already committed (issue 7 item 17). 404 for anyone else."""

    template_name = "finance/envelope_adjust.html"
    form_class = EnvelopeAdjustForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.envelope = get_object_or_404(selectors.envelope_list_for_user(user=request.user),
                                              pk=kwargs["pk"])
            if not request.user.has_perm("finance.adjust_budgetenvelope", self.envelope):
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"amount": self.envelope.amount}

    def get_context_data(self, **kwargs):
        available = envelope_available(self.envelope)
        history = AuditEntry.objects.filter(
            action="envelope.adjust", target_type=self.envelope._meta.label_lower,
            target_id=str(self.envelope.pk)).order_by("-pk")[:50]
        return super().get_context_data(
            envelope=self.envelope, available=available,
            committed=self.envelope.amount - available, history=history,
            submit_label=_("下一步：确认调整"), **kwargs)

    def form_valid(self, form):
        page = confirmation_page(
            self.request, title=_("调整预算额度"), action_label=_("确认调整"),
            consequence=_("调整后的额度立即生效，用于此后的预算占用；调整理由与前后金额记入审计日志，"
                          "不能撤销，如需更正须再次调整。"),
            cancel_url=self.request.path,
            facts=[(_("预算额度"), self.envelope.name),
                   (_("调整前额度（元）"), self.envelope.amount)],
            entered=entered_rows(form))
        if page is not None:
            return page
        if call_service(form, envelope_adjust, envelope=self.envelope, actor=self.request.user,
                        **form.cleaned_data) is None:
            return self.form_invalid(form)
        messages.success(self.request, _("预算额度已调整，并记入审计日志。"))
        return redirect("finance:ledger")
