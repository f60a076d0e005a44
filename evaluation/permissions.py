"""Permission predicates for bid evaluation and performance evaluation."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from accounts.selectors import user_has_role
from core.permissions import Decision, allow, deny
from evaluation.models import EvaluationParty
from procurement.permissions.grants import acts_for_purchaser, reads_contract_by_grant


def can_form_committee(user, tender) -> Decision:
    """Return whether user may draw the evaluation committee of tender (purchaser staff)."""
    if not acts_for_purchaser(user, tender.project):
        return deny(_("只有本项目购买主体的工作人员可以组建评标委员会。"))
    return allow()


def can_submit_scores(user, member) -> Decision:
    """Return whether user may score on this committee seat (only the seat's expert)."""
    if user is None or member.expert_id != getattr(user, "pk", None):
        return deny(_("只有该席位的评审专家本人可以评分。"))
    return allow()


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


def can_submit_party_score(user, evaluation, party) -> Decision:
    """Return whether user may score evaluation on behalf of party."""
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


def can_submit_satisfaction(user, evaluation) -> Decision:
    """Return whether user may answer the satisfaction survey (a resident of the community)."""
    if not user_has_role(user, Role.RESIDENT, evaluation.contract.project.community):
        return deny(_("只有本项目所在社区的居民可以参与满意度调查。"))
    return allow()


def can_view_performance_evaluation(user, evaluation) -> Decision:
    """Return whether user takes part in evaluation (any party or a resident of the community)."""
    contract = evaluation.contract
    if (
        evaluation.third_party_expert_id == getattr(user, "pk", None)
        or user_has_role(user, Role.PURCHASER, contract.purchaser)
        or user_has_role(user, Role.COMMUNITY, contract.project.community)
        or user_has_role(user, Role.SOCIAL_ORG, contract.supplier)
        or user_has_role(user, Role.RESIDENT, contract.project.community)
        or reads_contract_by_grant(user, contract)
    ):
        return allow()
    return deny(_("无权查看该绩效评价。"))
