"""The plan monitoring pages: communities against the plan's targets, the targets, and a
community's own data (population, volunteers, their service)."""

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.models import Division
from core.charts import Chart, ChartExportMixin, Series
from core.lists import xlsx_response
from office.shell import OfficeMixin, call_service
from planning import selectors
from planning.forms import (
    CommunityProfileForm,
    MonitorFilterForm,
    VolunteerForm,
    VolunteerServiceForm,
    targets_form,
)
from planning.models import PlanIndicator, PlanTarget, Volunteer
from planning.permissions import community_scope, may_monitor, target_divisions
from planning.services import (
    community_profile_set,
    plan_targets_set,
    volunteer_register,
    volunteer_service_record,
)


def _plain(value):
    return "" if value is None else value


class PlanMonitorView(ChartExportMixin, OfficeMixin, TemplateView):
    """Each community in the user's scope against the targets of the chosen plan and year."""

    template_name = "planning/monitor.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_monitor(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def setup_filters(self):
        user = self.request.user
        plans = selectors.plans()
        streets = list(Division.objects.filter(
            pk__in=Division.objects.filter(community_scope(user)).values("parent_id"))
            .order_by("code", "name"))
        this_year = timezone.localdate().year
        years = list(range(this_year, this_year - 6, -1))
        form = MonitorFilterForm(self.request.GET or None, plans=plans, streets=streets, years=years)
        plan, year, street, area, unmet = (plans[0] if plans else ("", 0)) + (None, None, False)
        measured = this_year
        if form.is_bound and form.is_valid():
            measured = form.cleaned_data["measured"] or this_year
            if form.cleaned_data["plan"]:
                year_text, _sep, plan = form.cleaned_data["plan"].partition("|")
                year = int(year_text)
            street = form.cleaned_data["street"]
            area = form.cleaned_data["area"] or None
            unmet = form.cleaned_data["unmet"]
        rows = selectors.plan_monitoring(user=user, plan=plan, year=year, measured=measured,
                                         street_id=street, area=area) if plan else []
        summary = selectors.street_summary(rows)
        if unmet:
            rows = [r for r in rows if r.unmet]
        return form, plan, year, measured, rows, summary

    def get(self, request, *args, **kwargs):
        (self.form, self.plan, self.year, self.measured, self.rows,
         self.summary) = self.setup_filters()
        if request.GET.get("export") == "xlsx" and not request.GET.get("chart"):
            return self.export()
        return super().get(request, *args, **kwargs)

    def get_charts(self):
        """How many communities meet each target (street summary totals), and each community's
        share of registered volunteers against the 13 % kind of target."""
        met = selectors.met_totals(self.summary)
        volunteer = list(PlanIndicator).index(PlanIndicator.VOLUNTEER_RATE)
        return [
            Chart(key="met", kind=Chart.HBAR, title=_("各指标达标社区数"), category=_("指标"),
                  labels=[str(i.label) for i in PlanIndicator], unit=_("个"),
                  series=[Series(_("达标"), [m for m, _n in met]),
                          Series(_("未达标"), [n - m for m, n in met])]),
            Chart(key="volunteers", kind=Chart.HBAR,
                  title=(_("注册志愿者占居民比例（%）") if len(self.rows) <= 30 else
                         _("注册志愿者占居民比例（%%）：前30个社区，共%(n)d个") % {"n": len(self.rows)}),
                  category=_("社区"), labels=[r.division.name for r in self.rows[:30]],
                  series=[Series(_("实际"), [r.measures[volunteer].actual for r in self.rows[:30]]),
                          Series(_("目标"), [r.measures[volunteer].target.value
                                           if r.measures[volunteer].target else None
                                           for r in self.rows[:30]])]),
        ]

    def export(self):
        columns = [(_("街道/乡镇"), lambda r: r.street.name if r.street else "", None),
                   (_("社区"), lambda r: r.division.name, None),
                   (_("城乡类型"), lambda r: r.profile.get_area_display() if r.profile else "", None),
                   (_("常住人口"), lambda r: r.profile.population if r.profile else None, "#,##0")]
        for index, indicator in enumerate(PlanIndicator):
            columns += [
                (f"{indicator.label}·{_('实际')}",
                 lambda r, i=index: _plain(r.measures[i].actual), "0.00"),
                (f"{indicator.label}·{_('目标')}",
                 lambda r, i=index: _plain(r.measures[i].target and r.measures[i].target.value),
                 "0.00"),
                (f"{indicator.label}·{_('达标')}",
                 lambda r, i=index: {True: _("达标"), False: _("未达标")}.get(r.measures[i].met, "—"),
                 None)]
        return xlsx_response(rows=self.rows, columns=columns, title=_("规划目标监测"),
                             filename=f"{_('规划目标监测')}-{self.measured}.xlsx")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("export", None)
        context.update(filter_form=self.form, plan=self.plan, year=self.year,
                       measured=self.measured, rows=self.rows,
                       summary=self.summary, indicators=list(PlanIndicator),
                       list_query=query.urlencode(),
                       may_set_targets=self.request.user.has_perm("planning.change_plantarget"),
                       charts=self.get_charts() if self.plan else [])
        return context


