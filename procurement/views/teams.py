"""The service-team panel of the contract page (issue 7 item 17) and its POST endpoints.

The supplier's staff ask to add or remove a 持证社工 (team_change_request); the purchaser's staff
approve or refuse (team_change_approve / _refuse). Anyone refused gets 404.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import SocialWorkerProfile
from core.confirm import confirmation_page
from core.exceptions import ServiceError
from procurement import selectors
from procurement.forms import TeamField
from procurement.models import ContractTeamChange
from procurement.services.teams import (
    OPEN_CONTRACT_STATUSES,
    team_change_approve,
    team_change_refuse,
    team_change_request,
)


class WorkerField(forms.ModelChoiceField):
    """One social worker, shown with level and certificate number."""

    label_from_instance = TeamField.label_from_instance


class TeamChangeRequestForm(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("变更类型"), choices=ContractTeamChange.Action.choices)
    worker = WorkerField(label=gettext_lazy("社工"), queryset=SocialWorkerProfile.objects.none())
    reason = forms.CharField(label=gettext_lazy("变更理由"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = (SocialWorkerProfile.objects
                                          .filter(organization=contract.supplier)
                                          .select_related("user").order_by("pk"))


class TeamDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", gettext_lazy("同意")),
                                          ("refuse", gettext_lazy("不同意"))])
    note = forms.CharField(label=gettext_lazy("审批意见"), required=False)


def contract_team_context(user, contract) -> dict:
    """Return the team panel: the members (current and former), the requests and the forms."""
    changes = list(contract.team_changes.select_related("worker__user", "requested_by",
                                                        "decided_by"))
    may_decide = bool(changes) and user.has_perm("procurement.decide_contractteamchange",
                                                 changes[0])
    may_request = (contract.status in OPEN_CONTRACT_STATUSES and user.has_perm(
        "procurement.request_contractteamchange", ContractTeamChange(contract=contract)))
    return {
        "team": list(contract.team.select_related("worker")),
        "team_changes": changes,
        "team_may_decide": may_decide,
        "team_request_form": TeamChangeRequestForm(contract=contract) if may_request else None,
    }


def _back(contract):
    return redirect("procurement:contract-detail", contract.pk)


def _errors(request, error: ServiceError):
    for message in error.messages:
        messages.error(request, message)


@require_POST
def team_change_request_view(request, pk: int):
    """Ask for a team change on the contract (乙方 staff)."""
    if not request.user.is_authenticated:
        raise Http404
    contract = selectors.contract_get_for_user(user=request.user, contract_id=pk)
    form = TeamChangeRequestForm(request.POST, contract=contract)
    if not form.is_valid():
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, message)
        return _back(contract)
    try:
        team_change_request(contract=contract, actor=request.user,
                            action=form.cleaned_data["action"],
                            worker=form.cleaned_data["worker"], reason=form.cleaned_data["reason"])
    except ServiceError as error:
        _errors(request, error)
    else:
        messages.success(request, _("服务团队变更申请已提交，待采购人审批。"))
    return _back(contract)


@require_POST
def team_change_decide_view(request, pk: int):
    """Approve or refuse a team change (甲方 staff)."""
    if not request.user.is_authenticated:
        raise Http404
    change = get_object_or_404(ContractTeamChange, pk=pk)
    contract = selectors.contract_get_for_user(user=request.user, contract_id=change.contract_id)
    form = TeamDecisionForm(request.POST)
    if not form.is_valid():
        raise Http404
    approve = form.cleaned_data["decision"] == "approve"
    if not request.user.has_perm("procurement.decide_contractteamchange", change):
        raise Http404
    page = confirmation_page(
        request, title=_("同意服务团队变更") if approve else _("不同意服务团队变更"),
        action_label=_("确认同意") if approve else _("确认不同意"),
        consequence=(_("同意后合同约定的服务团队随之变更，服务台账只接受变更后团队成员填写；审批不能撤回。")
                     if approve else _("不同意后本次变更申请结束，服务团队保持不变；审批不能撤回。")),
        cancel_url=reverse("procurement:contract-detail", args=[contract.pk]),
        facts=[(_("合同"), str(contract)), (_("变更类型"), change.get_action_display()),
               (_("社工"), change.worker.user.display_name), (_("变更理由"), change.reason)],
        entered=[(_("审批意见"), form.cleaned_data["note"])] if form.cleaned_data["note"] else [])
    if page is not None:
        return page
    service = team_change_approve if approve else team_change_refuse
    try:
        service(change=change, actor=request.user, note=form.cleaned_data["note"])
    except ServiceError as error:
        _errors(request, error)
    else:
        messages.success(request, _("服务团队变更已审批。"))
    return _back(contract)
