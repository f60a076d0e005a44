"""Relationship rules for clarification questions (澄清答疑) and challenges (质疑).

Same shape as procurement.permissions: the purchaser answers; a social organization asks or
challenges for itself, asked about the unsaved ``TenderQuestion``/``Challenge`` with its tender
and organization. Platform admins and superusers get no exception: they do not act in the chain.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from core.authz import rule, scope
from core.permissions import Decision, allow, deny
from procurement.permissions import _staff, org_ids
from procurement.permissions.grants import acts_for_purchaser, supervised_project_q


def _is_purchaser_staff(user, tender) -> bool:
    return _staff(user, Role.PURCHASER, tender.project.purchaser)


def _is_supplier_staff(user, organization) -> bool:
    return (organization is not None and organization.kind == organization.Kind.SOCIAL_ORG
            and _staff(user, Role.SOCIAL_ORG, organization))


@rule("procurement.ask_tenderquestion")
def can_ask_question(user, question) -> Decision:
    """Return whether the user may ask the tender a question for its organization (its staff)."""
    if _is_supplier_staff(user, question.organization if question.organization_id else None):
        return allow()
    return deny(_("只有社会组织的工作人员可以代表其提出澄清问题。"))


@rule("procurement.answer_tenderquestion")
def can_answer_question(user, question) -> Decision:
    """Return whether the user may answer the question (staff of the tender's purchaser)."""
    if acts_for_purchaser(user, question.tender.project):
        return allow()
    return deny(_("只有购买主体的工作人员可以答复澄清问题。"))


@rule("procurement.submit_challenge")
def can_submit_challenge(user, challenge) -> Decision:
    """Return whether the user may challenge the tender for its organization (its staff)."""
    if _is_supplier_staff(user, challenge.organization if challenge.organization_id else None):
        return allow()
    return deny(_("只有供应商的工作人员可以代表其提出质疑。"))


@rule("procurement.answer_challenge")
def can_answer_challenge(user, challenge) -> Decision:
    """Return whether the user may assess or answer the challenge (the purchaser's staff)."""
    if acts_for_purchaser(user, challenge.tender.project):
        return allow()
    return deny(_("只有购买主体的工作人员可以答复质疑。"))


@rule("procurement.remedy_challenge")
def can_remedy_challenge(user, challenge) -> Decision:
    """Return whether the user may act on an upheld challenge (re-evaluate, award the next
    ranked, re-tender): the purchaser's staff, like answering it."""
    if acts_for_purchaser(user, challenge.tender.project):
        return allow()
    return deny(_("只有购买主体的工作人员可以处理成立的质疑。"))


@rule("procurement.withdraw_challenge")
def can_withdraw_challenge(user, challenge) -> Decision:
    """Return whether the user may withdraw the challenge (staff of the challenging supplier)."""
    if _staff(user, Role.SOCIAL_ORG, challenge.organization):
        return allow()
    return deny(_("只有提出质疑的供应商可以撤回质疑。"))


@scope("procurement.view_challenge", reason=_("无权查看该质疑。"))
def challenge_scope(user) -> Q:
    """Select the challenges of the user's purchaser's tenders and of its own organizations."""
    return (Q(tender__project__purchaser_id__in=org_ids(user, Role.PURCHASER))
            | Q(organization_id__in=org_ids(user, Role.SOCIAL_ORG)))


@scope("procurement.view_challenge")
def supervised_challenge_scope(user) -> Q:
    """Select the challenges of the tenders of the projects the user supervises (read-only)."""
    return supervised_project_q(user, "tender__project")