class PlanTargetsView(OfficeMixin, TemplateView):
    """Set a plan's targets for a year (the divisions the user may set them for)."""

    template_name = "planning/targets.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("planning.change_plantarget"):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def form_class(self):
        allowed = target_divisions(self.request.user)
        divisions = Division.objects.exclude(level=Division.Level.COMMUNITY)
        if allowed is not None:
            divisions = divisions.filter(allowed)
        return targets_form(divisions=list(divisions.order_by("code", "name")),
                            city_wide=allowed is None)

    def current(self):
        plan = self.request.GET.get("plan", "")
        year = self.request.GET.get("year", "")
        if not plan or not year.isdigit():
            first = selectors.plans()
            plan, year = first[0] if first else ("", "")
        targets = PlanTarget.objects.filter(plan=plan, year=year or 0).order_by("indicator", "area", "id")
        allowed = target_divisions(self.request.user)
        if allowed is not None:
            targets = targets.filter(division__in=Division.objects.filter(allowed))
        return plan, year, [{"division": t.division_id or "", "area": t.area, "indicator": t.indicator,
                             "value": t.value, "binding": t.binding, "source": t.source}
                            for t in targets]

    def get(self, request, *args, **kwargs):
        plan, year, rows = self.current()
        form = self.form_class()(initial={"plan": plan, "year": year},
                                 formset_initial={"targets": rows})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = self.form_class()(request.POST)
        if form.is_valid():
            divisions = {d.pk: d for d in Division.objects.filter(
                pk__in=[r["division"] for r in form.cleaned_data["targets"] if r["division"]])}
            rows = [{**r, "division": divisions.get(r["division"])}
                    for r in form.cleaned_data["targets"]]
            done = call_service(form, plan_targets_set, plan=form.cleaned_data["plan"],
                                year=form.cleaned_data["year"], actor=request.user, rows=rows)
            if done is not None:
                messages.success(request, _("规划目标已保存（%(n)d 项）。") % {"n": len(done)})
                return redirect("planning:monitor")
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["plans"] = selectors.plans()
        return context


class CommunityDataView(OfficeMixin, TemplateView):
    """A community's population, its volunteers and their service: kept by its 居委会, read by
    whoever monitors it."""

    template_name = "planning/community.html"
    forms = {"profile": CommunityProfileForm, "volunteer": VolunteerForm,
             "service": VolunteerServiceForm}

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.division = get_object_or_404(
            Division.objects.filter(community_scope(request.user)).select_related("parent"),
            pk=kwargs["pk"])
        self.keeper = request.user.has_perm("planning.keep_communityprofile", self.division)
        return super().dispatch(request, *args, **kwargs)

    def volunteers(self):
        return list(Volunteer.objects.filter(community=self.division, left_on__isnull=True)
                    .annotate(service_count=Count("services")).order_by("-registered_on", "-id"))

    def make_forms(self, data=None, which=None):
        profile = getattr(self.division, "profile", None)
        made = {
            "profile": CommunityProfileForm(data if which == "profile" else None, instance=profile,
                                            prefix="profile"),
            "volunteer": VolunteerForm(data if which == "volunteer" else None, prefix="volunteer"),
            "service": VolunteerServiceForm(data if which == "service" else None, prefix="service",
                                            volunteers=self.volunteer_rows),
        }
        return made

    def get(self, request, *args, **kwargs):
        self.volunteer_rows = self.volunteers()
        return self.render_to_response(self.get_context_data(forms=self.make_forms()))

    def post(self, request, *args, **kwargs):
        if not self.keeper:
            raise Http404
        which = request.POST.get("which")
        if which not in self.forms:
            raise Http404
        self.volunteer_rows = self.volunteers()
        forms = self.make_forms(request.POST, which)
        form = forms[which]
        if form.is_valid():
            data = form.cleaned_data
            if which == "profile":
                done = call_service(form, community_profile_set, division=self.division,
                                    actor=request.user, area=data["area"],
                                    population=data["population"], households=data["households"])
            elif which == "volunteer":
                done = call_service(form, volunteer_register, division=self.division,
                                    actor=request.user, name=data["name"], phone=data["phone"],
                                    registered_on=data["registered_on"])
            else:
                volunteer = next((v for v in self.volunteer_rows if v.pk == data["volunteer"]), None)
                if volunteer is None:
                    raise Http404
                done = call_service(form, volunteer_service_record, volunteer=volunteer,
                                    actor=request.user, served_on=data["served_on"],
                                    hours=data["hours"], activity=data["activity"])
            if done is not None:
                messages.success(request, _("已保存。"))
                return redirect("planning:community", self.division.pk)
        return self.render_to_response(self.get_context_data(forms=forms))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plans = selectors.plans()
        rows = []
        if plans:
            rows = selectors.plan_monitoring(user=self.request.user, plan=plans[0][0],
                                             year=plans[0][1], measured=timezone.localdate().year,
                                             division_id=self.division.pk)
        context.update(division=self.division, keeper=self.keeper,
                       profile=getattr(self.division, "profile", None),
                       volunteers=self.volunteer_rows, row=rows[0] if rows else None,
                       plan=plans[0] if plans else None)
        return context
