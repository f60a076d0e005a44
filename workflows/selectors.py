"""Reads for the workspace: the user's task inbox across both flows, in a fixed number of queries."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task

from accounts.roles import Role
from workflows.permissions import ROLE_PERMISSION_PREFIX, open_tasks_q


@dataclass
class InboxItem:
    task: Task
    title: str
    subject: str
    subject_code: str
    role: str
    role_label: str
    deadline: str
    url: str


def _subject(task) -> tuple[str, str]:
    process = task.process
    for attr, field in (("serviceprojectprocess", "project"), ("needprocess", "need")):
        try:
            sub = getattr(process, attr)
        except process.__class__.DoesNotExist:
            continue
        except AttributeError:
            continue
        obj = getattr(sub, field, None)
        if obj is not None:
            return getattr(obj, "title", str(obj)), getattr(obj, "code", "")
    return str(process), ""


def task_inbox_queryset(user):
    """Return the human tasks the user may do now, with their processes and subjects joined."""
    return (
        Task.objects.filter(open_tasks_q(user))
        .select_related(
            "process",
            "process__serviceprojectprocess__project",
            "process__needprocess__need",
        )
        .order_by("created", "pk")
    )


def task_inbox_for_user(user) -> list[InboxItem]:
    """Return the user's inbox items (task, step title, project or need title, role, deadline)."""
    from django.urls import reverse

    items = []
    for task in task_inbox_queryset(user):
        permission = task.owner_permission or ""
        if task.owner_id == user.pk:
            role, role_label = "assigned", _("指派给我")
        elif permission.startswith(ROLE_PERMISSION_PREFIX):
            role = permission[len(ROLE_PERMISSION_PREFIX):]
            role_label = Role(role).label if role in Role.values else role
        else:
            role, role_label = "", ""
        subject, code = _subject(task)
        items.append(InboxItem(
            task=task,
            title=str(task.flow_task.task_title or task.flow_task.name),
            subject=subject,
            subject_code=code,
            role=role,
            role_label=str(role_label),
            deadline=(task.data or {}).get("deadline", ""),
            url=reverse("workflows:task", kwargs={"task_pk": task.pk}),
        ))
    return items
