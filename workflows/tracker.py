"""The project at a glance: each stage of the chain with its date and who acted (issue 8 item 8).

Read from the audit log, the record of every state change: one query whatever the project's
size (the objects of the later stages are matched by subqueries, not loaded). A stage is done
when its action is on record; the current stage is the one after the last stage done.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from core.models import AuditEntry
from delivery.models import MilestoneReport, ServiceRecord
from evaluation.models import PerformanceEvaluation
from finance.models import PaymentTranche
from procurement.models import Contract


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    actions: tuple  # audit actions that mark the stage done (the first one on record counts)
    last: bool = False  # the stage ends with the last of its actions (both signatures, payments)
    until_closed: bool = False  # under way (not done) until the project closes: the tranches


STAGES = (
    Stage("need", _("居民需求"), ("need.submit",)),
    Stage("design", _("项目设计"), ("project.create",)),
    Stage("approval", _("立项审批"), ("project.approve",)),
    Stage("budget", _("预算确认"), ("budget.confirm",)),
    Stage("tender", _("采购公告"), ("tender.publish",)),
    Stage("opening", _("开标"), ("tender.open",)),
    Stage("scoring", _("专家评审"), ("tender.evaluated",)),
    Stage("award", _("定标"), ("award.confirm",)),
    Stage("contract", _("签订合同"), ("contract.sign",), last=True),
    Stage("delivery", _("服务实施"), ("service_record.add",)),
    Stage("acceptance", _("履约验收"), ("milestone.accept",), last=True),
    Stage("evaluation", _("绩效评价"), ("performance.finalize",)),
    Stage("payment", _("资金拨付"), ("tranche.pay",), last=True, until_closed=True),
    Stage("closed", _("结项"), ("project.close",)),
)


@dataclass
class StageState:
    key: str
    label: str
    done: bool = False
    partial: bool = False  # begun but not finished (an advance paid before acceptance)
    current: bool = False
    at: datetime | None = None
    actor: str = ""
    count: int = 0


def _ids(queryset):
    return queryset.annotate(key=Cast("pk", CharField())).values("key")


def project_tracker(project) -> list[StageState]:
    """Return the chain's stages for project, each with its date, actor and count on record."""
    actions = {action for stage in STAGES for action in stage.actions}
    targets = (
        Q(target_type="procurement.serviceproject", target_id=str(project.pk))
        | Q(target_type="procurement.need",
            target_id__in=_ids(project.needs.all()))
        | Q(target_type="procurement.tender", target_id__in=_ids(project.tenders.all()))
        | Q(target_type="procurement.contract",
            target_id__in=_ids(Contract.objects.filter(project=project)))
        | Q(target_type="delivery.servicerecord",
            target_id__in=_ids(ServiceRecord.objects.filter(contract__project=project)))
        | Q(target_type="delivery.milestonereport",
            target_id__in=_ids(MilestoneReport.objects.filter(contract__project=project)))
        | Q(target_type="evaluation.performanceevaluation",
            target_id__in=_ids(PerformanceEvaluation.objects.filter(contract__project=project)))
        | Q(target_type="finance.paymenttranche",
            target_id__in=_ids(PaymentTranche.objects.filter(contract__project=project)))
    )
    entries = (AuditEntry.objects.filter(targets, action__in=actions)
               .select_related("actor").order_by("created_at", "pk"))
    by_action: dict[str, list] = {}
    for entry in entries:
        by_action.setdefault(entry.action, []).append(entry)
    states = []
    for stage in STAGES:
        found = sorted((e for a in stage.actions for e in by_action.get(a, [])),
                       key=lambda e: (e.created_at, e.pk))
        state = StageState(stage.key, str(stage.label), count=len(found))
        if found:
            entry = found[-1] if stage.last else found[0]
            state.at = entry.created_at
            state.actor = entry.actor.display_name if entry.actor else str(_("系统"))
            state.done = not (stage.until_closed and project.status != "closed")
            state.partial = not state.done
        states.append(state)
    if project.status not in ("closed", "cancelled"):
        # The stage after the last one done is where the project stands (an advance payment
        # made before acceptance shows as begun, not as the project's place in the chain; a
        # project designed without a resident's need starts at its design).
        last_done = max((i for i, s in enumerate(states) if s.done), default=-1)
        if last_done + 1 < len(states):
            states[last_done + 1].current = True
    return states
