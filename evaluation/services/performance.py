"""Multi-party performance evaluation (绩效评价) and the final tranche that depends on its grade."""

import random
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ExpertProfile
from accounts.roles import Role
from accounts.selectors import organization_members as members_of
from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from core.notifications import notify
from delivery.models import MilestoneReport, ServiceUserOpinion
from delivery.services.opinions import survey_score
from evaluation.models import (
    EvaluationParty,
    PartyScore,
    PerformanceEvaluation,
    SatisfactionResponse,
)
from evaluation.permissions import (
    party_organization,
)
from evaluation.rules import achievement_score, grade_for, q2
from evaluation.states import PerformanceEvaluationStates
from finance.models import PaymentTranche
from finance.selectors import finance_staff_for_contract
from finance.states import PaymentTrancheStates
from procurement.models import Contract, IndicatorCategory, ServiceProject
from procurement.selectors.grants import project_purchaser_staff
from procurement.states import ContractStates, ServiceProjectStates

# Parties that submit a score sheet; residents answer the satisfaction survey instead.
SCORING_PARTIES = (EvaluationParty.PURCHASER, EvaluationParty.COMMUNITY,
                   EvaluationParty.THIRD_PARTY, EvaluationParty.SELF)


def third_party_candidates(contract: Contract) -> list:
    """Return users of active experts with no tie to the supplier or the purchaser."""
    conflict = [contract.supplier_id, contract.purchaser_id]
    qs = (
        ExpertProfile.objects.filter(is_active=True, user__is_active=True)
        .exclude(recusals__credit_code=contract.supplier.credit_code or "-")
        .exclude(employer_id__in=conflict)
        .exclude(user__memberships__organization_id__in=conflict, user__memberships__is_active=True)
        .select_related("user").order_by("pk").distinct()
    )
    return [p.user for p in qs]


@transaction.atomic
def performance_evaluation_open(*, contract: Contract, actor=None, seed: str | None = None) -> PerformanceEvaluation:
    """Open the performance evaluation of a delivered contract: project → performance_review."""
    contract = Contract.objects.select_for_update(of=("self",)).select_related(
        "project__community", "purchaser", "supplier").get(pk=contract.pk)
    existing = PerformanceEvaluation.objects.filter(contract=contract).first()
    if existing is not None:
        return existing
    project = ServiceProject.objects.select_for_update().get(pk=contract.project_id)
    if contract.status != Contract.Status.SIGNED or project.status != ServiceProject.Status.IN_DELIVERY:
        raise ServiceError(_("只有执行中的已签订合同可以开展绩效评价。"), code="state")
    candidates = third_party_candidates(contract)
    if not candidates:
        raise ServiceError(_("专家库中没有与承接机构无利害关系的第三方评估专家。"), code="experts")
    seed = seed or secrets.token_hex(8)
    expert = random.Random(seed).choice(candidates)  # noqa: S311 - reproducible draw
    evaluation = PerformanceEvaluation.objects.create(contract=contract, third_party_expert=expert,
                                                      opened_at=timezone.now())
    ServiceProjectStates(project).start_performance_review()
    project.save(update_fields=["status"])
    audit_record(actor=actor, action="performance.open", target=evaluation,
                 before={"project_status": ServiceProject.Status.IN_DELIVERY},
                 after={"project_status": project.status, "third_party_expert": expert.pk, "seed": seed})
    title = _("绩效评价：%(code)s %(title)s") % {"code": project.code, "title": project.title}
    notify(recipients=[*project_purchaser_staff(contract.project),
                       *members_of(project.community, Role.COMMUNITY),
                       expert,
                       *members_of(contract.supplier, Role.SOCIAL_ORG)],
           title=title, body=_("项目已通过终期验收，请提交绩效评价评分。"))
    notify(recipients=members_of(project.community, Role.RESIDENT), title=title,
           body=_("欢迎参与服务对象满意度调查。"))
    return evaluation


