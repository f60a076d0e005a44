"""Pages of the procurement methods (issue 7 item 10): the final-quote round (最后报价) of a
磋商 or 谈判, and what the tender page shows of an invitation list or a named supplier."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.roles import Role
from accounts.selectors import user_organizations
from core import authz
from core.confirm import confirmation_page, entered_rows
from office.shell import OfficeMixin, call_service
from procurement import selectors
from procurement.forms.methods import FinalQuoteForm, FinalQuoteRoundOpenForm
from procurement.models import Bid, FinalQuote, FinalQuoteRound, Tender
from procurement.sealing import final_quotes_unseal_in_memory
from procurement.services.final_quotes import (
    ROUND_METHODS,
    ROUND_TENDER_STATUSES,
    final_quote_round_close,
    final_quote_round_open,
    final_quote_submit,
)
from procurement.services.invitations import NAMED_METHODS


def tender_method_context(user, tender) -> dict:
    """Return what the tender page shows of the method: the named supplier of a 单一来源
    (public), the invitation list of an 邀请招标 (its purchaser only), the final-quote link."""
    context = {"invitations": [], "final_quote_link": False}
    if tender.method in NAMED_METHODS and (
            tender.method == Tender.Method.SINGLE_SOURCE
            or user.has_perm("procurement.open_tender", tender)):
        context["invitations"] = list(tender.invitations.select_related("organization"))
    if tender.method in ROUND_METHODS and tender.opened_at is not None:
        context["final_quote_link"] = True
    return context


class FinalQuoteRoundView(OfficeMixin, TemplateView):
    """The final-quote round of a 磋商 or 谈判: the purchaser opens and closes it, each
    responsive bidder submits its quote; quotes stay sealed until the round closes."""

    template_name = "procurement/methods/final_quotes.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.tender = selectors.tender_get_for_user(user=request.user, tender_id=kwargs["pk"])
        if self.tender.method not in ROUND_METHODS or self.tender.opened_at is None:
            raise Http404
        self.is_purchaser = request.user.has_perm("procurement.open_finalquoteround", self.tender)
        orgs = user_organizations(request.user, Role.SOCIAL_ORG)
        self.my_bids = list(Bid.objects.filter(tender=self.tender, status=Bid.Status.QUALIFIED,
                                               organization__in=orgs).select_related("organization"))
        if not self.is_purchaser and not self.my_bids and not self._reads_quotes():
            raise Http404
        self.round = FinalQuoteRound.objects.filter(tender=self.tender).first()
        return super().dispatch(request, *args, **kwargs)

    def _reads_quotes(self) -> bool:
        """Whether the user reads this tender's unsealed quotes otherwise (the committee)."""
        return authz.scoped(self.request.user, "procurement.view_finalquote",
                            FinalQuote.objects.filter(round__tender=self.tender)).exists()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        round_, tender = self.round, self.tender
        can_open = (self.is_purchaser and round_ is None and tender.status in ROUND_TENDER_STATUSES)
        quotes = []
        responsive = tender.bids.filter(status=Bid.Status.QUALIFIED).count()
        if round_ is not None:
            quotes = list(authz.scoped(self.request.user, "procurement.view_finalquote",
                                       FinalQuote.objects.filter(round=round_))
                          .select_related("bid__organization").order_by("bid__organization__name"))
            final_quotes_unseal_in_memory(quotes)  # before closing: only the bidder's own here
        own = {q.bid_id for q in quotes}
        pending = [b for b in self.my_bids if b.pk not in own]
        is_open = round_ is not None and round_.closed_at is None
        can_quote = is_open and bool(pending) and timezone.now() < round_.deadline
        if can_open:
            context.setdefault("open_form", FinalQuoteRoundOpenForm())
        if can_quote:
            context.setdefault("quote_form", FinalQuoteForm())
        context.update(
            tender=tender, round=round_, quotes=quotes, responsive=responsive,
            submitted=round_.quotes.count() if round_ is not None else 0,
            is_purchaser=self.is_purchaser, can_open=can_open, can_quote=can_quote,
            quote_bid=pending[0] if pending else None,
            can_close=self.is_purchaser and is_open,
        )
        return context

    def _confirm(self, title, action_label, consequence, entered=()):
        """Return the confirmation page of the round's action unless it is confirmed."""
        return confirmation_page(
            self.request, title=title, action_label=action_label, consequence=consequence,
            cancel_url=self.request.path, entered=entered,
            facts=[(_("采购项目"), f"{self.tender.code} {self.tender.title}")])

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action == "open" and self.is_purchaser:
            form = FinalQuoteRoundOpenForm(data=request.POST)
            page = form.is_valid() and self._confirm(
                _("发起最后报价"), _("确认发起"),
                _("发起后不可撤销，每个项目只进行一轮最后报价；各实质性响应的供应商将收到通知。"),
                entered=entered_rows(form))
            if page:
                return page
            if form.is_valid() and call_service(
                    form, final_quote_round_open, tender=self.tender, actor=request.user,
                    deadline=form.cleaned_data["deadline"]) is not None:
                messages.success(request, _("已发起最后报价，已通知各实质性响应的供应商。"))
                return redirect("procurement:final-quotes", self.tender.pk)
            return self.render_to_response(self.get_context_data(open_form=form))
        if action == "close" and self.is_purchaser and self.round is not None:
            page = self._confirm(_("揭晓最后报价"), _("确认揭晓"),
                                 _("揭晓后所有最后报价对采购人和评审小组公开，不可撤销；"
                                   "未提交的供应商以其响应文件中的报价为最后报价。"))
            if page:
                return page
            form = FinalQuoteRoundOpenForm()
            if call_service(form, final_quote_round_close, round=self.round,
                            actor=request.user) is None:
                for error in form.non_field_errors():
                    messages.error(request, error)
            else:
                messages.success(request, _("最后报价已揭晓。"))
            return redirect("procurement:final-quotes", self.tender.pk)
        if action == "quote" and self.my_bids and self.round is not None:
            form = FinalQuoteForm(data=request.POST)
            bid_id = request.POST.get("bid")
            bid = next((b for b in self.my_bids if str(b.pk) == bid_id), None)
            if bid is None:
                raise Http404
            # FinalQuoteForm carries its own confirmation box (提交后不得更改).
            if form.is_valid() and call_service(
                    form, final_quote_submit, round=self.round, actor=request.user,
                    organization=bid.organization, price=form.cleaned_data["price"]) is not None:
                messages.success(request, _("最后报价已递交，全部供应商提交或截止时间届满后揭晓。"))
                return redirect("procurement:final-quotes", self.tender.pk)
            return self.render_to_response(self.get_context_data(quote_form=form))
        raise Http404
