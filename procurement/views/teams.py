"""The service-team panel of the contract page (issue 7 item 17) and its POST endpoints.

The supplier's staff ask to add or remove a 持证社工 (team_change_request); the purchaser's staff
approve or refuse (team_change_approve / _refuse). Anyone refused gets 404.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import SocialWorkerProfile
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
    service = team_change_approve if form.cleaned_data["decision"] == "approve" else team_change_refuse
    try:
        service(change=change, actor=request.user, note=form.cleaned_data["note"])
    except ServiceError as error:
        _errors(request, error)
    else:
        messages.success(request, _("服务团队变更已审批。"))
    return _back(contract)
