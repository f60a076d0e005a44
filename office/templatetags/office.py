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


@register.simple_tag(takes_context=True)
def may(context, perm: str, obj=None) -> bool:
    """Return whether the page's user may perm on obj: ``{% may "app.action_model" obj as v %}``.

    The same question as ``user.has_perm`` (core.authz): templates show a button only when the
    service behind it would accept the user.
    """
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return bool(user is not None and user.has_perm(perm, obj))
