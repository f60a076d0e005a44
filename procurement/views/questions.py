"""Pages for clarification Q&A (澄清答疑) and challenges (质疑): thin views over the services."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import FormView, TemplateView

from accounts.roles import Role
from accounts.selectors import user_organizations
from core.confirm import confirmation_page, entered_rows
from core.exceptions import ServiceError
from core.lists import DATE, DATETIME, xlsx_response
from office.shell import OfficeMixin, call_service
from procurement import selectors
from procurement.filters import QAPendingFilter
from procurement.forms.questions import (
    AnswerForm,
    ChallengeAnswerForm,
    ChallengeAssessForm,
    ChallengeForm,
    ChallengeRemedyForm,
    QuestionForm,
)
from procurement.models import Challenge, Tender
from procurement.selectors import questions as selectors_qa
from procurement.services.challenges import (
    challenge_answer,
    challenge_assess,
    challenge_submit,
    challenge_window,
    challenge_withdraw,
)
from procurement.services.clarifications import question_answer, question_ask
from procurement.services.remedies import (
    pending_remedy,
    remedy_next_ranked,
    remedy_reevaluate,
    remedy_retender,
)


def _supplier_orgs(user):
    return user_organizations(user, Role.SOCIAL_ORG).order_by("name")


def _open_for_questions(tender) -> bool:
    return tender.status == Tender.Status.PUBLISHED and timezone.now() < tender.bid_deadline


class TenderQAView(OfficeMixin, TemplateView):
    """Show a tender's published answers, the user's questions and challenges; POST asks."""

    template_name = "procurement/qa/tender_qa.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.tender = selectors.tender_get_for_user(user=request.user, tender_id=kwargs["pk"])
        self.orgs = _supplier_orgs(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, tender = self.request.user, self.tender
        is_purchaser = selectors_qa.is_tender_purchaser(user, tender)
        can_ask = bool(self.orgs) and _open_for_questions(tender)
        if can_ask:
            context.setdefault("form", QuestionForm(organizations=self.orgs))
        context.update(
            tender=tender,
            is_purchaser=is_purchaser,
            can_ask=can_ask,
            can_challenge=bool(self.orgs) and tender.status != Tender.Status.DRAFT,
            public_answers=selectors_qa.question_list_public(tender=tender),
            questions=list(selectors_qa.question_list_for_user(user=user, tender=tender)),
            challenges=list(selectors_qa.challenge_list_for_user(user=user, tender=tender)),
            answer_form=AnswerForm() if is_purchaser and _open_for_questions(tender) else None,
            submit_label=_("提出问题"),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not self.orgs:
            raise Http404
        form = QuestionForm(data=request.POST, organizations=self.orgs)
        if form.is_valid():
            question = call_service(form, question_ask, tender=self.tender, actor=request.user,
                                    **form.cleaned_data)
            if question is not None:
                messages.success(request, _("问题已提交，答复将向所有投标人公开。"))
                return redirect("procurement:tender-qa", self.tender.pk)
        return self.render_to_response(self.get_context_data(form=form))


@require_POST
def question_answer_view(request, pk: int):
    """Answer one question of the purchaser's tender and publish it."""
    if not request.user.is_authenticated:
        raise Http404
    question = selectors_qa.question_get_for_answer(user=request.user, question_id=pk)
    form = AnswerForm(data=request.POST)
    page = form.is_valid() and confirmation_page(
        request, title=_("答复并公开澄清问题"), action_label=_("确认公开答复"),
        consequence=_("答复将向所有投标人和提问人公开（不显示提问机构），发布后不能修改或撤回；"
                      "影响投标文件编制的答复作为澄清公告发布，采购文件版本加一，已投标机构须重新确认。"),
        cancel_url=reverse("procurement:tender-qa", args=[question.tender_id]),
        facts=[(_("采购项目"), f"{question.tender.code} {question.tender.title}"),
               (_("问题"), question.question)],
        entered=entered_rows(form))
    if page:
        return page
    if not form.is_valid():
        messages.error(request, _("请填写答复。"))
    else:
        try:
            answered = question_answer(question=question, actor=request.user,
                                       **form.cleaned_data)
        except ServiceError as error:
            messages.error(request, " ".join(error.messages))
        else:
            amendment = answered.amendment
            if amendment is None:
                messages.success(request, _("答复已发布。"))
            else:  # 87号令第27条: published as a 澄清公告, a new version of the documents
                messages.success(request, _(
                    "答复已作为澄清公告发布（采购文件第%(v)d版），已投标机构须重新确认；"
                    "投标截止时间：%(deadline)s。") % {
                    "v": amendment.version,
                    "deadline": timezone.localtime(amendment.new_deadline)
                    .strftime("%Y-%m-%d %H:%M")})
    return redirect("procurement:tender-qa", question.tender_id)


