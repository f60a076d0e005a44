"""Account views: switching the interface language; an organization's identity-change requests
(the organization asks, a platform admin decides)."""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.forms import IdentityChangeRequestForm, IdentityChangeReviewForm, UserLanguageForm
from accounts.models import Organization, OrganizationIdentityChange
from accounts.selectors import (
    identity_change_list_for_user,
    identity_organizations_for_user,
    is_platform_admin,
)
from accounts.services.organizations import (
    organization_identity_change_approve,
    organization_identity_change_reject,
    organization_identity_change_request,
)
from accounts.services.users import user_set_language
from core.exceptions import ServiceError


class UserLanguageUpdateView(LoginRequiredMixin, View):
    """Save the language chosen by the logged-in user and go back (POST only)."""

    http_method_names = ["post"]

    def post(self, request):
        form = UserLanguageForm(request.POST)
        target = request.POST.get("next") or request.headers.get("referer") or "/"
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = "/"
        response = HttpResponseRedirect(target)
        if form.is_valid():
            language = user_set_language(user=request.user, language=form.cleaned_data["language"])
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
        return response


def _form_error(form, error: ServiceError) -> None:
    for message in error.messages:
        form.add_error(None, message)


class IdentityChangeListView(LoginRequiredMixin, TemplateView):
    """List the identity-change requests the user may read, and the organizations it may ask for."""

    template_name = "accounts/identity_change_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            changes=identity_change_list_for_user(user=user)[:200],
            organizations=identity_organizations_for_user(user=user),
            reviewer=is_platform_admin(user), **kwargs)


class IdentityChangeRequestView(LoginRequiredMixin, FormView):
    """Let an organization's manager ask to change its identity (organization_identity_change_request)."""

    template_name = "accounts/identity_change_form.html"
    form_class = IdentityChangeRequestForm

    def dispatch(self, request, *args, **kwargs):
        self.organization = get_object_or_404(Organization, pk=kwargs["pk"])
        if request.user.is_authenticated and not request.user.has_perm(
                "accounts.request_organizationidentitychange", self.organization):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        o = self.organization
        return {"name": o.name, "credit_code": o.credit_code,
                "legal_representative": o.legal_representative}

    def get_context_data(self, **kwargs):
        return super().get_context_data(organization=self.organization, **kwargs)

    def form_valid(self, form):
        try:
            organization_identity_change_request(organization=self.organization,
                                                 actor=self.request.user, **form.cleaned_data)
        except ServiceError as error:
            _form_error(form, error)
            return self.form_invalid(form)
        return redirect("accounts:identity-change-list")


class IdentityChangeReviewView(LoginRequiredMixin, FormView):
    """Let a platform admin other than the requester approve or reject a request."""

    template_name = "accounts/identity_change_review.html"
    form_class = IdentityChangeReviewForm

    def dispatch(self, request, *args, **kwargs):
        self.change = get_object_or_404(
            OrganizationIdentityChange.objects.select_related("organization", "requested_by"),
            pk=kwargs["pk"])
        if request.user.is_authenticated and not request.user.has_perm(
                "accounts.review_organizationidentitychange", self.change):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(change=self.change, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            if data["decision"] == "approve":
                organization_identity_change_approve(change=self.change, actor=self.request.user,
                                                     note=data["note"])
            else:
                organization_identity_change_reject(change=self.change, actor=self.request.user,
                                                    note=data["note"])
        except ServiceError as error:
            _form_error(form, error)
            return self.form_invalid(form)
        return redirect("accounts:identity-change-list")
