"""Flow nodes for the chain: role-bound human tasks and a split with one branch per data item."""

from django.shortcuts import redirect
from django.utils import timezone
from viewflow.utils import is_owner
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.nodes.split import SplitActivation
from viewflow.workflow.nodes.view import ViewActivation

from workflows.permissions import role_permission

# The rule workflows.permissions.can_act_on_task answers for viewflow's Task model.
TASK_PERMISSION = "viewflow.execute_task"


def _task_page_redirect(request, process_pk, task_pk, **kwargs):
    """Send viewflow's own "execute" link to the chain's task page."""
    return redirect("workflows:task", task_pk=task_pk)


class RoleViewActivation(ViewActivation):
    """Stamp the task's deadline into task.data when the task is created."""

    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        data = dict(data or {})
        if flow_task._due_date is not None and "deadline" not in data:
            due = flow_task._due_date(prev_activation.process.coerced)
            if due is not None:
                data["deadline"] = due.isoformat()
        if flow_task._deadline_days is not None and "deadline" not in data:
            from core.calendar import add_working_days

            due = add_working_days(timezone.localdate(), flow_task._deadline_days)
            data["deadline"] = due.isoformat()
        return super().create(flow_task, prev_activation, token, data=data, seed=seed)

    def prepare_revived_task(self, task) -> None:
        """A task revived after a remedy (workflows.services.process_rewind) is opened to the
        role and organization the way ``create`` does: viewflow's revive copies only data and
        seed, which left the task in nobody's inbox. (A task given to one user is assigned by
        process_rewind through viewflow's ``assign`` transition.)"""
        activation = type(self)(task)
        flow_task = self.flow_task
        owner_permission = flow_task.calc_owner_permission(activation)
        if owner_permission:
            task.owner_permission = owner_permission
            task.owner_permission_obj = flow_task.calc_owner_permission_obj(activation)


class RoleView(flow.View):
    """A human task done on the chain's task page by a role in an organization, or by one user.

    ``.Role(role, organization)`` opens the task to every user holding role in
    ``organization(process)`` (process is the coerced process); ``.Assign(callable)`` gives it to
    one user. ``.Deadline(n)`` sets a due date n working days after creation; ``.DueDate(f)``
    sets the date a legal limit gives, ``f(process)`` (e.g. the contract's 30-day signing limit).
    """

    activation_class = RoleViewActivation

    def __init__(self, view=None, **kwargs):
        super().__init__(view or _task_page_redirect, **kwargs)
        self._deadline_days = None
        self._due_date = None

    def Role(self, role, organization):
        """Open the task to users holding role in the organization returned for the process."""
        self._role = role
        return self.Permission(
            role_permission(role), obj=lambda process: organization(process.coerced)
        )

    def Deadline(self, working_days: int):
        """Set the task's due date to working_days after its creation."""
        self._deadline_days = working_days
        return self

    def DueDate(self, due_date):
        """Set the task's due date to due_date(process), a date the domain holds."""
        self._due_date = due_date
        return self

    def can_assign(self, user, task):
        return task.owner_id is None and user.has_perm(TASK_PERMISSION, task)

    def can_execute(self, user, task):
        return is_owner(task.owner, user) and user.has_perm(TASK_PERMISSION, task)


class SplitEachActivation(SplitActivation):
    """Create one next task per data item for branches with a data source."""

    @Activation.status.super()
    def activate(self):
        for node, cond, data_source in self.flow_task._branches:
            if cond and not cond(self):
                continue
            if data_source is None:
                self.next_tasks.append((node, None))
            else:
                self.next_tasks.extend((node, item) for item in data_source(self))
        if not self.next_tasks:
            raise FlowRuntimeError(f"No next task available for {self.flow_task.name}")


class SplitEach(flow.Split):
    """A parallel split that may start one task per item of ``data_source(activation)``.

    viewflow 2.4 documents ``Split.Next(..., data_source=...)`` but its ``Split.Next`` ignores
    it; this node implements it: each item becomes the ``task.data`` of one branch task.
    """

    activation_class = SplitEachActivation

    def Next(self, node, case=None, data_source=None):
        """Activate node (once per data item when data_source is given) if case allows."""
        self._activate_next.append((node, case, data_source))
        return self
