"""The committee's own scores after submission, and their correction (87号令 64).

An expert sees the tenders whose committee it sits on; on a tender it sees its own score sheets
(the chair sees every member's) and corrects a submitted score only for one of the four cases of
87号令第六十四条, with the explanation — ``evaluation.services.scoring.score_correct`` checks the
rest (state, range, the price criterion, a drawn tie) and re-ranks. Everyone else gets 404.
"""

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from core.lists import DATETIME, FilteredListMixin
from evaluation.filters import ScoreSeatFilter
from evaluation.models import CommitteeMember, ScoreCorrection, ScoreItem, ScoreSheet
from evaluation.services.scoring import score_correct
from office.shell import OfficeListMixin, OfficeMixin, call_service
from procurement.models import Tender

CORRECT = "evaluation.correct_scoreitem"
OPEN_STATUSES = (Tender.Status.EVALUATING, Tender.Status.EVALUATED)


def _seats(user):
    return (CommitteeMember.objects.filter(expert=user)
            .select_related("committee__tender").order_by("-committee__tender__bid_deadline", "pk"))


class ScoreTenderListView(FilteredListMixin, OfficeListMixin, TemplateView):
    """The tenders whose committee the expert sits on, newest first (3 queries however many):
    search, filter, sort, export."""

    template_name = "evaluation/score_tender_list.html"
    filterset_class = ScoreSeatFilter
    export_title = gettext_lazy("我的评审")
    export_columns = [
        (gettext_lazy("采购编号"), lambda s: s.committee.tender.code, None),
        (gettext_lazy("采购项目名称"), lambda s: s.committee.tender.title, None),
        (gettext_lazy("采购方式"), lambda s: s.committee.tender.get_method_display(), None),
        (gettext_lazy("投标截止时间"), lambda s: s.committee.tender.bid_deadline, DATETIME),
        (gettext_lazy("状态"), lambda s: s.committee.tender.get_status_display(), None),
        (gettext_lazy("角色"), lambda s: _("组长") if s.is_chair else _("成员"), None),
    ]

    def get_rows(self):
        return _seats(self.request.user)


class ScoreSheetView(OfficeMixin, TemplateView):
    """One tender's submitted scores: the member's own sheets, every sheet for the chair."""

    template_name = "evaluation/score_sheets.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        seat = (_seats(self.request.user).filter(committee__tender_id=kwargs["pk"]).first())
        if seat is None:
            raise Http404
        tender = seat.committee.tender
        sheets = ScoreSheet.objects.filter(member__committee=seat.committee)
        if not seat.is_chair:
            sheets = sheets.filter(member=seat)
        items = ScoreItem.objects.select_related("criterion").order_by(
            "criterion__order", "criterion__pk").prefetch_related(
            Prefetch("corrections", queryset=ScoreCorrection.objects.select_related(
                "corrected_by").order_by("pk")))
        context.update(
            seat=seat, tender=tender,
            may_correct=tender.status in OPEN_STATUSES,
            sheets=sheets.select_related("member__expert", "bid__organization")
            .prefetch_related(Prefetch("items", queryset=items))
            .order_by("member__pk", "bid__pk"),
        )
        return context


class ScoreCorrectForm(forms.Form):
    new_score = forms.DecimalField(label=gettext_lazy("更正后的得分"), decimal_places=2,
                                   min_value=0, max_digits=6)
    reason = forms.ChoiceField(label=gettext_lazy("更正情形（87号令第六十四条）"),
                               choices=ScoreCorrection.Reason.choices)
    explanation = forms.CharField(label=gettext_lazy("更正说明（记入评审报告）"),
                                  widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    confirm = forms.BooleanField(
        label=gettext_lazy("确认更正：更正记入评审报告和审计日志，并重新计算排名，不能撤回"),
        required=True)


class ScoreCorrectView(OfficeMixin, FormView):
    """Correct one submitted score (the sheet's expert or the chair; 404 for anyone else)."""

    template_name = "evaluation/score_correct.html"
    form_class = ScoreCorrectForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.item = get_object_or_404(
                ScoreItem.objects.select_related(
                    "criterion", "sheet__bid__organization", "sheet__member__expert",
                    "sheet__member__committee__tender"), pk=kwargs["pk"])
            if not request.user.has_perm(CORRECT, self.item):
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"new_score": self.item.score}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        # Capped in the page as the service caps it; the sheet's total follows as it is typed.
        form.fields["new_score"].widget.attrs.update({
            "max": self.item.criterion.max_score, "step": "0.01", "inputmode": "decimal",
            "data-sheet-rest": self.item.sheet.total - self.item.score})
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sheet = self.item.sheet
        form = context["form"]
        new_score = getattr(form, "cleaned_data", {}).get("new_score")
        context.update(
            item=self.item, tender=sheet.member.committee.tender, submit_label=_("更正评分"),
            # The bidder's total on this sheet before and after the correction (art 64).
            total_before=sheet.total,
            total_after=(sheet.total - self.item.score + new_score
                         if new_score is not None and sheet.total is not None else None),
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        done = call_service(form, score_correct, item=self.item, actor=self.request.user,
                            new_score=data["new_score"], reason=data["reason"],
                            explanation=data["explanation"])
        if done is None:
            return self.form_invalid(form)
        messages.success(self.request, _("评分已更正并重新计算排名。"))
        return redirect("evaluation:score-sheets", self.item.sheet.member.committee.tender_id)
