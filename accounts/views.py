"""Account views: switching the interface language; an organization's identity-change requests
(the organization asks, a platform admin decides)."""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.filters import IdentityChangeFilter, RegistryFilter
from accounts.forms import (
    IdentityChangeRequestForm,
    IdentityChangeReviewForm,
    RegistryDateForm,
    RegistryImportForm,
    RegistryInspectionForm,
    RegistryListingForm,
    RegistryQualificationForm,
    RegistryRatingForm,
    UserLanguageForm,
)
from accounts.models import CreditListing, Organization, OrganizationIdentityChange, Qualification
from accounts.permissions import REGISTRY_RECORD
from accounts.selectors import (
    identity_change_list_for_user,
    identity_organizations_for_user,
    is_platform_admin,
    organization_registry_status,
    registry_organizations_for_user,
    registry_records,
    registry_status_for,
)
from accounts.services.organizations import (
    organization_identity_change_approve,
    organization_identity_change_reject,
    organization_identity_change_request,
)
from accounts.services.registry import (
    IMPORT_SHEETS,
    registry_import,
    registry_inspection_record,
    registry_listing_record,
    registry_listing_remove,
    registry_qualification_record,
    registry_qualification_revoke,
    registry_rating_record,
)
from accounts.services.users import user_set_language
from core.confirm import confirmation_page, entered_rows
from core.exceptions import ServiceError
from core.lists import DATE, DATETIME, FilteredListMixin


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


def _before(field: str):
    return lambda c: (c.before or {}).get(field, "")


class IdentityChangeListView(LoginRequiredMixin, FilteredListMixin, TemplateView):
    """List the identity-change requests the user may read (search, filter, sort, export), and
    the organizations it may ask for."""

    template_name = "accounts/identity_change_list.html"
    filterset_class = IdentityChangeFilter
    export_title = _("机构身份信息变更")
    export_columns = [
        (_("机构"), lambda c: c.organization.name, None),
        (_("变更前名称"), _before("name"), None),
        (_("变更前统一社会信用代码"), _before("credit_code"), None),
        (_("变更前法定代表人"), _before("legal_representative"), None),
        (_("申请变更名称"), lambda c: c.name, None),
        (_("申请变更统一社会信用代码"), lambda c: c.credit_code, None),
        (_("申请变更法定代表人"), lambda c: c.legal_representative, None),
        (_("变更原因及依据"), lambda c: c.reason, None),
        (_("申请人"), lambda c: c.requested_by.display_name, None),
        (_("申请时间"), lambda c: c.requested_at, DATETIME),
        (_("状态"), lambda c: c.get_status_display(), None),
        (_("审核人"), lambda c: c.reviewed_by.display_name if c.reviewed_by else "", None),
        (_("审核时间"), lambda c: c.reviewed_at, DATETIME),
        (_("审核意见"), lambda c: c.review_note, None),
    ]

    def get_rows(self):
        return identity_change_list_for_user(user=self.request.user).order_by(
            "-requested_at", "-pk")

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
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


# Supplier registry ------------------------------------------------------------------------------

REGISTRY_FORMS = {
    "rating": (RegistryRatingForm, registry_rating_record, _("登记评估等级")),
    "inspection": (RegistryInspectionForm, registry_inspection_record, _("登记年检/年报结论")),
    "qualification": (RegistryQualificationForm, registry_qualification_record, _("登记资质证书")),
    "listing": (RegistryListingForm, registry_listing_record, _("登记失信名单记录")),
}


class RegistryListView(LoginRequiredMixin, FilteredListMixin, TemplateView):
    """The supplier registry: each social organization's standing today (admins: all; an
    organization's staff: its own); search, filter, sort, export. Five queries for the
    standings, however many rows."""

    template_name = "accounts/registry_list.html"
    filterset_class = RegistryFilter
    page_size = 50
    export_title = _("供应商库")
    export_columns = [
        (_("机构"), lambda r: r[0].name, None),
        (_("统一社会信用代码"), lambda r: r[0].credit_code, None),
        (_("机构状态"), lambda r: gettext("有效") if r[0].is_active else gettext("无效"), None),
        (_("评估等级"), lambda r: r[1].rating or "", None),
        (_("评估等级有效期至"), lambda r: r[1].rating_valid_until, DATE),
        (_("最近年检年度"), lambda r: r[1].inspection.year if r[1].inspection else None, None),
        (_("最近年检结论"),
         lambda r: r[1].inspection.get_result_display() if r[1].inspection else "", None),
        (_("有效资质数"), lambda r: len(r[1].qualification_kinds), None),
        (_("今日资格"), lambda r: gettext("符合") if r[1].eligible else gettext("不符合"), None),
        (_("不符合原因"), lambda r: "；".join(str(x) for x in r[1].reasons()), None),
    ]

    def get(self, request, *args, **kwargs):
        if (request.user.is_authenticated and not is_platform_admin(request.user)
                and not self.get_rows().exists()):
            raise Http404
        return super().get(request, *args, **kwargs)

    def get_rows(self):
        return registry_organizations_for_user(user=self.request.user)

    def export_rows(self, rows):
        rows = list(rows)
        statuses = registry_status_for([o.pk for o in rows], on=timezone.localdate())
        return [(o, statuses[o.pk]) for o in rows]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(rows=self.export_rows(context["page"].object_list),
                       maintainer=self.request.user.has_perm(REGISTRY_RECORD["rating"]))
        return context


