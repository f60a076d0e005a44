"""Relationship rules for bid evaluation and performance evaluation.

Besides its own names, evaluation adds the relationships it owns to procurement's: the
committee's experts read the opened bids of their tender and see its project; the assigned
third-party expert sees the project under evaluation.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from accounts.selectors import user_has_role
from core.authz import rule, scope
from core.permissions import Decision, allow, deny
from evaluation.models import CommitteeMember, EvaluationParty, PerformanceEvaluation
from procurement.permissions import org_ids
from procurement.permissions.grants import (
    acts_for_purchaser,
    granted_contract_q,
    reads_contract_by_grant,
    supervises_project,
)


@rule("evaluation.form_evaluationcommittee")
def can_form_committee(user, committee) -> Decision:
    """Return whether user may draw the committee of its tender (purchaser staff).

    Asked about ``EvaluationCommittee(tender=...)``, the committee to be drawn.
    """
    if not acts_for_purchaser(user, committee.tender.project):
        return deny(_("只有本项目购买主体的工作人员可以组建评标委员会。"))
    return allow()


@rule("evaluation.score_committeemember")
def can_submit_scores(user, member) -> Decision:
    """Return whether user may score on this committee seat (only the seat's expert)."""
    if user is None or member.expert_id != getattr(user, "pk", None):
        return deny(_("只有该席位的评审专家本人可以评分。"))
    return allow()


@rule("evaluation.correct_scoreitem")
def can_correct_score(user, item) -> Decision:
    """Return whether user may correct a submitted score (the sheet's expert or the chair)."""
    member = item.sheet.member
    if user is None or not getattr(user, "pk", None):
        return deny(_("请先登录。"))
    if member.expert_id == user.pk:
        return allow()
    if member.committee.members.filter(expert_id=user.pk, is_chair=True).exists():
        return allow()
    return deny(_("只有评分专家本人或评标委员会组长可以修改评分。"))


def party_organization(evaluation, party):
    """Return the organization that speaks for party in evaluation (None for experts)."""
    contract = evaluation.contract
    return {
        EvaluationParty.PURCHASER: contract.purchaser,
        EvaluationParty.COMMUNITY: contract.project.community,
        EvaluationParty.SELF: contract.supplier,
    }.get(party)


PARTY_ROLES = {
    EvaluationParty.PURCHASER: Role.PURCHASER,
    EvaluationParty.COMMUNITY: Role.COMMUNITY,
    EvaluationParty.SELF: Role.SOCIAL_ORG,
}


@rule("evaluation.submit_partyscore")
def can_submit_party_score(user, score) -> Decision:
    """Return whether user may score the evaluation on behalf of the party.

    Asked about ``PartyScore(evaluation=..., party=...)``, the score to be recorded.
    """
    evaluation, party = score.evaluation, score.party
    if party == EvaluationParty.THIRD_PARTY:
        if user is not None and evaluation.third_party_expert_id == getattr(user, "pk", None):
            return allow()
        return deny(_("只有指派的第三方评估专家可以提交第三方评价。"))
    role = PARTY_ROLES.get(party)
    if role is None:
        return deny(_("该评价主体不通过评分表评价。"))
    if not user_has_role(user, role, party_organization(evaluation, party)):
        return deny(_("您不是该评价主体的工作人员。"))
    if party == EvaluationParty.PURCHASER and not acts_for_purchaser(
            user, evaluation.contract.project):
        return deny(_("该项目已指定经办人，由经办人办理。"))
    return allow()


@rule("evaluation.submit_satisfactionresponse")
def can_submit_satisfaction(user, response) -> Decision:
    """Return whether user may answer the survey (a resident of the project's community).

    Asked about ``SatisfactionResponse(evaluation=...)``, the answer to be recorded.
    """
    if not user_has_role(user, Role.RESIDENT, response.evaluation.contract.project.community):
        return deny(_("只有本项目所在社区的居民可以参与满意度调查。"))
    return allow()


@scope("evaluation.view_performanceevaluation", reason=_("无权查看该绩效评价。"))
def performance_evaluation_scope(user) -> Q:
    """Select the evaluations the user takes part in (any party, or a resident of the community)."""
    return (
        Q(third_party_expert_id=user.pk)
        | Q(contract__purchaser_id__in=org_ids(user, Role.PURCHASER))
        | Q(contract__supplier_id__in=org_ids(user, Role.SOCIAL_ORG))
        | Q(contract__project__community_id__in=org_ids(user, Role.COMMUNITY, Role.RESIDENT))
    )


@scope("evaluation.view_performanceevaluation")
def granted_performance_evaluation_scope(user) -> Q:
    """Select the evaluations of the contracts a grant opens (third party, supervisor)."""
    return granted_contract_q(user, "contract")


@rule("evaluation.download_performanceevaluation")
def can_download_report(user, evaluation) -> Decision:
    """Return whether user may download the performance report (parties, community, grantees)."""
    contract = evaluation.contract
    if (user_has_role(user, Role.PURCHASER, contract.purchaser)
            or user_has_role(user, Role.SOCIAL_ORG, contract.supplier)
            or user_has_role(user, Role.COMMUNITY, contract.project.community)
            or reads_contract_by_grant(user, contract)):
        return allow()
    return deny(_("无权下载该绩效评价报告。"))


@rule("evaluation.readreport_evaluationcommittee")
def can_view_evaluation_report(user, tender) -> Decision:
    """Return whether user may read the tender's evaluation report (评标报告): the purchaser's
    staff, the committee's experts and the supervising organization, once scoring is done."""
    if tender.evaluated_at is None:
        return deny(_("评审尚未完成，没有评标报告。"))
    if (user_has_role(user, Role.PURCHASER, tender.project.purchaser)
            or CommitteeMember.objects.filter(committee__tender=tender,
                                              expert_id=getattr(user, "pk", None)).exists()
            or supervises_project(user, tender.project)):
        return allow()
    return deny(_("无权查看该评标报告。"))


# Evaluation's share of procurement's reads -----------------------------------------------------

@scope("procurement.view_bid")
def committee_bid_scope(user) -> Q:
    """Select the opened, not withdrawn bids of the tenders on whose committee the user sits."""
    from procurement.models import Bid

    seats = CommitteeMember.objects.filter(expert_id=user.pk).values("committee__tender_id")
    return (Q(tender__opened_at__isnull=False, tender_id__in=seats)
            & ~Q(status=Bid.Status.WITHDRAWN))


@rule("procurement.decide_bidflag")
def can_decide_bid_flag(user, flag) -> Decision:
    """Return whether user may record the finding on an opening flag (87号令 37): a member of
    the flag's tender's evaluation committee, and nobody else (not the purchaser)."""
    if user is None or not getattr(user, "pk", None) or not CommitteeMember.objects.filter(
            committee__tender_id=flag.tender_id, expert_id=user.pk).exists():
        return deny(_("只有本项目评标委员会成员可以认定开标提示。"))
    return allow()


@scope("procurement.view_bidflag")
def committee_bid_flag_scope(user) -> Q:
    """Select the opening flags of the tenders on whose committee the user sits."""
    seats = CommitteeMember.objects.filter(expert_id=user.pk).values("committee__tender_id")
    return Q(tender__opened_at__isnull=False, tender_id__in=seats)


@scope("procurement.view_finalquote")
def committee_final_quote_scope(user) -> Q:
    """Select the final quotes (最后报价) of the committee's tenders, once the round is closed."""
    seats = CommitteeMember.objects.filter(expert_id=user.pk).values("committee__tender_id")
    return Q(round__closed_at__isnull=False, round__tender_id__in=seats)


@scope("procurement.view_serviceproject")
def expert_project_scope(user) -> Q:
    """Select the projects of the user's committee seats and third-party evaluations (subqueries
    on the expert's rows, not joins: every user's project list carries this part)."""
    return (Q(pk__in=CommitteeMember.objects.filter(expert_id=user.pk)
                  .values("committee__tender__project_id"))
            | Q(pk__in=PerformanceEvaluation.objects.filter(third_party_expert_id=user.pk)
                .values("contract__project_id")))
