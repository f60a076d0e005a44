"""The Django admin of viewflow's processes and tasks: read-only.

viewflow registers admins in which a superuser may edit a task's owner, permission or data and
delete a task or a whole process: a chain task moved or killed with no service and no audit row.
Chain tasks change only through the task pages, the services and ``workflows.receivers``.
"""

from django.contrib import admin
from viewflow.workflow.admin import ProcessAdmin, TaskAdmin
from viewflow.workflow.models import Process, Task

from core.admin import ServiceManagedAdmin
from workflows.models import Reminder

admin.site.unregister(Process)
admin.site.unregister(Task)


@admin.register(Process)
class ChainProcessAdmin(ServiceManagedAdmin, ProcessAdmin):
    """List the chain's processes; nobody adds, changes or deletes one here."""


@admin.register(Task)
class ChainTaskAdmin(ServiceManagedAdmin, TaskAdmin):
    """List the chain's tasks; nobody adds, changes or deletes one here."""


@admin.register(Reminder)
class ReminderAdmin(ServiceManagedAdmin):
    """List the task reminders sent (workflows.reminders); nobody adds, changes or deletes one."""

    list_display = ["created_at", "kind", "user", "title", "due_date", "email_sent_at"]
    list_filter = ["kind", "due_date"]
    search_fields = ["user__username", "user__real_name", "title"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
