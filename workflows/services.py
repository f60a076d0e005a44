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
