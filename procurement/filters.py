"""Search, filters and sort orders of the procurement lists (core.lists)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from core.lists import choice, ordering, search, since, until
from procurement.models import (
    Contract,
    Need,
    NeedCategory,
    ServiceProject,
    Tender,
    TenderQuestion,
)


def _communities(request):
    return Organization.objects.filter(kind=Organization.Kind.COMMUNITY).order_by("name")


class NeedFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索（标题、服务对象、社区）"),
                                  method=search(("title", "target_group", "community__name")))
    status = choice(Need.Status.choices, _("状态"), _("全部状态"))
    category = choice(NeedCategory.choices, _("类别"), _("全部类别"))
    community = django_filters.ModelChoiceFilter(label=_("所在社区"), queryset=_communities,
                                                 empty_label=_("全部社区"))
    submitted_from = since("submitted_at__date", _("提交日期从"))
    submitted_to = until("submitted_at__date", _("提交日期至"))
    o = ordering(("title", _("需求标题")), ("support_count", _("支持人数")),
                 ("submitted_at", _("提交时间")), default=_("默认排序（最新在前）"))

    class Meta:
        model = Need
        fields = ["q", "status", "category", "community"]


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索（编号、名称、社区）"),
                                  method=search(("code", "title", "community__name")))
    status = choice(ServiceProject.Status.choices, _("状态"), _("全部状态"))
    category = choice(NeedCategory.choices, _("服务类别"), _("全部类别"))
    community = django_filters.ModelChoiceFilter(label=_("设计社区"), queryset=_communities,
                                                 empty_label=_("全部社区"))
    fiscal_year = django_filters.NumberFilter(label=_("预算年度"), min_value=2000, max_value=2100)
    o = ordering(("code", _("项目编号")), ("title", _("项目名称")),
                 ("budget_amount", _("项目预算")), ("fiscal_year", _("预算年度")),
                 ("created_at", _("创建时间")), default=_("默认排序（最新在前）"))

    class Meta:
        model = ServiceProject
        fields = ["q", "status", "category", "community", "fiscal_year"]


class TenderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索（编号、名称、购买主体）"),
                                  method=search(("code", "title", "project__purchaser__name")))
    method = choice(Tender.Method.choices, _("采购方式"), _("全部方式"))
    status = choice(Tender.Status.choices, _("状态"), _("全部状态"))
    deadline_from = since("bid_deadline__date", _("截止日期从"))
    deadline_to = until("bid_deadline__date", _("截止日期至"))
    o = ordering(("code", _("采购编号")), ("title", _("采购项目名称")),
                 ("budget_amount", _("预算金额")), ("bid_deadline", _("投标截止时间")),
                 default=_("默认排序（截止时间最晚在前）"))

    class Meta:
        model = Tender
        fields = ["q", "method", "status"]


class ContractFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索（编号、项目、甲方、乙方）"),
                                  method=search(("code", "project__title", "purchaser__name",
                                                 "supplier__name")))
    status = choice(Contract.Status.choices, _("状态"), _("全部状态"))
    start_from = since("start_date", _("开始日期从"))
    start_to = until("start_date", _("开始日期至"))
    o = ordering(("code", _("合同编号")), ("project__title", _("项目名称")),
                 ("amount", _("合同金额")), ("start_date", _("开始日期")),
                 default=_("默认排序（最新在前）"))

    class Meta:
        model = Contract
        fields = ["q", "status"]


class QAPendingFilter(django_filters.FilterSet):
    """Filter both tables of the QA pending page: unanswered questions and open challenges."""

    q = django_filters.CharFilter(label=_("搜索（采购编号、项目名称、机构）"),
                                  method=search(("tender__code", "tender__title",
                                                 "organization__name")))
    kind = django_filters.ChoiceFilter(
        label=_("类型"), choices=[("question", _("澄清问题")), ("challenge", _("质疑"))],
        empty_label=_("全部"), method="filter_kind")

    class Meta:
        model = TenderQuestion
        fields = ["q"]

    def filter_kind(self, queryset, name, value):
        keep = {"question": "tenderquestion", "challenge": "challenge"}[value]
        return queryset if queryset.model._meta.model_name == keep else queryset.none()
