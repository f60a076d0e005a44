"""Advance flows when the domain reports events that no task page triggers (bid opening, cancel)."""

import logging

from django.db import transaction
from viewflow.workflow.status import STATUS

from procurement.signals import challenge_remedied, tender_cancelled, tender_opened

logger = logging.getLogger(__name__)


def advance_on_tender_opened(sender=None, tender=None, **kwargs) -> int:
    """Complete the project's "wait for bid opening" step; return how many steps were advanced.

    Idempotent: once the waiting step is done, another signal for the same tender finds nothing
    to advance, so a second opening never creates a second committee task.
    """
    from workflows.flows import ServiceProjectFlow
    from workflows.models import ServiceProjectProcess

    tender = tender if tender is not None else kwargs.get("instance")
    if tender is None:
        return 0
    node = ServiceProjectFlow.wait_opening
    advanced = 0
    process_ids = list(
        ServiceProjectProcess.objects.filter(
            project_id=tender.project_id, finished__isnull=True
        ).values_list("pk", flat=True)
    )
    task_class = ServiceProjectFlow.task_class
    for process_id in process_ids:
        with transaction.atomic(), ServiceProjectFlow.lock(process_id):
            task = (
                task_class._default_manager.filter(
                    process_id=process_id, flow_task=node, status=STATUS.NEW
                ).order_by("pk").first()
            )
            if task is None:
                continue
            node.run(task)
            advanced += 1
    if advanced:
        logger.info("Advanced %s flow(s) after opening tender %s", advanced, tender.pk)
    return advanced


def cancel_on_tender_cancelled(sender=None, tender=None, **kwargs) -> int:
    """Cancel the project's unfinished flow once its procurement was cancelled; return how many.

    The purchaser's re-tender task page ends the flow itself (its process is finished by the
    time this runs); a cancel done elsewhere — while bidding, evaluating, or from the shell —
    leaves open tasks that nobody may complete any more.
    """
    from viewflow.workflow.exceptions import FlowRuntimeError

    from workflows.flows import ServiceProjectFlow
    from workflows.models import ServiceProjectProcess

    if tender is None:
        return 0
    cancelled = 0
    for process in ServiceProjectProcess.objects.filter(project_id=tender.project_id,
                                                        finished__isnull=True):
        try:
            ServiceProjectFlow.instance.cancel(process)
        except FlowRuntimeError:  # a task is being executed right now; leave it to an operator
            logger.exception("Could not cancel process %s after tender %s was cancelled",
                             process.pk, tender.pk)
            continue
        cancelled += 1
    return cancelled


def rewind_on_challenge_remedied(sender=None, tender=None, remedy="", **kwargs) -> int:
    """Take the project's flow back to the step a remedy after an upheld challenge reopens.

    Re-evaluation (87号令 64): the purchaser's award task again, due 5 working days from now;
    the next ranked bid awarded (94号令 16): both signatures again, due from the new award
    notice; a new procurement: the purchaser's publication task (it offers the re-tender). The
    void signing tasks are cancelled, never left in an inbox. Return how many flows moved.
    """
    from django.utils import timezone
    from viewflow.workflow.exceptions import FlowRuntimeError

    from core.calendar import add_working_days
    from workflows.flows import ServiceProjectFlow
    from workflows.models import ServiceProjectProcess
    from workflows.services import process_rewind

    targets = {
        "reevaluate": (ServiceProjectFlow.award,
                       lambda: {"deadline": add_working_days(timezone.localdate(), 5).isoformat()}),
        "next_ranked": (ServiceProjectFlow.split_signing, dict),
        "retender": (ServiceProjectFlow.publish,
                     lambda: {"deadline": add_working_days(timezone.localdate(), 10).isoformat()}),
    }
    if tender is None or remedy not in targets:
        return 0
    node, data = targets[remedy]
    moved = 0
    for process_id in ServiceProjectProcess.objects.filter(
            project_id=tender.project_id, finished__isnull=True).values_list("pk", flat=True):
        try:
            with transaction.atomic(), ServiceProjectFlow.lock(process_id):
                process = ServiceProjectProcess.objects.get(pk=process_id)
                process_rewind(process=process, node=node, data=data())
        except (FlowRuntimeError, ValueError):
            # The remedy is committed and audited; a flow that cannot move (a task being
            # executed right now) is left to an operator rather than failing the page.
            logger.exception("Could not rewind process %s after a %s remedy on tender %s",
                             process_id, remedy, tender.pk)
            continue
        moved += 1
    if moved:
        logger.info("Rewound %s flow(s) to %s after a %s remedy on tender %s",
                    moved, node.name, remedy, tender.pk)
    return moved


def connect() -> None:
    """Connect the receivers to procurement's on-commit signals."""
    tender_opened.connect(advance_on_tender_opened, dispatch_uid="workflows.tender_opened")
    tender_cancelled.connect(cancel_on_tender_cancelled, dispatch_uid="workflows.tender_cancelled")
    challenge_remedied.connect(rewind_on_challenge_remedied,
                               dispatch_uid="workflows.challenge_remedied")
