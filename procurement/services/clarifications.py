"""Clarification Q&A (澄清答疑): suppliers ask, the purchaser answers every bidder at once.

The asker's identity stays with the purchaser: answers are published (portal tender page and a
notification to every organization that bid or asked) without naming who asked.

An answer that may affect how responses are prepared (可能影响投标文件编制) is a clarification
in the sense of 87号令第27条 ("澄清或者修改", both alike; 磋商办法第10条, 74号令第29条 the same):
it is published as an amendment of kind 澄清 through ``amendments.tender_amend`` — a new version
of the documents whose content is the public question and answer, the deadline postponed when it
comes less than 15 days (tender) / 5 days (磋商) / 3 working days (谈判) before it, and every
bidder told to re-confirm its bid. An answer that does not affect responses changes no version.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from core.notifications import notify
from procurement.models import Bid, Tender, TenderAmendment, TenderQuestion
from procurement.selectors.grants import project_purchaser_staff
from procurement.services._common import link


def qa_url(tender) -> str:
    """Return the back-office Q&A page of the tender."""
    return link("procurement:tender-qa", tender.pk,
                fallback=link("procurement:tender-detail", tender.pk))


def _open_for_questions(tender) -> None:
    if tender.status != Tender.Status.PUBLISHED or timezone.now() >= tender.bid_deadline:
        raise ServiceError(_("只有投标截止前的采购项目可以提出或答复澄清问题。"), code="closed")


def question_recipients(tender) -> list:
    """Return the social-org staff of every organization that bid on or asked the tender."""
    org_ids = set(Bid.objects.filter(tender=tender).values_list("organization_id", flat=True))
    org_ids |= set(TenderQuestion.objects.filter(tender=tender)
                   .values_list("organization_id", flat=True))
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(
        is_active=True, memberships__organization_id__in=org_ids,
        memberships__role=Role.SOCIAL_ORG, memberships__is_active=True,
    ).distinct().order_by("pk"))


@transaction.atomic
def question_ask(*, tender, actor, organization, question) -> TenderQuestion:
    """Ask the purchaser a clarification question for organization, before the bid deadline."""
    tender = (Tender.objects.select_for_update().select_related("project__purchaser")
              .get(pk=tender.pk))
    authz.require(actor, "procurement.ask_tenderquestion",
                  TenderQuestion(tender=tender, organization=organization))
    _open_for_questions(tender)
    question = (question or "").strip()
    if not question:
        raise ServiceError(_("请填写问题。"), code="question")
    row = TenderQuestion.objects.create(tender=tender, organization=organization, asked_by=actor,
                                        question=question, asked_at=timezone.now())
    audit_record(actor=actor, action="question.ask", target=row,
                 after={"tender": tender.pk, "organization": organization.pk})
    notify(recipients=project_purchaser_staff(tender.project),
           title=_("收到澄清问题：%(code)s") % {"code": tender.code},
           body=question, url=qa_url(tender))
    return row


@transaction.atomic
def question_answer(*, question, actor, answer, affects_responses=False) -> TenderQuestion:
    """Answer and publish the question; an answer affecting responses is published as a
    clarification amendment (new version, deadline rule, re-confirmation; 87号令第27条)."""
    from procurement.services.amendments import tender_amend

    row = (TenderQuestion.objects.select_for_update()
           .select_related("tender__project__purchaser").get(pk=question.pk))
    tender = row.tender
    authz.require(actor, "procurement.answer_tenderquestion", row)
    if row.answered_at is not None:
        raise ServiceError(_("该问题已答复。"), code="answered")
    _open_for_questions(tender)
    answer = (answer or "").strip()
    if not answer:
        raise ServiceError(_("请填写答复。"), code="answer")
    now = timezone.now()
    row.answer, row.answered_by, row.answered_at = answer, actor, now
    row.affects_responses, row.published = bool(affects_responses), True
    row.save(update_fields=["answer", "answered_by", "answered_at", "affects_responses",
                            "published"])
    body = _("问：%(question)s\n答：%(answer)s") % {"question": row.question, "answer": answer}
    amendment = None
    if row.affects_responses:
        amendment = tender_amend(tender=tender, actor=actor, content=body, affects_bids=True,
                                 kind=TenderAmendment.Kind.CLARIFICATION)
        row.amendment = amendment
        row.save(update_fields=["amendment"])
    audit_record(actor=actor, action="question.answer", target=row,
                 after={"affects_responses": row.affects_responses,
                        "amendment": amendment.pk if amendment else None,
                        "version": amendment.version if amendment else None,
                        "extended_to": (amendment.new_deadline.isoformat()
                                        if amendment and amendment.new_deadline
                                        != amendment.old_deadline else None)})
    if amendment is None:  # an amendment notifies the same recipients itself (澄清公告)
        notify(recipients=question_recipients(tender),
               title=_("澄清答疑已发布：%(code)s") % {"code": tender.code}, body=body,
               url=qa_url(tender))
    return row
