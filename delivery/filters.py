"""Search, filters and sort orders of the delivery lists (core.lists)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from core.lists import choice, ordering, search, since, until
from delivery.models import MilestoneReport, ServiceRecord

YES_NO = [("1", _("是")), ("0", _("否"))]


def _contract():
    # The "record a service" link and the contract page open the list on one contract.
    return django_filters.NumberFilter(field_name="contract_id", widget=forms.HiddenInput)


class ServiceRecordFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("搜索（台账编号、合同编号、项目、地点、社工）"),
        method=search(("code", "contract__code", "contract__project__title", "site",
                       "social_worker__real_name")))
    confirmed = django_filters.ChoiceFilter(
        label=_("社区确认"), choices=[("1", _("已确认")), ("0", _("待确认"))],
        empty_label=_("全部"), method="filter_confirmed")
    late = django_filters.ChoiceFilter(label=_("超过24小时补录"), field_name="is_late",
                                       choices=YES_NO, empty_label=_("全部"),
                                       method="filter_late")
    served_from = since("served_on", _("服务日期从"))
    served_to = until("served_on", _("服务日期至"))
    contract = _contract()
    o = ordering(("code", _("台账编号")), ("contract__project__title", _("项目名称")),
                 ("served_on", _("服务日期")), ("participants", _("服务人数/人次")),
                 default=_("默认排序（服务日期最新在前）"))

    class Meta:
        model = ServiceRecord
        fields = ["q"]

    def filter_confirmed(self, queryset, name, value):
        return queryset.filter(confirmed_at__isnull=value != "1")

    def filter_late(self, queryset, name, value):
        return queryset.filter(is_late=value == "1")


class MilestoneFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索（合同编号、项目、承接机构）"),
                                  method=search(("contract__code", "contract__project__title",
                                                 "contract__supplier__name")))
    kind = choice(MilestoneReport.Kind.choices, _("类型"), _("全部类型"))
    status = choice(MilestoneReport.Status.choices, _("状态"), _("全部状态"))
    submitted_from = since("submitted_at__date", _("提交日期从"))
    submitted_to = until("submitted_at__date", _("提交日期至"))
    contract = _contract()
    o = ordering(("contract__code", _("合同编号")), ("contract__project__title", _("项目名称")),
                 ("submitted_at", _("提交时间")), default=_("默认排序（最新在前）"))

    class Meta:
        model = MilestoneReport
        fields = ["q", "kind", "status"]
