"""Reads for clarification Q&A and challenges, scoped to the user.

An asker's or challenger's organization is shown only to that organization and to the
tender's purchaser; everybody else sees published answers without a name.
"""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from accounts.selectors import user_memberships
from core.authz import scope_q
from core.calendar import add_working_days
from procurement.models import Challenge, Tender, TenderQuestion
from procurement.permissions.grants import supervises_project
from procurement.permissions.questions import _is_purchaser_staff
from procurement.services.amendments import amendment_min_days


def _org_ids(user, role=None) -> set[int]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    # From the memberships cached per request: no query of its own (the menu counts per page).
    return {m.organization_id for m in user_memberships(user)
            if m.organization_id is not None and (role is None or m.role == role)}


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


def question_answer_due(*, tender: Tender, asked_at) -> datetime.date:
    """Return the last day to answer a clarification question on the tender (local date).

    It is the last day an answer that may affect responses can be published without the bid
    deadline moving (87号令27: 15 days before it for tenders; 磋商办法10: 5 days; 74号令29: 3
    working days for 谈判; PLATFORM_RULES may change the days). When the question came later
    than that, or the method has no such rule (单一来源), it is the deadline's day: an answer is
    owed before the bids are opened.
    """
    deadline_day = timezone.localtime(tender.bid_deadline).date()
    rule = amendment_min_days(tender.method)
    if rule is None:
        return deadline_day
    days, kind = rule
    if kind == "calendar":
        due = deadline_day - datetime.timedelta(days=days)
    else:
        due = deadline_day - datetime.timedelta(days=1)
        while add_working_days(due, days) > deadline_day:
            due -= datetime.timedelta(days=1)
    if due < timezone.localtime(asked_at).date():
        return deadline_day
    return due


@dataclass(frozen=True)
class QAInboxRow:
    """An unanswered question or open challenge waiting for the purchaser, with its due day."""

    kind: str  # "question" | "challenge"
    title: str
    tender_code: str
    organization: str
    received_at: datetime.datetime
    due: datetime.date
    overdue: bool
    url: str


def qa_inbox_for_user(*, user) -> list[QAInboxRow]:
    """Return the purchaser's unanswered questions and open challenges, the earliest due first.

    A challenge is due on Challenge.answer_due (7 working days, 法53/条例53); a question on
    question_answer_due. Overdue: the due day has passed (local date). Two queries.
    """
    questions, challenges = qa_pending_for_user(user=user)
    today = timezone.localdate()
    rows = []
    for q in questions:
        due = question_answer_due(tender=q.tender, asked_at=q.asked_at)
        rows.append(QAInboxRow(
            kind="question", title=_("答复澄清问题"), tender_code=q.tender.code,
            organization=q.organization.name, received_at=q.asked_at, due=due,
            overdue=due < today, url=reverse("procurement:tender-qa", args=[q.tender_id])))
    for c in challenges:
        rows.append(QAInboxRow(
            kind="challenge", title=_("答复质疑：%(subject)s") % {"subject": c.get_subject_display()},
            tender_code=c.tender.code, organization=c.organization.name,
            received_at=c.submitted_at, due=c.answer_due, overdue=c.answer_due < today,
            url=reverse("procurement:challenge-detail", args=[c.pk])))
    return sorted(rows, key=lambda r: (r.due, r.received_at))


def qa_pending_count(user) -> int:
    """Return how many questions and challenges wait for the user's answer as purchaser."""
    if not _org_ids(user, Role.PURCHASER):
        return 0
    questions, challenges = qa_pending_for_user(user=user)
    return questions.count() + challenges.count()
