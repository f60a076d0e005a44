"""Expert pool pages (issue 7 item 14): platform admins and the procurement bureau list, search,
filter and edit experts; each expert maintains the periods it cannot evaluate and the
organizations it declares a conflict of interest with. The committee draw reads all of it
(evaluation.services.committees). Everyone else gets 404.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from accounts.models import Division, ExpertProfile, ExpertSpecialty, Organization
from accounts.services.experts import (
    expert_conflict_declare,
    expert_conflict_withdraw,
    expert_profile_update,
    expert_unavailability_add,
    expert_unavailability_remove,
)
from core.lists import FilteredListMixin
from core.widgets import DateInput
from evaluation.filters import ExpertFilter
from office.shell import OfficeListMixin, OfficeMixin, call_service

MANAGE = "accounts.manage_expertprofile"
MAINTAIN = "accounts.maintain_expertprofile"
VIEW = "accounts.view_expertprofile"


def _profiles():
    return ExpertProfile.objects.select_related("user", "employer", "region").order_by("pk")


def _regions():
    return Division.objects.order_by("code", "name")


class ExpertListView(FilteredListMixin, OfficeListMixin, TemplateView):
    """List, search, filter, sort and export the expert pool (platform admins and purchaser
    staff)."""

    template_name = "evaluation/expert_list.html"
    filterset_class = ExpertFilter
    export_title = gettext_lazy("专家库")
    export_columns = [
        (gettext_lazy("专家"), lambda p: p.user.display_name, None),
        (gettext_lazy("用户名"), lambda p: p.user.username, None),
        (gettext_lazy("评审专业"), lambda p: p.get_categories_display(), None),
        (gettext_lazy("专业特长说明"), lambda p: p.specialties, None),
        (gettext_lazy("工作单位"), lambda p: p.employer.name if p.employer else "", None),
        (gettext_lazy("所在地区"), lambda p: p.region.name if p.region else "", None),
        (gettext_lazy("在库"), lambda p: _("是") if p.is_active else _("否"), None),
    ]

    def get(self, request, *args, **kwargs):
        if not request.user.has_perm(MANAGE):
            raise Http404
        return super().get(request, *args, **kwargs)

    def get_rows(self):
        return _profiles()


class ExpertProfileForm(forms.Form):
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("评审专业（服务类别）"), choices=ExpertSpecialty.choices, required=False,
        widget=forms.CheckboxSelectMultiple)
    specialties = forms.CharField(label=gettext_lazy("专业特长说明"), required=False, max_length=200)
    employer = forms.ModelChoiceField(label=gettext_lazy("工作单位"), required=False,
                                      queryset=Organization.objects.none())
    region = forms.ModelChoiceField(label=gettext_lazy("所在地区"), required=False,
                                    queryset=Division.objects.none())
    is_active = forms.BooleanField(label=gettext_lazy("在库"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = Organization.objects.filter(is_active=True)
        self.fields["region"].queryset = _regions()


class ExpertEditView(OfficeMixin, FormView):
    """Edit an expert's specialties, employer, region and pool status (expert_profile_update)."""

    template_name = "evaluation/expert_form.html"
    form_class = ExpertProfileForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if not request.user.has_perm(MANAGE):
                raise Http404
            self.profile = get_object_or_404(_profiles(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        p = self.profile
        return {"categories": p.categories, "specialties": p.specialties,
                "employer": p.employer, "region": p.region, "is_active": p.is_active}

    def get_context_data(self, **kwargs):
        return super().get_context_data(profile=self.profile, submit_label=_("保存"), **kwargs)

    def form_valid(self, form):
        if call_service(form, expert_profile_update, profile=self.profile,
                        actor=self.request.user, **form.cleaned_data) is None:
            return self.form_invalid(form)
        messages.success(self.request, _("专家信息已保存。"))
        return redirect("evaluation:expert-list")


class PeriodForm(forms.Form):
    starts_on = forms.DateField(label=gettext_lazy("不可参评起始日"),
                                widget=DateInput())
    ends_on = forms.DateField(label=gettext_lazy("不可参评截止日"),
                              widget=DateInput())
    reason = forms.CharField(label=gettext_lazy("原因"), required=False, max_length=200)


class ConflictForm(forms.Form):
    organization = forms.ModelChoiceField(label=gettext_lazy("存在利害关系的机构"),
                                          queryset=Organization.objects.none())
    reason = forms.CharField(label=gettext_lazy("利害关系说明"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(is_active=True)


def _posted_id(request) -> int:
    """Return the posted row id; anything but digits (or beyond the column) is no row (404)."""
    value = request.POST.get("id") or ""
    if not value.isascii() or not value.isdigit() or int(value) > 2**31 - 1:
        raise Http404
    return int(value)


def my_expert_profile(request):
    """Send an expert to the page of its own profile (404 for anyone without one)."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    profile = ExpertProfile.objects.filter(user=request.user).first()
    if profile is None:
        raise Http404
    return redirect("evaluation:expert-availability", pk=profile.pk)


class ExpertAvailabilityView(OfficeMixin, TemplateView):
    """The expert's unavailable periods and declared conflicts: the expert adds and withdraws
    them (audited); the keepers of the pool read them."""

    template_name = "evaluation/expert_availability.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.profile = get_object_or_404(_profiles(), pk=kwargs["pk"])
            # The keepers read the page; only the expert declares (accounts.permissions).
            if not request.user.has_perm(VIEW, self.profile):
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("period_form", PeriodForm(prefix="period"))
        context.setdefault("conflict_form", ConflictForm(prefix="conflict"))
        context.update(
            profile=self.profile,
            periods=self.profile.unavailable_periods.all(),
            declarations=self.profile.conflict_declarations.select_related("organization"),
            keeper=self.request.user.has_perm(MANAGE),
            may_maintain=self.request.user.has_perm(MAINTAIN, self.profile),
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        user = request.user
        if not user.has_perm(MAINTAIN, self.profile):
            raise Http404
        if action == "add_period":
            form = PeriodForm(request.POST, prefix="period")
            if form.is_valid() and call_service(form, expert_unavailability_add,
                                                profile=self.profile, actor=user,
                                                **form.cleaned_data) is not None:
                messages.success(request, _("不可参评期间已申报。"))
                return redirect(request.path)
            return self.render_to_response(self.get_context_data(period_form=form))
        if action == "declare":
            form = ConflictForm(request.POST, prefix="conflict")
            if form.is_valid() and call_service(form, expert_conflict_declare,
                                                profile=self.profile, actor=user,
                                                **form.cleaned_data) is not None:
                messages.success(request, _("利害关系已申报。"))
                return redirect(request.path)
            return self.render_to_response(self.get_context_data(conflict_form=form))
        if action == "remove_period":
            period = get_object_or_404(self.profile.unavailable_periods,
                                       pk=_posted_id(request))
            expert_unavailability_remove(period=period, actor=user)
            messages.success(request, _("不可参评期间已撤销。"))
            return redirect(request.path)
        if action == "withdraw":
            declaration = get_object_or_404(self.profile.conflict_declarations,
                                            pk=_posted_id(request))
            expert_conflict_withdraw(declaration=declaration, actor=user)
            messages.success(request, _("利害关系申报已撤回。"))
            return redirect(request.path)
        raise Http404
