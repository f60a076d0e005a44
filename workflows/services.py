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
