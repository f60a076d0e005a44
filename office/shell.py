"""Shared pieces of the back-office pages: login, the role menu, and service calls from forms."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from accounts.selectors import user_roles
from core.exceptions import ServiceError
from core.lists import KeysFirstPaginator

PAGE_SIZE = 25

# (url name, title, icon, roles that see the entry)
NAV = [
    ("procurement:need-list", _("居民需求"), "record_voice_over",
     {Role.RESIDENT, Role.COMMUNITY}),
    ("procurement:project-list", _("服务项目"), "assignment",
     {Role.COMMUNITY, Role.PURCHASER, Role.FINANCE, Role.SOCIAL_ORG, Role.SOCIAL_WORKER,
      Role.EXPERT, Role.SUPERVISOR}),
    ("procurement:tender-list", _("采购公告"), "campaign",
     {Role.PURCHASER, Role.SOCIAL_ORG, Role.EXPERT, Role.SUPERVISOR}),
    # The contract's parties, the funding bureau and the grantees (procurement.view_contract).
    ("procurement:contract-list", _("服务合同"), "description",
     {Role.PURCHASER, Role.FINANCE, Role.SOCIAL_ORG, Role.SOCIAL_WORKER, Role.SUPERVISOR,
      Role.EVALUATOR}),
    ("delivery:record-list", _("服务台账"), "fact_check",
     {Role.SOCIAL_WORKER, Role.SOCIAL_ORG, Role.COMMUNITY, Role.PURCHASER, Role.SUPERVISOR,
      Role.EVALUATOR}),
    ("delivery:milestone-list", _("阶段报告"), "flag",
     {Role.SOCIAL_ORG, Role.PURCHASER, Role.COMMUNITY, Role.SUPERVISOR, Role.EVALUATOR}),
    ("finance:ledger", _("预算台账"), "account_balance", {Role.FINANCE}),
    ("finance:tranche-list", _("资金拨付"), "payments",
     {Role.FINANCE, Role.PURCHASER, Role.SOCIAL_ORG, Role.SUPERVISOR}),
    ("evaluation:performance-list", _("绩效评价"), "grade",
     {Role.PURCHASER, Role.COMMUNITY, Role.SOCIAL_ORG, Role.RESIDENT, Role.EXPERT,
      Role.FINANCE, Role.SUPERVISOR, Role.EVALUATOR}),
    # The expert pool's keepers (accounts.manage_expertprofile); experts keep their own page.
    ("evaluation:expert-list", _("专家库"), "groups", {Role.ADMIN, Role.PURCHASER}),
    ("evaluation:expert-mine", _("我的专家信息"), "event_busy", {Role.EXPERT}),
    # The committees the expert sits on: its submitted scores, corrected under 87号令 64.
    ("evaluation:score-list", _("我的评审"), "rule", {Role.EXPERT}),
    # The organization's managers ask, platform admins decide (accounts.request/review_...).
    ("accounts:identity-change-list", _("机构身份信息变更"), "badge",
     {Role.ADMIN, Role.PURCHASER, Role.COMMUNITY, Role.SOCIAL_ORG, Role.FINANCE, Role.EVALUATOR,
      Role.SUPERVISOR}),
    # Ratings, inspections, qualifications, 失信 listings: admins record, organizations read
    # their own (accounts.permissions.REGISTRY_RECORD, accounts.readregistry_organization).
    ("accounts:registry-list", _("供应商库"), "verified", {Role.ADMIN, Role.SOCIAL_ORG}),
    # The city plan's targets against each community's data (planning.permissions).
    ("planning:monitor", _("规划目标监测"), "insights",
     {Role.ADMIN, Role.PURCHASER, Role.SUPERVISOR, Role.FINANCE, Role.COMMUNITY}),
    # Clarification questions and challenges waiting for the purchaser's answer (with a count).
    ("procurement:qa-pending", _("答疑与质疑"), "question_answer", {Role.PURCHASER}),
    # Dashboards per role (workflows.dashboards): the first pages after the inbox.
    ("workflows:dashboard-finance", _("预算执行看板"), "insights", {Role.FINANCE}),
    ("workflows:dashboard-purchaser", _("采购工作看板"), "insights", {Role.PURCHASER}),
    ("workflows:dashboard-community", _("社区服务看板"), "insights", {Role.COMMUNITY}),
    ("workflows:dashboard-social-org", _("承接服务看板"), "insights", {Role.SOCIAL_ORG}),
]

# url name -> function(user) -> int: a count shown beside the menu entry. Apps above office
# register theirs when they are ready (procurement: the questions waiting for an answer), so
# that office does not import them.
NAV_COUNTS: dict = {}


def office_nav(user) -> list[dict]:
    """Return the back-office menu entries for the user's roles."""
    roles = user_roles(user)
    return [
        {"url": reverse(name), "title": title, "icon": icon,
         "count": NAV_COUNTS[name](user) if name in NAV_COUNTS else None}
        for name, title, icon, allowed in NAV
        if roles & {str(r) for r in allowed}
    ]


class OfficeMixin(LoginRequiredMixin):
    """Require login and give templates the role menu."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["office_nav"] = office_nav(self.request.user)
        return context


class OfficeListMixin(OfficeMixin):
    """Paginate the rows of a selector-backed list page."""

    page_size = PAGE_SIZE

    def get_rows(self):
        raise NotImplementedError

    def list_rows(self):
        """Return the rows shown: ``get_rows()``, or those a list's filters keep (core.lists)."""
        return self.get_rows()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page"] = KeysFirstPaginator(self.list_rows(), self.page_size).get_page(
            self.request.GET.get("page"))
        return context


def call_service(form, func, /, **kwargs):
    """Call a service; a ServiceError becomes a form error (returns None).

    A refusal (core PermissionDenied) is left to core.middleware.ServiceErrorMiddleware: 404.
    """
    try:
        return func(**kwargs)
    except ServiceError as error:
        for message in error.messages:
            form.add_error(None, message)
        return None
