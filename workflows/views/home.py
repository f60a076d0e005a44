"""The workspace home: the user's task inbox across both flows, grouped by role."""

from collections import OrderedDict

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from accounts.roles import Role
from accounts.selectors import user_roles
from workflows.selectors import task_inbox_for_user


class HomeView(LoginRequiredMixin, TemplateView):
    """Show "我的待办" with one section per role the tasks come from, and the start actions."""

    template_name = "workflows/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        items = task_inbox_for_user(self.request.user)
        sections: OrderedDict = OrderedDict()
        for item in items:
            sections.setdefault(item.role_label, []).append(item)
        roles = user_roles(self.request.user)
        context.update({
            "items": items,
            "sections": sections,
            "task_count": len(items),
            "roles": [Role(r).label for r in sorted(roles) if r in Role.values],
            "can_submit_need": bool(roles & {Role.RESIDENT, Role.COMMUNITY}),
            "can_create_project": Role.COMMUNITY in roles,
        })
        return context
