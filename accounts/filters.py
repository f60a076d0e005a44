"""Search, filters and sort orders of the accounts lists (core.lists)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, OrganizationIdentityChange
from core.lists import choice, ordering, search, since, until


class RegistryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索（机构名称、统一社会信用代码）"),
                                  method=search(("name", "credit_code")))
    active = django_filters.ChoiceFilter(
        label=_("机构状态"), choices=[("1", _("有效")), ("0", _("无效"))], empty_label=_("全部"),
        method="filter_active")
    o = ordering(("name", _("机构")), ("credit_code", _("统一社会信用代码")),
                 default=_("默认排序（按名称）"))

    class Meta:
        model = Organization
        fields = ["q"]

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "1")


class IdentityChangeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("搜索（机构、申请变更名称、信用代码）"),
        method=search(("organization__name", "name", "credit_code", "legal_representative")))
    status = choice(OrganizationIdentityChange.Status.choices, _("状态"), _("全部状态"))
    requested_from = since("requested_at__date", _("申请日期从"))
    requested_to = until("requested_at__date", _("申请日期至"))
    o = ordering(("organization__name", _("机构")), ("requested_at", _("申请时间")),
                 default=_("默认排序（最新在前）"))

    class Meta:
        model = OrganizationIdentityChange
        fields = ["q", "status"]