class ChallengeSubmitView(OfficeMixin, FormView):
    """Let a supplier's staff file a written challenge (challenge_submit)."""

    template_name = "procurement/qa/challenge_form.html"
    form_class = ChallengeForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.tender = selectors.tender_get_for_user(user=request.user, tender_id=kwargs["pk"])
        self.orgs = _supplier_orgs(request.user)
        if not self.orgs or self.tender.status == Tender.Status.DRAFT:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "organizations": self.orgs,
                "amendments": self.tender.amendments.order_by("version")}

    def get_context_data(self, **kwargs):
        windows = []
        for value, label in Challenge.Subject.choices:
            window = challenge_window(self.tender, value)
            windows.append({"label": label, "last": window[1] if window else None})
        for amendment in self.tender.amendments.order_by("version"):
            window = challenge_window(self.tender, Challenge.Subject.DOCUMENT, amendment)
            windows.append({"label": _("第%(v)d版%(kind)s公告的内容") % {
                "v": amendment.version, "kind": amendment.get_kind_display()},
                "last": window[1]})
        return {**super().get_context_data(**kwargs), "tender": self.tender, "windows": windows,
                "submit_label": _("提出质疑")}

    def form_valid(self, form):
        challenge = call_service(form, challenge_submit, tender=self.tender,
                                 actor=self.request.user, **form.cleaned_data)
        if challenge is None:
            return self.form_invalid(form)
        messages.success(self.request, _("质疑已提交，采购人应在7个工作日内书面答复。"))
        return redirect("procurement:challenge-detail", challenge.pk)


class ChallengeDetailView(OfficeMixin, TemplateView):
    """Show one challenge; the purchaser's staff assess it or answer it here (POST)."""

    template_name = "procurement/qa/challenge_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.challenge = selectors_qa.challenge_get_for_user(user=request.user,
                                                             challenge_id=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def _can_answer(self) -> bool:
        return (self.challenge.status == Challenge.Status.SUBMITTED
                and self.request.user.has_perm("procurement.answer_challenge", self.challenge))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        challenge = self.challenge
        can_answer = self._can_answer()
        if can_answer:
            context.setdefault("form", ChallengeAnswerForm(
                initial={"may_change_result": challenge.may_change_result}))
            context.setdefault("assess_form", ChallengeAssessForm(
                initial={"may_change_result": challenge.may_change_result}))
        context.update(
            can_remedy=_can_remedy(self.request.user, challenge),
            challenge=challenge, tender=challenge.tender, can_answer=can_answer,
            withdrawable=challenge.status == Challenge.Status.SUBMITTED,
            submit_label=_("答复质疑"),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not self._can_answer():
            raise Http404
        challenge = self.challenge
        if request.POST.get("action") == "assess":
            form = ChallengeAssessForm(data=request.POST)
            if form.is_valid() and call_service(form, challenge_assess, challenge=challenge,
                                                actor=request.user, **form.cleaned_data):
                messages.success(request, _("已记录是否影响中标结果。"))
                return redirect("procurement:challenge-detail", challenge.pk)
            return self.render_to_response(self.get_context_data(assess_form=form))
        form = ChallengeAnswerForm(data=request.POST)
        if form.is_valid():
            page = confirmation_page(
                request, title=_("答复质疑"), action_label=_("确认发送答复"),
                consequence=_("质疑答复将书面发送给质疑供应商并记入采购档案，发送后不能修改或撤回"
                              "（政府采购法第五十三条）。"),
                cancel_url=request.path,
                facts=[(_("采购项目"), f"{challenge.tender.code} {challenge.tender.title}"),
                       (_("质疑供应商"), challenge.organization.name),
                       (_("答复期限"), challenge.answer_due)],
                entered=entered_rows(form))
            if page is not None:
                return page
            done = call_service(form, challenge_answer, challenge=challenge, actor=request.user,
                                answer=form.cleaned_data["answer"], upheld=form.upheld(),
                                may_change_result=form.cleaned_data["may_change_result"],
                                late_reason=form.cleaned_data["late_reason"])
            if done is not None:
                messages.success(request, _("质疑答复已发送。"))
                return redirect("procurement:challenge-detail", challenge.pk)
        return self.render_to_response(self.get_context_data(form=form))


def _can_remedy(user, challenge) -> bool:
    pending = pending_remedy(challenge.tender_id)
    return (pending is not None and pending.pk == challenge.pk
            and challenge.tender.status == Tender.Status.AWARDED
            and user.has_perm("procurement.remedy_challenge", challenge))


class ChallengeRemedyView(OfficeMixin, FormView):
    """Let the purchaser act on an upheld challenge: re-evaluate, award the next ranked bidder
    or repeat the procurement (remedies); 404 to anyone else or when nothing is pending."""

    template_name = "procurement/qa/challenge_remedy.html"
    form_class = ChallengeRemedyForm
    SERVICES = {Challenge.Remedy.REEVALUATE: remedy_reevaluate,
                Challenge.Remedy.NEXT_RANKED: remedy_next_ranked,
                Challenge.Remedy.RETENDER: remedy_retender}

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.challenge = selectors_qa.challenge_get_for_user(user=request.user,
                                                             challenge_id=kwargs["pk"])
        if not _can_remedy(request.user, self.challenge):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "challenge": self.challenge,
                "tender": self.challenge.tender, "submit_label": _("提交处理")}

    def form_valid(self, form):
        data = form.cleaned_data
        extra = {"ground": data["ground"]} if data["remedy"] == Challenge.Remedy.REEVALUATE else {}
        done = call_service(form, self.SERVICES[data["remedy"]], challenge=self.challenge,
                            actor=self.request.user, reason=data["reason"], **extra)
        if done is None:
            return self.form_invalid(form)
        messages.success(self.request, _("已按质疑结果处理：%(remedy)s。") % {
            "remedy": Challenge.Remedy(data["remedy"]).label})
        return redirect("procurement:challenge-detail", self.challenge.pk)


