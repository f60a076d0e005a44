"""Start the chain's flows for domain objects created by the services (pages, demo, imports)."""


def need_flow_start(*, need):
    """Start the need's triage flow (the community staff's task) and return its process."""
    from workflows.flows import NeedFlow

    return NeedFlow.start.run(need=need)


def project_flow_start(*, project):
    """Start the project's flow (the purchaser's approval task) and return its process.

    The project must already be submitted (``project_submit``).
    """
    from workflows.flows import ServiceProjectFlow

    return ServiceProjectFlow.start.run(project=project)


def task_complete(*, task, actor, request=None) -> None:
    """Take (if still open) and complete a human task for actor, and start the next steps.

    Call it after the step's service, inside ``transaction.atomic()`` and
    ``flow_class.lock(task.process_id)``; the caller has checked ``can_act_on_task``.
    """
    activation = task.flow_task.activation_class(task)
    if task.owner_id is None:
        activation.assign(actor)
    activation.start(request)
    activation.execute()


def process_rewind(*, process, node, data=None):
    """Take the process back to node: cancel its open tasks, undo every task done after node's
    last task, and revive that task (a new task at node, activated). Return the new task.

    viewflow's own transitions (cancel → undo → revive) keep the task history: nothing is
    deleted, the cancelled tasks stay on record. ``data`` updates the revived task's data (a
    deadline that starts anew). Call inside ``transaction.atomic()`` and the flow's lock.
    """
    from viewflow.workflow.status import STATUS

    flow_class = process.flow_class
    task_class = flow_class.task_class
    tasks = task_class._default_manager.filter(process=process)
    target = tasks.filter(flow_task=node).order_by("-pk").first()
    if target is None:
        raise ValueError(f"process {process.pk} never reached {node}")
    later = list(tasks.filter(pk__gt=target.pk).order_by("-pk"))
    for task in later:  # the open ones first, then what was done after target, newest first
        activation = task.flow_task.activation_class(task)
        if task.status in (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED):
            activation.cancel()
    for task in later:
        task.refresh_from_db()
        if task.status == STATUS.DONE:
            task.flow_task.activation_class(task).undo()
    target.flow_task.activation_class(target).undo()
    target.refresh_from_db()
    revived = target.flow_task.activation_class(target).revive()
    activation = revived.flow_task.activation_class(revived)
    calc_owner = getattr(revived.flow_task, "calc_owner", None)  # human tasks only
    owner = calc_owner(activation) if calc_owner and revived.owner_id is None else None
    if owner is not None:  # a task given to one user (e.g. an expert's seat), as create does
        activation.assign(owner)
    if data:
        revived.data = {**(revived.data or {}), **data}
        revived.save(update_fields=["data"])
    return revived
