"""Search, filters and sort orders of the evaluation lists (core.lists)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.models import Division, ExpertProfile, ExpertSpecialty, Organization
from core.lists import choice, ordering, search, year
from evaluation.models import CommitteeMember, PerformanceEvaluation
from procurement.models import Tender


def _communities(request):
    return Organization.objects.filter(kind=Organization.Kind.COMMUNITY).order_by("name")


def _regions(request):
    return Division.objects.order_by("code", "name")


class PerformanceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("搜索（合同编号、项目、社区、承接机构）"),
        method=search(("contract__code", "contract__project__title",
                       "contract__project__community__name", "contract__supplier__name")))
    status = choice(PerformanceEvaluation.Status.choices, _("状态"), _("全部状态"))
    grade = choice(PerformanceEvaluation.Grade.choices, _("等级"), _("全部等级"))
    community = django_filters.ModelChoiceFilter(
        label=_("社区"), field_name="contract__project__community", queryset=_communities,
        empty_label=_("全部社区"))
    fiscal_year = year("contract__project__fiscal_year", _("预算年度"))
    o = ordering(("contract__code", _("合同编号")), ("contract__project__title", _("项目名称")),
                 ("total", _("综合得分")), ("opened_at", _("开始时间")),
                 default=_("默认排序（最新在前）"))

    class Meta:
        model = PerformanceEvaluation
        fields = ["q", "status", "grade"]


class ExpertFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("姓名/用户名/专业领域"),
                                  method=search(("user__real_name", "user__username",
                                                 "specialties")))
    category = django_filters.ChoiceFilter(label=_("评审专业"), choices=ExpertSpecialty.choices,
                                           empty_label=_("全部"), method="filter_category")
    region = django_filters.ModelChoiceFilter(label=_("所在地区"), queryset=_regions,
                                              empty_label=_("全部地区"))
    active = django_filters.ChoiceFilter(
        label=_("在库状态"), choices=[("1", _("在库")), ("0", _("出库"))], empty_label=_("全部"),
        method="filter_active")
    o = ordering(("user__real_name", _("专家")), ("employer__name", _("工作单位")),
                 ("region__name", _("所在地区")), default=_("默认排序（登记先后）"))

    class Meta:
        model = ExpertProfile
        fields = ["q", "region"]

    def filter_category(self, queryset, name, value):
        # categories is a JSON list, matched in Python so that every database answers alike.
        return queryset.filter(pk__in=[pk for pk, categories in
                                       queryset.values_list("pk", "categories")
                                       if value in (categories or [])])

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "1")


class ScoreSeatFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索（采购编号、项目名称）"),
                                  method=search(("committee__tender__code",
                                                 "committee__tender__title")))
    method = choice(Tender.Method.choices, _("采购方式"), _("全部方式"),
                    field_name="committee__tender__method")
    status = choice(Tender.Status.choices, _("状态"), _("全部状态"),
                    field_name="committee__tender__status")
    o = ordering(("committee__tender__code", _("采购编号")),
                 ("committee__tender__title", _("采购项目名称")),
                 ("committee__tender__bid_deadline", _("投标截止时间")),
                 default=_("默认排序（最新在前）"))

    class Meta:
        model = CommitteeMember
        fields = ["q"]
