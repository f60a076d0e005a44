"""Service users' opinions (服务对象意见) asked while a milestone report awaits acceptance."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from delivery.models import MilestoneReport, ServiceUserOpinion


def survey_score(value) -> int:
    """Return a resident's 0–100 answer as an integer (opinions and the satisfaction survey)."""
    try:
        score = int(value)
    except (TypeError, ValueError):
        raise ServiceError(_("满意度应为0至100的整数。"), code="score") from None
    if not 0 <= score <= 100:
        raise ServiceError(_("满意度应为0至100的整数。"), code="score")
    return score


@transaction.atomic
def opinion_submit(*, report: MilestoneReport, actor, score: int, comment: str = "") -> ServiceUserOpinion:
    """Record a resident's opinion (0–100 and a comment) on a report's service, once per report."""
    report = MilestoneReport.objects.select_for_update(of=("self",)).select_related(
        "contract__project__community").get(pk=report.pk)
    authz.require(actor, "delivery.give_serviceuseropinion", ServiceUserOpinion(report=report))
    if report.status != MilestoneReport.Status.SUBMITTED:
        raise ServiceError(_("该阶段的服务对象意见征集已结束。"), code="state")
    score = survey_score(score)
    if report.opinions.filter(resident=actor).exists():
        raise ServiceError(_("您已对本阶段的服务提交过意见。"), code="duplicate")
    opinion = ServiceUserOpinion.objects.create(report=report, resident=actor, score=score,
                                                comment=(comment or "").strip(),
                                                submitted_at=timezone.now())
    audit_record(actor=actor, action="milestone.opinion", target=report,
                 after={"score": score, "kind": report.kind})
    return opinion