def output_achievement(evaluation: PerformanceEvaluation) -> dict:
    """Return output indicators' actual (service records) vs target and a suggested output score.

    Each output indicator linked to a deliverable counts that deliverable's service records; the
    output weight is shared equally and each share is scored by the achievement steps.
    Two queries.
    """
    contract = evaluation.contract
    indicators = list(contract.project.indicators.filter(category=IndicatorCategory.OUTPUT,
                                                         deliverable__isnull=False))
    counts = dict(
        contract.service_records.values_list("deliverable_id").annotate(n=Count("id"))
        .values_list("deliverable_id", "n")
    )
    weight = Decimal(settings.PLATFORM_RULES["INDICATOR_WEIGHTS"][IndicatorCategory.OUTPUT])
    share = weight / len(indicators) if indicators else Decimal(0)
    rows = []
    for indicator in indicators:
        actual = Decimal(counts.get(indicator.deliverable_id, 0))
        rows.append({"indicator": indicator, "target": indicator.target, "actual": actual,
                     "score": achievement_score(actual, indicator.target, share)})
    suggested = q2(sum((r["score"] for r in rows), Decimal(0))) if rows else None
    return {"indicators": rows, "suggested_output_score": suggested}


def _check_category_scores(category_scores: dict) -> dict[str, Decimal]:
    weights = settings.PLATFORM_RULES["INDICATOR_WEIGHTS"]
    if set(category_scores) != set(weights):
        raise ServiceError(_("请为每一类指标（预算执行、产出、效果、满意度）评分。"), code="categories")
    clean = {}
    for key, weight in weights.items():
        label = IndicatorCategory(key).label
        try:
            value = Decimal(str(category_scores[key]))
        except ArithmeticError:
            raise ServiceError(_("“%(name)s”得分不是有效数字。") % {"name": label}, code="score") from None
        except ValueError:
            raise ServiceError(_("“%(name)s”得分不是有效数字。") % {"name": label}, code="score") from None
        if not value.is_finite() or value < 0 or value > Decimal(weight):
            raise ServiceError(_("“%(name)s”得分应在0至%(max)s分之间。") % {"name": label, "max": weight},
                               code="score_range")
        clean[key] = q2(value)
    return clean


@transaction.atomic
def party_score_submit(*, evaluation: PerformanceEvaluation, party: str, actor, category_scores: dict,
                       comment: str = "") -> PartyScore:
    """Record one party's scores by indicator category; finalize when the last party is in."""
    evaluation = PerformanceEvaluation.objects.select_for_update(of=("self",)).select_related(
        "contract__project__community", "contract__purchaser", "contract__supplier").get(pk=evaluation.pk)
    if party not in SCORING_PARTIES:
        raise ServiceError(_("该评价主体不通过评分表评价。"), code="party")
    authz.require(actor, "evaluation.submit_partyscore",
                  PartyScore(evaluation=evaluation, party=party))
    if evaluation.status != PerformanceEvaluation.Status.OPEN:
        raise ServiceError(_("绩效评价已完成。"), code="state")
    if evaluation.party_scores.filter(party=party).exists():
        raise ServiceError(_("该评价主体已提交评分。"), code="duplicate")
    clean = _check_category_scores(category_scores)
    score = PartyScore.objects.create(
        evaluation=evaluation, party=party, organization=party_organization(evaluation, party),
        evaluator=actor, category_scores={k: str(v) for k, v in clean.items()},
        score=q2(sum(clean.values(), Decimal(0))), comment=comment, submitted_at=timezone.now(),
    )
    audit_record(actor=actor, action="performance.party_score", target=evaluation,
                 after={"party": party, "score": str(score.score), "categories": score.category_scores})
    if evaluation.party_scores.filter(party__in=SCORING_PARTIES).count() == len(SCORING_PARTIES):
        performance_evaluation_finalize(evaluation=evaluation, actor=None)
    return score


@transaction.atomic
def satisfaction_submit(*, evaluation: PerformanceEvaluation, actor, score: int, comment: str = "") -> SatisfactionResponse:
    """Record a resident's satisfaction answer (0–100), once per resident."""
    evaluation = PerformanceEvaluation.objects.select_for_update(of=("self",)).select_related(
        "contract__project__community").get(pk=evaluation.pk)
    authz.require(actor, "evaluation.submit_satisfactionresponse",
                  SatisfactionResponse(evaluation=evaluation))
    if evaluation.status != PerformanceEvaluation.Status.OPEN:
        raise ServiceError(_("满意度调查已结束。"), code="state")
    score = survey_score(score)
    if evaluation.satisfaction_responses.filter(resident=actor).exists():
        raise ServiceError(_("您已参与过本项目的满意度调查。"), code="duplicate")
    response = SatisfactionResponse.objects.create(evaluation=evaluation, resident=actor, score=score,
                                                   comment=comment)
    audit_record(actor=actor, action="performance.satisfaction", target=evaluation,
                 after={"score": score})
    return response


