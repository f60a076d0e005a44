"""Back-office pages for performance evaluation, the satisfaction survey and the PDF downloads.

Party scoring is a flow task (workflows); residents answer the satisfaction survey here. The
contract PDF goes to the two parties; the performance report also to the community's staff.
Anyone else gets 404.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_GET
from django.views.generic import FormView, TemplateView

from core.charts import ChartExportMixin
from core.lists import DATETIME, FilteredListMixin
from core.qr import qr_svg_response
from delivery.models import MilestoneReport
from delivery.selectors import opinion_summary
from evaluation import charts as evaluation_charts
from evaluation import selectors as evaluation_selectors
from evaluation.bid_report import evaluation_report_response
from evaluation.documents import performance_report_pdf_response
from evaluation.filters import PerformanceFilter
from evaluation.models import (
    EvaluationParty,
    PartyScore,
    PerformanceEvaluation,
    SatisfactionResponse,
)
from evaluation.services.performance import output_achievement, satisfaction_submit
from office.shell import OfficeListMixin, OfficeMixin, call_service
from procurement import selectors as procurement_selectors
from procurement.documents import contract_pdf_response
from procurement.models import Tender


def _evaluations(user) -> QuerySet[PerformanceEvaluation]:
    return evaluation_selectors.performance_evaluation_list_for_user(user=user).order_by(
        "-opened_at", "-id")


def _evaluation_or_404(user, pk: int) -> PerformanceEvaluation:
    try:
        return evaluation_selectors.performance_evaluation_get_for_user(user=user, pk=pk)
    except PerformanceEvaluation.DoesNotExist:
        raise Http404 from None


class PerformanceListView(FilteredListMixin, OfficeListMixin, TemplateView):
    """List the performance evaluations the user takes part in or may answer: search, filter,
    sort, export."""

    template_name = "evaluation/performance_list.html"
    filterset_class = PerformanceFilter
    export_title = gettext_lazy("绩效评价")
    export_columns = [
        (gettext_lazy("合同编号"), lambda e: e.contract.code, None),
        (gettext_lazy("项目名称"), lambda e: e.contract.project.title, None),
        (gettext_lazy("社区"), lambda e: e.contract.project.community.name, None),
        (gettext_lazy("承接机构"), lambda e: e.contract.supplier.name, None),
        (gettext_lazy("状态"), lambda e: e.get_status_display(), None),
        (gettext_lazy("综合得分"), lambda e: e.total, "0.00"),
        (gettext_lazy("等级"), lambda e: e.get_grade_display(), None),
        (gettext_lazy("开始时间"), lambda e: e.opened_at, DATETIME),
        (gettext_lazy("完成时间"), lambda e: e.finalized_at, DATETIME),
    ]

    def get_rows(self):
        return _evaluations(self.request.user)


class PerformanceDetailView(OfficeMixin, TemplateView):
    """Show an evaluation's party scores, total and grade."""

    template_name = "evaluation/performance_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        evaluation = _evaluation_or_404(user, kwargs["pk"])
        answered = SatisfactionResponse.objects.filter(evaluation=evaluation, resident=user).exists()
        context.update(
            evaluation=evaluation,
            can_answer=evaluation.status == PerformanceEvaluation.Status.OPEN and not answered
            and user.has_perm("evaluation.submit_satisfactionresponse",
                              SatisfactionResponse(evaluation=evaluation)),
            answered=answered,
            can_download=evaluation.status == PerformanceEvaluation.Status.FINALIZED
            and user.has_perm("evaluation.download_performanceevaluation", evaluation),
            response_count=evaluation.satisfaction_count,
            achievement=evaluation_selectors.delivery_achievement(contract=evaluation.contract,
                                                                  evaluation=evaluation),
            survey=evaluation_selectors.satisfaction_summary(evaluation=evaluation),
            milestone_opinions=_milestone_opinions(evaluation),
            # The purchaser and the community hand the survey's link and QR code to residents.
            can_invite=evaluation.status == PerformanceEvaluation.Status.OPEN
            and (user.has_perm("evaluation.submit_partyscore",
                               PartyScore(evaluation=evaluation, party=EvaluationParty.PURCHASER))
                 or user.has_perm("evaluation.submit_partyscore",
                                  PartyScore(evaluation=evaluation, party=EvaluationParty.COMMUNITY))),
            survey_url=reverse("evaluation:satisfaction", args=[evaluation.pk]),
            sees_delivery=evaluation_selectors.delivery_contract_list_for_user(user=user)
            .filter(pk=evaluation.contract_id).exists(),
        )
        return context


