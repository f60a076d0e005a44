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
from core.lists import DATETIME, MONEY, FilteredListMixin
from core.models import AuditEntry
from finance import selectors
from finance.filters import EnvelopeFilter, TrancheFilter
from finance.services.budget import envelope_adjust, envelope_available
from office.shell import OfficeListMixin, OfficeMixin, call_service


def _sum(rows, field: str) -> Decimal:
    return sum((getattr(r, field) for r in rows), Decimal("0.00"))


class LedgerView(FilteredListMixin, OfficeMixin, TemplateView):
    """Show the finance bureau's envelopes: amount → committed → contracted → paid; search,
    filter, sort and export them with a totals row (the totals are those of every filtered row)."""

    template_name = "finance/ledger.html"
    filterset_class = EnvelopeFilter
    export_title = gettext_lazy("预算台账")
    export_totals = gettext_lazy("合计")
    page_size = None
    export_columns = [
        (gettext_lazy("预算额度"), lambda r: r.envelope.name, None),
        (gettext_lazy("预算年度"), lambda r: r.envelope.fiscal_year, None),
        (gettext_lazy("资金来源"), lambda r: r.envelope.get_funding_source_display(), None),
        (gettext_lazy("区划"), lambda r: r.envelope.division.name, None),
        (gettext_lazy("年度额度（元）"), lambda r: r.amount, MONEY),
        (gettext_lazy("已占用（元）"), lambda r: r.committed, MONEY),
        (gettext_lazy("已签合同（元）"), lambda r: r.contracted, MONEY),
        (gettext_lazy("已拨付（元）"), lambda r: r.paid, MONEY),
        (gettext_lazy("可用余额（元）"), lambda r: r.available, MONEY),
    ]

    def get(self, request, *args, **kwargs):
        if not user_has_role(request.user, Role.FINANCE):
            raise Http404
        return super().get(request, *args, **kwargs)

    def get_rows(self):
        return selectors.envelope_list_for_user(user=self.request.user).order_by(
            "-fiscal_year", "division", "funding_source", "pk")

    def export_rows(self, rows):
        return selectors.ledger_rows(envelopes=rows)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = selectors.ledger_rows(envelopes=self.list_rows())
        context.update(
            rows=rows,
            totals={field: _sum(rows, field)
                    for field in ("amount", "committed", "contracted", "paid", "available")},
        )
        return context


class TrancheListView(FilteredListMixin, OfficeListMixin, TemplateView):
    """List the payment tranches of the user's contracts (finance, purchaser, supplier): search,
    filter, sort, export."""

    template_name = "finance/tranche_list.html"
    filterset_class = TrancheFilter
    export_title = gettext_lazy("资金拨付")
    export_totals = gettext_lazy("合计")
    export_columns = [
        (gettext_lazy("合同编号"), lambda t: t.contract.code, None),
        (gettext_lazy("项目名称"), lambda t: t.contract.project.title, None),
        (gettext_lazy("承接机构"), lambda t: t.contract.supplier.name, None),
        (gettext_lazy("期次"), lambda t: t.sequence, None),
        (gettext_lazy("拨付条件"), lambda t: t.get_condition_display(), None),
        (gettext_lazy("比例（%）"), lambda t: t.percent, "0.00"),
        (gettext_lazy("计划金额（元）"), lambda t: t.amount, MONEY),
        (gettext_lazy("核定金额（元）"), lambda t: t.payable_amount, MONEY),
        (gettext_lazy("状态"), lambda t: t.get_status_display(), None),
        (gettext_lazy("支付凭证号"), lambda t: _payment(t, "voucher_number"), None),
        (gettext_lazy("支付时间"), lambda t: _payment(t, "paid_at"), DATETIME),
    ]

    def get_rows(self):
        return selectors.tranche_list_for_user(user=self.request.user)


def _payment(tranche, field: str):
    payment = getattr(tranche, "payment", None) if tranche.status == "paid" else None
    return getattr(payment, field, None)


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
