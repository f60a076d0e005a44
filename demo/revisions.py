"""Revise and resubmit in the demo (issue 8 item 5), built through the services.

The project waiting for the purchaser's approval went round once: the purchaser returned v1
(activity costs too high), the community cut its activities line and resubmitted v2, so the
approval task and the project page show what changed between the two versions.
"""

import datetime
from decimal import Decimal

import time_machine
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from demo.cast import Cast
from demo.projects import PROJECTS, project_rows
from demo.stages import flow_task_complete
from procurement.models import ServiceProject
from procurement.services.projects import project_return, project_revise, project_submit

REVISED_INDEX = 10  # the DEMO_PLAN project at "project_submitted"
RETURN_REASON = "活动物料经费测算偏高，请压缩并补充测算依据后重新提交。"
ACTIVITIES_CUT = Decimal("0.02")  # of the budget: 12% → 10%, still within the category limits


def revision_build(cast: Cast) -> None:
    """Return the submitted demo project once and resubmit it revised; skip if already done."""
    spec = PROJECTS[REVISED_INDEX]
    project = ServiceProject.objects.filter(title=spec.title).first()
    if (project is None or project.status != ServiceProject.Status.SUBMITTED
            or project.versions.count() != 1):
        return
    purchaser = cast.one(Role.PURCHASER)
    community = cast.one(Role.COMMUNITY, project.community)
    submitted = timezone.localtime(project.submitted_at)
    lines = project_rows(spec)["budget_lines"]
    for line in lines:
        if line["category"] == "activities":
            line["amount"] -= (spec.budget * ACTIVITIES_CUT).quantize(Decimal("1"))
            line["note"] = "活动物料（按退回意见压缩，按每场物料标准测算）"
    with transaction.atomic(), time_machine.travel(submitted + datetime.timedelta(hours=4),
                                                   tick=False) as traveller:
        project_return(project=project, actor=purchaser, reason=RETURN_REASON)
        flow_task_complete(node_name="approve", user=purchaser, project=project)
        traveller.move_to(submitted + datetime.timedelta(hours=6, minutes=30))
        project_revise(project=project, actor=community, budget_lines=lines)
        project_submit(project=project, actor=community)
        flow_task_complete(node_name="revise", user=community, project=project)