class RegistryDetailView(LoginRequiredMixin, TemplateView):
    """One organization's registry record; platform admins record new facts here."""

    template_name = "accounts/registry_detail.html"

    def dispatch(self, request, *args, **kwargs):
        self.organization = get_object_or_404(Organization, pk=kwargs["pk"],
                                              kind=Organization.Kind.SOCIAL_ORG)
        if request.user.is_authenticated and not request.user.has_perm(
                "accounts.readregistry_organization", self.organization):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        maintainer = self.request.user.has_perm(REGISTRY_RECORD["rating"])
        forms = {}
        if maintainer:
            forms = {key: (form_class(prefix=key), title)
                     for key, (form_class, _service, title) in REGISTRY_FORMS.items()}
        return super().get_context_data(
            organization=self.organization, maintainer=maintainer, forms=forms,
            status=organization_registry_status(self.organization, on=timezone.localdate()),
            date_form=RegistryDateForm(), **registry_records(self.organization), **kwargs)


class RegistryRecordView(LoginRequiredMixin, FormView):
    """Record a rating, an inspection, a qualification or a listing (platform admins)."""

    template_name = "accounts/registry_form.html"

    def dispatch(self, request, *args, **kwargs):
        if kwargs["record"] not in REGISTRY_FORMS:
            raise Http404
        self.form_class, self.service, self.title = REGISTRY_FORMS[kwargs["record"]]
        self.prefix = kwargs["record"]
        self.organization = get_object_or_404(Organization, pk=kwargs["pk"],
                                              kind=Organization.Kind.SOCIAL_ORG)
        if request.user.is_authenticated and not request.user.has_perm(
                REGISTRY_RECORD[kwargs["record"]]):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(organization=self.organization, title=self.title,
                                        **kwargs)

    def form_valid(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            self.service(organization=self.organization, actor=self.request.user, **data)
        except ServiceError as error:
            _form_error(form, error)
            return self.form_invalid(form)
        return redirect("accounts:registry-detail", self.organization.pk)


class RegistryEndView(LoginRequiredMixin, FormView):
    """Record that a listing was removed (移出名单) or a qualification revoked, on a day."""

    template_name = "accounts/registry_form.html"
    form_class = RegistryDateForm

    def dispatch(self, request, *args, **kwargs):
        model = {"listing": CreditListing, "qualification": Qualification}.get(kwargs["record"])
        if model is None:
            raise Http404
        self.row = get_object_or_404(model.objects.select_related("organization"),
                                     pk=kwargs["pk"])
        if request.user.is_authenticated and not request.user.has_perm(
                REGISTRY_RECORD[kwargs["record"]]):
            raise Http404
        self.kind = kwargs["record"]
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        title = _("登记移出失信名单") if self.kind == "listing" else _("登记资质注销/吊销")
        return super().get_context_data(organization=self.row.organization, title=title,
                                        row=self.row, **kwargs)

    def form_valid(self, form):
        day = form.cleaned_data["day"]
        listing = self.kind == "listing"
        page = confirmation_page(
            self.request, title=_("登记移出失信名单") if listing else _("登记资质注销/吊销"),
            action_label=_("确认登记"),
            consequence=(_("登记后该机构自所填日期起不再列入失信名单，投标资格审查随之改变；登记记入审计日志。")
                         if listing else
                         _("登记后该资质自所填日期起失效，要求该资质的采购项目将不再接受该机构投标；"
                           "登记记入审计日志。")),
            cancel_url=self.request.path,
            facts=[(_("机构"), self.row.organization.name), (_("记录"), str(self.row))],
            entered=entered_rows(form))
        if page is not None:
            return page
        try:
            if listing:
                registry_listing_remove(listing=self.row, actor=self.request.user, removed_on=day)
            else:
                registry_qualification_revoke(qualification=self.row, actor=self.request.user,
                                              revoked_on=day)
        except ServiceError as error:
            _form_error(form, error)
            return self.form_invalid(form)
        return redirect("accounts:registry-detail", self.row.organization_id)


class RegistryImportView(LoginRequiredMixin, FormView):
    """Import the registry from an Excel workbook (platform admins); check first, then import."""

    template_name = "accounts/registry_import.html"
    form_class = RegistryImportForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm(
                REGISTRY_RECORD["rating"]):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        sheets = [(sheet, list(columns)) for sheet, (_service, columns) in IMPORT_SHEETS.items()]
        return super().get_context_data(import_sheets=sheets, **kwargs)

    def form_valid(self, form):
        dry_run = form.cleaned_data["dry_run"]
        try:
            counts = registry_import(workbook_file=form.cleaned_data["workbook"],
                                     actor=self.request.user, dry_run=dry_run)
        except ServiceError as error:
            _form_error(form, error)
            return self.form_invalid(form)
        return self.render_to_response(self.get_context_data(
            form=RegistryImportForm() if not dry_run else form, counts=counts, dry_run=dry_run))


def login_locked_out(request, original_response=None, credentials=None):
    """The login page again, with the lockout said plainly (django-axes' AXES_LOCKOUT_CALLABLE).

    Answered 429 without checking the password: the username+address pair made too many wrong
    attempts, and the lock ends by itself after the cool-off or when an admin lifts it.
    """
    from django.shortcuts import render
    from viewflow.contrib.auth import AuthenticationForm

    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    message = gettext(
        "登录失败次数过多，该账号已在本机地址被暂时锁定。请在 %(minutes)s 分钟后再试，"
        "或联系平台管理员解锁。"
    ) % {"minutes": minutes}
    return render(request, "registration/login.html",
                  {"form": form, "lockout_message": message}, status=429)
