"""The grant panels of the project and contract pages, and the POST endpoints behind them.

Each endpoint loads the object the user may see (404 otherwise), validates the form (choices
limited to eligible holders), calls one service of ``procurement.services.grants`` and returns
to the page with a message. A refused actor gets 404, like everywhere in the back office.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Organization
from core import authz
from core.exceptions import ServiceError
from procurement import selectors
from procurement.forms.grants import (
    DelegateGrantForm,
    EvaluationGrantForm,
    RevokeForm,
    SupervisionGrantForm,
)
from procurement.models import Contract, ServiceProject
from procurement.permissions.grants import project_delegate_id
from procurement.selectors.grants import contract_grant_list, project_grant_list
from procurement.services import grants as services

FINISHED = (ServiceProject.Status.CLOSED, ServiceProject.Status.CANCELLED)


def project_grants_context(user, project) -> dict:
    """Return the grant panel of the project page: current grants and the forms the user may use."""
    rows = project_grant_list(project=project)
    may_delegate = user.has_perm("procurement.delegate_serviceproject", project)
    delegated = project_delegate_id(project) is not None
    may_supervise = user.has_perm("procurement.grant_supervision_serviceproject", project)
    # has_perm falls back to the user's grants on each organization: load them in one query.
    authz.grants_prefetch(user, [row.organization for row in rows])
    for row in rows:
        row_may_revoke = (
            may_delegate if row.codename == "handle_serviceproject"
            else user.has_perm("accounts.end_supervision_organization", row.organization)
        )
        row.may_revoke = row_may_revoke
    return {
        "grants": rows,
        "delegate_form": DelegateGrantForm(project=project)
        if may_delegate and not delegated and project.status not in FINISHED else None,
        "supervision_form": SupervisionGrantForm(project=project) if may_supervise else None,
        "revoke_form": RevokeForm(),
    }


def contract_grants_context(user, contract) -> dict:
    """Return the grant panel of the contract page: third-party grants and the user's forms."""
    rows = contract_grant_list(contract=contract)
    may_grant = user.has_perm("procurement.grant_evaluation_contract", contract)
    for row in rows:
        row.may_revoke = may_grant
    return {
        "grants": rows,
        "evaluation_form": EvaluationGrantForm(contract=contract)
        if may_grant and contract.status != Contract.Status.TERMINATED else None,
        "revoke_form": RevokeForm(),
    }


def _call(request, func, success: str, **kwargs) -> None:
    # A refusal (core PermissionDenied) is answered 404 by core.middleware.ServiceErrorMiddleware.
    try:
        func(actor=request.user, **kwargs)
    except ServiceError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _project(request, pk: int) -> ServiceProject:
    if not request.user.is_authenticated:
        raise Http404
    return selectors.project_get_for_user(user=request.user, project_id=pk)


def _contract(request, pk: int) -> Contract:
    if not request.user.is_authenticated:
        raise Http404
    return selectors.contract_get_for_user(user=request.user, contract_id=pk)


def _revoked_holder(request, model):
    form = RevokeForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return form, None
    return form, model.objects.filter(pk=form.cleaned_data["holder"]).first()


@require_POST
def project_delegate_grant_view(request, pk: int):
    """Delegate the project to the chosen officer of its purchaser."""
    project = _project(request, pk)
    form = DelegateGrantForm(request.POST, project=project)
    if form.is_valid():
        _call(request, services.project_grant_delegate, _("已指定经办人。"),
              project=project, user=form.cleaned_data["user"])
    else:
        _form_errors(request, form)
    return redirect("procurement:project-detail", project.pk)


@require_POST
def project_delegate_revoke_view(request, pk: int):
    """Take the project back from its delegate."""
    project = _project(request, pk)
    form, user = _revoked_holder(request, get_user_model())
    if form.is_valid():
        _call(request, services.project_revoke_delegate,
              _("已撤销经办人，项目由本机构工作人员共同办理。"), project=project, user=user)
    return redirect("procurement:project-detail", project.pk)


@require_POST
def project_supervision_grant_view(request, pk: int):
    """Open the project, read-only, to the chosen 纪检/审计 body."""
    project = _project(request, pk)
    form = SupervisionGrantForm(request.POST, project=project)
    if form.is_valid():
        _call(request, services.project_grant_supervision, _("已授权监督查看。"),
              project=project, organization=form.cleaned_data["organization"])
    else:
        _form_errors(request, form)
    return redirect("procurement:project-detail", project.pk)


@require_POST
def project_supervision_revoke_view(request, pk: int):
    """End the supervising body's read access to the project (its own staff)."""
    project = _project(request, pk)
    form, organization = _revoked_holder(request, Organization)
    if form.is_valid():
        _call(request, services.project_revoke_supervision, _("已结束监督查看。"),
              project=project, organization=organization)
        # Ending its own access usually leaves the page out of the user's reach.
        if not selectors.project_list_for_user(user=request.user).filter(pk=project.pk).exists():
            return redirect("procurement:project-list")
    return redirect("procurement:project-detail", project.pk)


@require_POST
def contract_evaluation_grant_view(request, pk: int):
    """Commission the chosen third-party evaluation organization for the contract."""
    contract = _contract(request, pk)
    form = EvaluationGrantForm(request.POST, contract=contract)
    if form.is_valid():
        _call(request, services.contract_grant_evaluation, _("已委托第三方评估机构。"),
              contract=contract, organization=form.cleaned_data["organization"])
    else:
        _form_errors(request, form)
    return redirect("procurement:contract-detail", contract.pk)


@require_POST
def contract_evaluation_revoke_view(request, pk: int):
    """Withdraw the third-party evaluation organization's access to the contract."""
    contract = _contract(request, pk)
    form, organization = _revoked_holder(request, Organization)
    if form.is_valid():
        _call(request, services.contract_revoke_evaluation, _("已撤销第三方评估委托。"),
              contract=contract, organization=organization)
    return redirect("procurement:contract-detail", contract.pk)
