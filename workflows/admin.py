"""The Django admin of viewflow's processes and tasks: read-only.

viewflow registers admins in which a superuser may edit a task's owner, permission or data and
delete a task or a whole process: a chain task moved or killed with no service and no audit row.
Chain tasks change only through the task pages, the services and ``workflows.receivers``.
"""

from django.contrib import admin
from viewflow.workflow.admin import ProcessAdmin, TaskAdmin
from viewflow.workflow.models import Process, Task

from core.admin import ServiceManagedAdmin

admin.site.unregister(Process)
admin.site.unregister(Task)


@admin.register(Process)
class ChainProcessAdmin(ServiceManagedAdmin, ProcessAdmin):
    """List the chain's processes; nobody adds, changes or deletes one here."""


@admin.register(Task)
class ChainTaskAdmin(ServiceManagedAdmin, TaskAdmin):
    """List the chain's tasks; nobody adds, changes or deletes one here."""
