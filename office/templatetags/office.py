"""The back-office role menu, shared by the office pages, the inbox and the task pages."""

import datetime
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext

from core.templatetags.money import money
from office.shell import office_nav

register = template.Library()


@register.simple_tag(takes_context=True)
def office_menu(context) -> list[dict]:
    """Return the role menu entries for the request's user (memberships are cached per request)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return office_nav(request.user)


@register.simple_tag(takes_context=True)
def may(context, perm: str, obj=None) -> bool:
    """Return whether the page's user may perm on obj: ``{% may "app.action_model" obj as v %}``.

    The same question as ``user.has_perm`` (core.authz): templates show a button only when the
    service behind it would accept the user.
    """
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return bool(user is not None and user.has_perm(perm, obj))


@register.filter
def shown(value) -> str:
    """Return a summary value as people read it: local time, 2-decimal amounts, 是/否, "—".

    Task summaries hold model values; ``{{ value|linebreaksbr }}`` alone turned an aware
    datetime into ``2026-11-29 02:00:00+00:00`` (UTC, ISO) and an amount into ``3000000.00``.
    """
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return money(value)
    return str(value)


@register.simple_tag(takes_context=True)
def sort_th(context, field: str, label, css: str = ""):
    """Return a list's column header that sorts by ``field`` (the FilterSet's ``o``, core.lists):
    a click sorts ascending, a second click descending; the filters are kept, the page is not."""
    request = context.get("request")
    filterset = context.get("filter")
    order = filterset.filters.get("o") if filterset is not None else None
    cls = format_html(' class="{}"', css) if css else ""
    if request is None or order is None or field not in order.param_map:
        return format_html("<th{}>{}</th>", cls, label)
    current = request.GET.get("o", "")
    aria, arrow, target = "", "", field
    if current == field:
        aria, arrow, target = "ascending", "▲", f"-{field}"
    elif current == f"-{field}":
        aria, arrow, target = "descending", "▼", field
    query = request.GET.copy()
    for key in ("page", "export", "o"):
        query.pop(key, None)
    query["o"] = target
    return format_html('<th{}{}><a class="sort" href="?{}">{}{}</a></th>', cls,
                       format_html(' aria-sort="{}"', aria) if aria else "",
                       query.urlencode(), label, arrow)
