"""Dashboards per role (issue 9 item 2): the first pages after the inbox.

``selectors`` aggregates in SQL (``values().annotate()``) for one organization, in a fixed number
of queries whatever the number of projects; ``charts`` turns those numbers into
``core.charts.Chart`` objects (no queries); ``views`` checks the role and the organization (a
forbidden organization answers 404) and renders ``templates/dashboards/``.

The package sits in the workflows layer because the purchaser's dashboard counts the flow tasks
that are overdue, and the others read finance, delivery and evaluation (all below workflows).
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role

# (role, url name, title): the dashboards and the role each one is for.
DASHBOARDS = (
    (Role.FINANCE, "workflows:dashboard-finance", _("预算执行看板")),
    (Role.PURCHASER, "workflows:dashboard-purchaser", _("采购工作看板")),
    (Role.COMMUNITY, "workflows:dashboard-community", _("社区服务看板")),
    (Role.SOCIAL_ORG, "workflows:dashboard-social-org", _("承接服务看板")),
)


def dashboards_for_roles(roles) -> list[dict]:
    """Return the dashboards a user holding ``roles`` may open (url, title)."""
    return [{"url": reverse(name), "title": str(title), "role": str(role)}
            for role, name, title in DASHBOARDS if str(role) in roles]
