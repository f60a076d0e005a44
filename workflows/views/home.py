"""The workspace home: the user's flow tasks and role work items, grouped by role."""

from collections import OrderedDict

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Window
from django.views.generic import TemplateView

from accounts.roles import Role
from accounts.selectors import user_roles
from delivery.selectors import service_records_to_confirm_for_user
from procurement.selectors.questions import qa_inbox_for_user
from workflows.dashboards import dashboards_for_roles
from workflows.selectors import task_inbox_for_user, work_items_for_user


class HomeView(LoginRequiredMixin, TemplateView):
    """Show "我的待办": flow tasks and role work items by role, then information, start actions."""

    template_name = "workflows/home.html"
    # A section shows this many rows unless the user asks for all (?all=1): the page stays quick
    # for an office with hundreds of open items while the counts stay exact.
    section_limit = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        limit = None if self.request.GET.get("all") == "1" else self.section_limit
        # The first `limit` tasks of each section, chosen and counted by the database.
        items = task_inbox_for_user(user, limit=limit)
        sections = _task_sections(items, limit)
        work = work_items_for_user(user)
        work_sections: OrderedDict = OrderedDict()
        for item in work:
            if item.actionable:
                work_sections.setdefault(item.role_label, []).append(item)
        information = [item for item in work if not item.actionable]
        roles = user_roles(user)
        # Questions and challenges the purchaser owes an answer, with their due days.
        qa_rows = qa_inbox_for_user(user=user) if Role.PURCHASER in roles else []
        work_sections = _limited(work_sections, limit)
        context.update(_records_to_confirm(user))
        context.update({
            "items": items,
            "sections": sections,
            "work_sections": work_sections,
            "hidden_count": sum(s["total"] - len(s["rows"]) for s in
                                [*sections.values(), *work_sections.values()]),
            "information": information,
            "qa_rows": qa_rows,
            "qa_overdue": sum(1 for r in qa_rows if r.overdue),
            # Only what the user can act on counts as 待办; own needs are information.
            "task_count": sum(s["total"] for s in sections.values())
            + sum(s["total"] for s in work_sections.values())
            + len(qa_rows),
            "dashboards": dashboards_for_roles(roles),
            "roles": [Role(r).label for r in sorted(roles) if r in Role.values],
            "can_submit_need": user.has_perm("procurement.propose_need"),
            "can_create_project": user.has_perm("procurement.design_serviceproject"),
        })
        return context


def _records_to_confirm(user, limit: int = 10) -> dict:
    """Return the first service records waiting for this community worker's confirmation."""
    # One query however many wait: the window count rides on the first rows.
    shown = list(service_records_to_confirm_for_user(user=user)
                 .annotate(waiting=Window(Count("id")))[:limit])
    return {"records_to_confirm": shown,
            "records_to_confirm_count": shown[0].waiting if shown else 0}


def _task_sections(items, limit: int | None) -> OrderedDict:
    """Return the inbox tasks by role label (first seen first) as their first `limit` rows and
    their total, the sum of the SQL counts of the sections shown under that label."""
    sections: OrderedDict = OrderedDict()
    for item in items:
        section = sections.setdefault(item.role_label, {"rows": [], "totals": {}})
        section["totals"][item.section] = item.section_total
        if limit is None or len(section["rows"]) < limit:
            section["rows"].append(item)
    return OrderedDict((label, {"rows": s["rows"], "total": sum(s["totals"].values())})
                       for label, s in sections.items())


def _limited(sections: OrderedDict, limit: int | None) -> OrderedDict:
    """Return each section as its first `limit` rows plus its full count."""
    return OrderedDict(
        (label, {"rows": rows if limit is None else rows[:limit], "total": len(rows)})
        for label, rows in sections.items()
    )