@require_http_methods(["GET", "POST"])
def challenge_withdraw_view(request, pk: int):
    """Withdraw the supplier's own open challenge, after confirming."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={request.path}")
    challenge = selectors_qa.challenge_get_for_user(user=request.user, challenge_id=pk)
    if not request.user.has_perm("procurement.withdraw_challenge", challenge):
        raise Http404
    page = confirmation_page(
        request, title=_("撤回质疑"), action_label=_("确认撤回质疑"),
        consequence=_("撤回后采购人不再答复本质疑，撤回不能取消；"
                      "如仍有异议，须在法定质疑期内重新提出。"),
        cancel_url=reverse("procurement:challenge-detail", args=[challenge.pk]),
        facts=[(_("采购项目"), f"{challenge.tender.code} {challenge.tender.title}"),
               (_("提出时间"), challenge.submitted_at)])
    if page is not None:
        return page
    try:
        challenge_withdraw(challenge=challenge, actor=request.user)
    except ServiceError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("质疑已撤回。"))
    return redirect("procurement:challenge-detail", challenge.pk)


class QAPendingView(OfficeMixin, TemplateView):
    """List the purchaser's unanswered questions and open challenges."""

    template_name = "procurement/qa/pending.html"

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            context = self.get_context_data(**kwargs)
            rows = [(_("澄清问题"), q.tender.code, q.organization.name, q.question, q.asked_at, q.due)
                    for q in context["questions"]]
            rows += [(_("质疑"), c.tender.code, c.organization.name, c.get_subject_display(),
                      c.submitted_at, c.answer_due) for c in context["challenges"]]
            columns = [(_("类别"), lambda r: r[0], None), (_("采购编号"), lambda r: r[1], None),
                       (_("供应商"), lambda r: r[2], None), (_("内容"), lambda r: r[3], None),
                       (_("提出时间"), lambda r: r[4], DATETIME),
                       (_("答复期限"), lambda r: r[5], DATE)]
            return xlsx_response(rows=rows, columns=columns, title=_("待答复的问题与质疑"),
                                 filename=_("待答复的问题与质疑"))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        questions, challenges = selectors_qa.qa_pending_for_user(user=self.request.user)
        # The list tools (core.lists): one search and kind filter over both tables.
        data = self.request.GET or None
        found = QAPendingFilter(data, queryset=questions), QAPendingFilter(data, queryset=challenges)
        if data:
            questions, challenges = (f.qs if f.is_valid() else f.queryset.none() for f in found)
        query = self.request.GET.copy()
        query.pop("page", None)
        questions, today = list(questions), timezone.localdate()
        for q in questions:  # the day the answer is due (selectors_qa.question_answer_due)
            q.due = selectors_qa.question_answer_due(tender=q.tender, asked_at=q.asked_at)
            q.overdue = q.due < today
        context.update(questions=questions, challenges=list(challenges), filter=found[0],
                       list_query=query.urlencode(), list_export=True)
        return context
