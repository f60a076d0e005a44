"""Search, filters and sort orders of the procurement lists (office.lists)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from procurement.models import Contract, NeedCategory, ServiceProject, Tender


def _search(fields):
    def method(queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        q = Q()
        for field in fields:
            q |= Q(**{f"{field}__icontains": value})
        return queryset.filter(q)
    return method


def _years(queryset):
    years = sorted(set(queryset.values_list("fiscal_year", flat=True)), reverse=True)
    return [(y, str(y)) for y in years]


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索（编号、名称、社区）"),
                                  method=_search(("code", "title", "community__name")))
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ServiceProject.Status.choices,
                                         empty_label=_("全部状态"))
    category = django_filters.ChoiceFilter(label=_("服务类别"), choices=NeedCategory.choices,
                                           empty_label=_("全部类别"))
    fiscal_year = django_filters.NumberFilter(label=_("预算年度"), min_value=2000, max_value=2100)
    o = django_filters.OrderingFilter(
        label=_("排序"), empty_label=_("默认排序（最新在前）"),
        fields=(("code", "code"), ("budget_amount", "budget_amount"), ("created_at", "created_at")),
        field_labels={"code": _("项目编号"), "budget_amount": _("项目预算"),
                      "created_at": _("创建时间")})

    class Meta:
        model = ServiceProject
        fields = ["q", "status", "category", "fiscal_year"]


class TenderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索（编号、名称、购买主体）"),
                                  method=_search(("code", "title", "project__purchaser__name")))
    method = django_filters.ChoiceFilter(label=_("采购方式"), choices=Tender.Method.choices,
                                         empty_label=_("全部方式"))
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Tender.Status.choices,
                                         empty_label=_("全部状态"))
    o = django_filters.OrderingFilter(
        label=_("排序"), empty_label=_("默认排序（截止时间最晚在前）"),
        fields=(("bid_deadline", "bid_deadline"), ("budget_amount", "budget_amount"),
                ("code", "code")),
        field_labels={"bid_deadline": _("投标截止时间"), "budget_amount": _("预算金额"),
                      "code": _("采购编号")})

    class Meta:
        model = Tender
        fields = ["q", "method", "status"]


class ContractFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索（编号、项目、乙方）"),
                                  method=_search(("code", "project__title", "supplier__name")))
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Contract.Status.choices,
                                         empty_label=_("全部状态"))
    o = django_filters.OrderingFilter(
        label=_("排序"), empty_label=_("默认排序（最新在前）"),
        fields=(("amount", "amount"), ("start_date", "start_date"), ("code", "code")),
        field_labels={"amount": _("合同金额"), "start_date": _("开始日期"), "code": _("合同编号")})

    class Meta:
        model = Contract
        fields = ["q", "status"]