def final_satisfaction_scores(evaluation: PerformanceEvaluation) -> list[int]:
    """Return the residents' scores: the survey's answers, and the opinions given at the final
    acceptance by residents who did not answer the survey (one score per resident)."""
    answers = dict(evaluation.satisfaction_responses.values_list("resident_id", "score"))
    opinions = ServiceUserOpinion.objects.filter(
        report__contract_id=evaluation.contract_id, report__kind=MilestoneReport.Kind.FINAL,
        report__status=MilestoneReport.Status.ACCEPTED).exclude(resident_id__in=list(answers))
    return [*answers.values(), *opinions.values_list("score", flat=True)]


def weighted_total(party_scores: dict[str, Decimal]) -> Decimal:
    """Return Σ score × PARTY_WEIGHTS / Σ weights of the parties present, 2 places."""
    weights = settings.PLATFORM_RULES["PARTY_WEIGHTS"]
    used = {p: Decimal(weights[p]) for p in party_scores}
    return q2(sum((Decimal(party_scores[p]) * used[p] for p in party_scores), Decimal(0)) / sum(used.values()))


@transaction.atomic
def performance_evaluation_finalize(*, evaluation: PerformanceEvaluation, actor=None) -> PerformanceEvaluation:
    """Compute total and grade, make the final tranche due by grade: project → settlement."""
    evaluation = PerformanceEvaluation.objects.select_for_update(of=("self",)).get(pk=evaluation.pk)
    if evaluation.status != PerformanceEvaluation.Status.OPEN:
        raise ServiceError(_("绩效评价已完成。"), code="state")
    parties = {ps.party: ps.score for ps in evaluation.party_scores.all()}
    missing = [p for p in SCORING_PARTIES if p not in parties]
    if missing:
        raise ServiceError(_("尚有评价主体未提交评分。"), code="missing")
    scores = {p: parties[p] for p in SCORING_PARTIES}
    answers = final_satisfaction_scores(evaluation)
    if answers:  # without answers the residents' weight is shared by the other parties
        scores[EvaluationParty.RESIDENTS] = q2(Decimal(sum(answers)) / len(answers))
    total = weighted_total(scores)
    grade = grade_for(total)
    now = timezone.now()
    evaluation.total, evaluation.grade = total, grade
    PerformanceEvaluationStates(evaluation).finalize()
    evaluation.finalized_at, evaluation.finalized_by = now, actor
    evaluation.save(update_fields=["total", "grade", "status", "finalized_at", "finalized_by"])

    contract = Contract.objects.select_for_update(of=("self",)).select_related("project").get(
        pk=evaluation.contract_id)
    factor = Decimal(str(settings.PLATFORM_RULES["FINAL_TRANCHE_FACTOR_BY_GRADE"][grade]))
    finals = list(PaymentTranche.objects.select_for_update().filter(
        contract=contract, condition=PaymentTranche.Condition.FINAL, status=PaymentTranche.Status.PENDING))
    for tranche in finals:
        tranche.payable_amount = q2(tranche.amount * factor)
        if factor > 0:
            PaymentTrancheStates(tranche).make_due()
        else:
            PaymentTrancheStates(tranche).withhold()
        tranche.note = _("绩效评价等级：%(grade)s，按%(factor)s%%核定。") % {
            "grade": PerformanceEvaluation.Grade(grade).label, "factor": q2(factor * 100)}
        tranche.save(update_fields=["payable_amount", "status", "note"])
    ContractStates(contract).complete()
    contract.save(update_fields=["status"])
    project = ServiceProject.objects.select_for_update().get(pk=contract.project_id)
    ServiceProjectStates(project).settle()
    project.save(update_fields=["status"])
    audit_record(
        actor=actor, action="performance.finalize", target=evaluation,
        before={"project_status": ServiceProject.Status.PERFORMANCE_REVIEW},
        after={"total": str(total), "grade": grade, "party_scores": {k: str(v) for k, v in scores.items()},
               "final_tranches": {t.pk: [str(t.payable_amount), t.status] for t in finals},
               "project_status": project.status},
    )
    grade_label = PerformanceEvaluation.Grade(grade).label
    notify(recipients=finance_staff_for_contract(contract),
           title=_("绩效评价完成，尾款待审核：%(code)s") % {"code": contract.code},
           body=_("综合得分 %(total)s，等级 %(grade)s。") % {"total": total, "grade": grade_label})
    notify(recipients=[*project_purchaser_staff(contract.project),
                       *members_of(contract.supplier, Role.SOCIAL_ORG)],
           title=_("绩效评价结果：%(code)s %(grade)s") % {"code": project.code, "grade": grade_label})
    return evaluation
