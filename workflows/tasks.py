"""Beat tasks that drive viewflow timers (viewflow's own celery timer task is PRO-only)."""

from celery import shared_task


@shared_task
def fire_due_timers() -> None:
    """Fire every viewflow timer node whose time has come."""
    from viewflow.workflow.timers import fire_due_timers as fire

    fire()
