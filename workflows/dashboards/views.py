"""The dashboard pages, one per role, each scoped to one of the user's organizations.

``/workspace/dashboards/<role>/`` shows the first organization in which the user holds the role;
``/workspace/dashboards/<role>/<org id>/`` another one of them. A user without the role, or an
organization where the user does not hold it, answers 404. ``?chart=<key>&export=xlsx`` answers a
chart's numbers as Excel (core.charts.ChartExportMixin).
"""

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from accounts.roles import Role
from accounts.selectors import user_memberships
from core.charts import ChartExportMixin
from office.shell import OfficeMixin
from workflows.dashboards import annual, charts, selectors


class DashboardView(ChartExportMixin, OfficeMixin, TemplateView):
    role: str = ""
    title = ""
    url_name = ""

    def organizations(self) -> list:
        seen = {}
        for m in user_memberships(self.request.user):
            if m.role == self.role and m.organization_id and m.organization.is_active:
                seen.setdefault(m.organization_id, m.organization)
        return sorted(seen.values(), key=lambda o: o.pk)

    def organization(self):
        if not hasattr(self, "_organization"):
            organizations = self.organizations()
            wanted = self.kwargs.get("org")
            chosen = [o for o in organizations if wanted is None or o.pk == wanted]
            if not chosen:
                raise Http404
            self._organization = chosen[0]
            self._organizations = organizations
        return self._organization

    def data(self):
        if not hasattr(self, "_data"):
            self._data = self.build(self.organization())
        return self._data

    def build(self, organization):
        raise NotImplementedError

    def make_charts(self, data) -> list:
        raise NotImplementedError

    def get_charts(self):
        if not hasattr(self, "_charts"):
            self._charts = self.make_charts(self.data())
        return self._charts

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organization = self.organization()
        context.update(
            title=self.title, organization=organization, data=self.data(),
            # By key with "_" for "-" (template variables cannot hold a hyphen).
            charts={c.key.replace("-", "_"): c for c in self.get_charts()},
            organizations=[{"name": o.name, "current": o.pk == organization.pk,
                            "url": reverse(self.url_name + "-org", kwargs={"org": o.pk})}
                           for o in self._organizations] if len(self._organizations) > 1 else [],
        )
        return context


class FinanceDashboardView(DashboardView):
    role = Role.FINANCE
    title = _("预算执行看板")
    url_name = "workflows:dashboard-finance"
    template_name = "dashboards/finance.html"

    def build(self, organization):
        return selectors.finance_dashboard(organization=organization)

    def make_charts(self, data):
        return charts.finance_charts(data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = context["data"]
        context["budget_tables"] = [
            (_("按预算年度"), data.by_year), (_("按资金来源"), data.by_source),
            (_("按区划"), data.by_division)] if data.by_year else []
        return context


class PurchaserDashboardView(DashboardView):
    role = Role.PURCHASER
    title = _("采购工作看板")
    url_name = "workflows:dashboard-purchaser"
    template_name = "dashboards/purchaser.html"

    def build(self, organization):
        return selectors.purchaser_dashboard(organization=organization)

    def make_charts(self, data):
        return charts.purchaser_charts(data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organization = context["organization"]
        context["annual_reports"] = [
            (year, reverse("workflows:annual-report-org",
                           kwargs={"org": organization.pk, "year": year}))
            for year in annual.report_years(organization)]
        return context


class PurchaserAnnualReportView(PurchaserDashboardView):
    """The purchaser's annual report of a fiscal year as a PDF (workflows.dashboards.annual);
    the same organization check as the dashboard (another organization's: 404)."""

    def get(self, request, *args, **kwargs):
        organization = self.organization()
        year = kwargs["year"]
        if year not in annual.report_years(organization):
            raise Http404
        return annual.annual_report_response(organization=organization, year=year)


class CommunityDashboardView(DashboardView):
    role = Role.COMMUNITY
    title = _("社区服务看板")
    url_name = "workflows:dashboard-community"
    template_name = "dashboards/community.html"

    def build(self, organization):
        return selectors.community_dashboard(organization=organization)

    def make_charts(self, data):
        return charts.community_charts(data)


class SocialOrgDashboardView(DashboardView):
    role = Role.SOCIAL_ORG
    title = _("承接服务看板")
    url_name = "workflows:dashboard-social-org"
    template_name = "dashboards/social_org.html"

    def build(self, organization):
        return selectors.social_org_dashboard(organization=organization)

    def make_charts(self, data):
        return charts.social_org_charts(data)