class ContractDeliveryView(ChartExportMixin, OfficeMixin, TemplateView):
    """Delivery against targets, live (issue 9 item 3): every indicator's target and actual with
    a progress bar, the records per deliverable by month, the deliverables behind schedule.

    Whoever sees the project or the contract sees it (the community too); anyone else 404.
    """

    template_name = "evaluation/contract_delivery.html"

    def _data(self):
        if not hasattr(self, "_cached"):
            contract = evaluation_selectors.delivery_contract_get_for_user(
                user=self.request.user, contract_id=self.kwargs["pk"])
            evaluation = PerformanceEvaluation.objects.filter(contract=contract).first()
            achievement = evaluation_selectors.delivery_achievement(contract=contract,
                                                                    evaluation=evaluation)
            months, by_month = evaluation_selectors.records_by_month(contract=contract)
            self._cached = (contract, evaluation, achievement, months, by_month)
        return self._cached

    def get_charts(self):
        _contract, _evaluation, achievement, months, by_month = self._data()
        return [evaluation_charts.delivery_target_chart(achievement),
                evaluation_charts.records_month_chart(achievement, months, by_month)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contract, evaluation, achievement, _months, _by_month = self._data()
        suggested = None
        if evaluation is not None and self.request.user.has_perm(
                "evaluation.view_performanceevaluation", evaluation):
            suggested = output_achievement(evaluation)["suggested_output_score"]
        context.update(contract=contract, evaluation=evaluation, achievement=achievement,
                       charts=self.get_charts(), suggested_output_score=suggested)
        return context


def _milestone_opinions(evaluation) -> list:
    """Return the contract's accepted reports, each with its service users' opinions summary."""
    reports = list(MilestoneReport.objects.filter(
        contract_id=evaluation.contract_id, status=MilestoneReport.Status.ACCEPTED).order_by(
        "submitted_at", "pk"))
    summaries = opinion_summary(reports=reports)
    return [(report, summaries[report.pk]) for report in reports]


class SatisfactionQrView(OfficeMixin, View):
    """Serve the QR code of the satisfaction survey to those who see the evaluation (SVG)."""

    def get(self, request, pk):
        evaluation = _evaluation_or_404(request.user, pk)
        return qr_svg_response(request, reverse("evaluation:satisfaction", args=[evaluation.pk]),
                               title=_("满意度调查二维码"))


class SatisfactionForm(forms.Form):
    score = forms.IntegerField(
        label=gettext_lazy("满意度（0–100）"), min_value=0, max_value=100,
        error_messages={"required": gettext_lazy("请填写满意度分数。"),
                        "invalid": gettext_lazy("请输入0到100之间的整数。"),
                        "min_value": gettext_lazy("满意度不能低于0。"),
                        "max_value": gettext_lazy("满意度不能高于100。")},
    )
    comment = forms.CharField(label=gettext_lazy("意见建议"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))


class SatisfactionView(OfficeMixin, FormView):
    """Let a resident of the project's community answer the satisfaction survey once."""

    template_name = "evaluation/satisfaction_form.html"
    form_class = SatisfactionForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.evaluation = _evaluation_or_404(request.user, kwargs["pk"])
        if not request.user.has_perm("evaluation.submit_satisfactionresponse",
                                     SatisfactionResponse(evaluation=self.evaluation)):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "evaluation": self.evaluation}

    def form_valid(self, form):
        response = call_service(form, satisfaction_submit, evaluation=self.evaluation,
                                actor=self.request.user, **form.cleaned_data)
        if response is None:
            return self.form_invalid(form)
        messages.success(self.request, _("感谢您参与满意度调查。"))
        return redirect("evaluation:performance-detail", self.evaluation.pk)


@require_GET
def contract_pdf_download(request, pk: int):
    """Download the contract PDF: whoever sees the contract (procurement.view_contract), else 404."""
    contract = procurement_selectors.contract_get_for_user(user=request.user, contract_id=pk)
    return contract_pdf_response(contract)


@login_required
@require_GET
def evaluation_report_pdf_download(request, pk: int):
    """Download a tender's evaluation report (评标报告): purchaser, committee, supervisor, else 404."""
    tender = Tender.objects.select_related("project__purchaser").filter(pk=pk).first()
    if tender is None or not request.user.has_perm("evaluation.readreport_evaluationcommittee", tender):
        raise Http404
    return evaluation_report_response(tender)


@require_GET
def performance_report_pdf_download(request, pk: int):
    """Download a finalized performance report: the parties and community staff, else 404."""
    evaluation = _evaluation_or_404(request.user, pk)
    if evaluation.status != PerformanceEvaluation.Status.FINALIZED or not request.user.has_perm(
            "evaluation.download_performanceevaluation", evaluation):
        raise Http404
    return performance_report_pdf_response(evaluation)
