"""Search and filters of the notifications page (core.lists)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.lists import ordering, search, since, until
from core.models import Notification


class NotificationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索（标题、内容）"), method=search(("title", "body")))
    unread = django_filters.ChoiceFilter(
        label=_("阅读状态"), choices=[("1", _("未读")), ("0", _("已读"))], empty_label=_("全部"),
        method="filter_unread")
    created_from = since("created_at__date", _("日期从"))
    created_to = until("created_at__date", _("日期至"))
    o = ordering(("created_at", _("时间")), ("title", _("标题")), ("read_at", _("已读时间")),
                 default="-created_at")

    class Meta:
        model = Notification
        fields = ["q"]

    def filter_unread(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value == "1")
