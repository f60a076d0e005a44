"""Permission predicates for clarification questions (澄清答疑) and challenges (质疑).

Same shape as procurement.permissions: each answers ``Decision(allowed, reason)``. The purchaser
answers; a social organization asks or challenges for itself. Platform admins and superusers get
no exception: they do not act in the chain.
"""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from core.permissions import Decision, allow, deny
from procurement.permissions import _staff
from procurement.permissions.grants import acts_for_purchaser, supervises_project


def _is_purchaser_staff(user, tender) -> bool:
    return _staff(user, Role.PURCHASER, tender.project.purchaser)


def _is_supplier_staff(user, organization) -> bool:
    return (organization is not None and organization.kind == organization.Kind.SOCIAL_ORG
            and _staff(user, Role.SOCIAL_ORG, organization))


def can_ask_question(user, tender, organization) -> Decision:
    """Return whether the user may ask the tender a question for organization (its staff)."""
    if _is_supplier_staff(user, organization):
        return allow()
    return deny(_("只有社会组织的工作人员可以代表其提出澄清问题。"))


def can_answer_question(user, question) -> Decision:
    """Return whether the user may answer the question (staff of the tender's purchaser)."""
    if acts_for_purchaser(user, question.tender.project):
        return allow()
    return deny(_("只有购买主体的工作人员可以答复澄清问题。"))


def can_submit_challenge(user, tender, organization) -> Decision:
    """Return whether the user may challenge the tender for organization (its staff)."""
    if _is_supplier_staff(user, organization):
        return allow()
    return deny(_("只有供应商的工作人员可以代表其提出质疑。"))


def can_answer_challenge(user, challenge) -> Decision:
    """Return whether the user may assess or answer the challenge (the purchaser's staff)."""
    if acts_for_purchaser(user, challenge.tender.project):
        return allow()
    return deny(_("只有购买主体的工作人员可以答复质疑。"))


def can_withdraw_challenge(user, challenge) -> Decision:
    """Return whether the user may withdraw the challenge (staff of the challenging supplier)."""
    if _staff(user, Role.SOCIAL_ORG, challenge.organization):
        return allow()
    return deny(_("只有提出质疑的供应商可以撤回质疑。"))


def can_view_challenge(user, challenge) -> Decision:
    """Return whether the user may read the challenge (the challenger's or purchaser's staff)."""
    if _staff(user, Role.SOCIAL_ORG, challenge.organization) or _is_purchaser_staff(
            user, challenge.tender) or supervises_project(user, challenge.tender.project):
        return allow()
    return deny(_("无权查看该质疑。"))
