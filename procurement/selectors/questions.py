"""Reads for clarification Q&A and challenges, scoped to the user.

An asker's or challenger's organization is shown only to that organization and to the
tender's purchaser; everybody else sees published answers without a name.
"""

from django.db.models import QuerySet
from django.http import Http404

from accounts.roles import Role
from accounts.selectors import user_organizations
from core.authz import scope_q
from procurement.models import Challenge, Tender, TenderQuestion
from procurement.permissions.grants import supervises_project
from procurement.permissions.questions import _is_purchaser_staff


def _org_ids(user, role=None) -> set[int]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return set(user_organizations(user, role).values_list("pk", flat=True))


def is_tender_purchaser(user, tender: Tender) -> bool:
    """Return whether the user is staff of the tender's purchaser."""
    return _is_purchaser_staff(user, tender)


def question_list_public(*, tender: Tender) -> list[dict]:
    """Return the tender's published answers as dicts without the asker (portal, every bidder)."""
    return list(TenderQuestion.objects.filter(tender_id=tender.pk, published=True)
                .order_by("answered_at", "pk")
                .values("pk", "question", "answer", "answered_at", "affects_responses",
                        "amendment__version"))


def question_list_for_user(*, user, tender: Tender) -> QuerySet[TenderQuestion]:
    """Return every question of the tender for its purchaser or supervisor, else the own orgs' ones."""
    qs = TenderQuestion.objects.filter(tender_id=tender.pk).select_related("organization")
    if is_tender_purchaser(user, tender) or supervises_project(user, tender.project):
        return qs.order_by("answered_at", "asked_at", "pk")
    return qs.filter(organization_id__in=_org_ids(user, Role.SOCIAL_ORG)).order_by("asked_at", "pk")


def question_get_for_answer(*, user, question_id: int) -> TenderQuestion:
    """Return a question the user's purchaser organization may answer; Http404 otherwise."""
    question = (TenderQuestion.objects.select_related("tender__project__purchaser")
                .filter(pk=question_id).first())
    if question is None or not user.has_perm("procurement.answer_tenderquestion", question):
        raise Http404
    return question


def challenge_list_for_user(*, user, tender: Tender | None = None) -> QuerySet[Challenge]:
    """Return the challenges the user may read: its purchaser's, or its own organization's."""
    qs = Challenge.objects.filter(scope_q(user, "procurement.view_challenge")).select_related(
        "tender", "organization")
    if tender is not None:
        qs = qs.filter(tender_id=tender.pk)
    return qs.order_by("-submitted_at", "-pk")


def challenge_get_for_user(*, user, challenge_id: int) -> Challenge:
    """Return one challenge the user may read; Http404 otherwise."""
    challenge = (Challenge.objects.select_related("tender__project__purchaser", "organization")
                 .filter(pk=challenge_id).first())
    if challenge is None or not user.has_perm("procurement.view_challenge", challenge):
        raise Http404
    return challenge


def qa_pending_for_user(*, user) -> tuple[QuerySet[TenderQuestion], QuerySet[Challenge]]:
    """Return the unanswered questions and open challenges of the user's purchaser organizations."""
    purchasers = _org_ids(user, Role.PURCHASER)
    questions = (TenderQuestion.objects
                 .filter(tender__project__purchaser_id__in=purchasers, answered_at__isnull=True)
                 .select_related("tender", "organization").order_by("asked_at", "pk"))
    challenges = (Challenge.objects
                  .filter(tender__project__purchaser_id__in=purchasers,
                          status=Challenge.Status.SUBMITTED)
                  .select_related("tender", "organization").order_by("answer_due", "pk"))
    return questions, challenges
