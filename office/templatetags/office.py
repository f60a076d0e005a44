"""The back-office role menu, shared by the office pages, the inbox and the task pages."""

from django import template

from office.shell import office_nav

register = template.Library()


@register.simple_tag(takes_context=True)
def office_menu(context) -> list[dict]:
    """Return the role menu entries for the request's user (memberships are cached per request)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return office_nav(request.user)
