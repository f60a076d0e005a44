"""Challenges (质疑): a supplier challenges the document, a step or the result in writing.

Windows (法52, 条例53): 7 working days from the day the supplier receives the documents or the
announcement period (5 working days, 87号令第16条) ends (document, 条例53(一)), from the bid
opening (step) or from the end of the result announcement, which lasts 1 working day after the
award (result). The platform does not record when each supplier takes the documents; they can be
taken until the last day of the supply period (Tender.documents_until), so the document window
counts from the later of that day and the end of the announcement, and opens at publication. The purchaser answers within 7 working days (法53); a late answer is still
accepted and recorded as late.

Amended content (更正公告 of any kind: 更正, 澄清, 延期): 87号令第27条 makes the clarification or
amendment part of the documents, so a challenge of it is a challenge of the documents, and 94号令
第11条 counts 7 working days from obtaining the documents or from the end of their announcement
period. The amended part is obtained when the amendment is published: it is published where the
tender was and, on the platform, every supplier known to hold the documents is notified at that
moment (87号令第27条 书面形式通知). Neither 87号令 nor 94号令 sets an announcement period for a
更正公告 (the 5 working days of 87号令第16条 are the 招标公告's), so the window for the amended
content opens on the amendment's publication day and ends 7 working days after it — or at the end
of the ordinary document window when that is later (a supplier that takes the documents later
receives the amended content with them). The challenge names the amendment (Challenge.amendment).

Contract signing (条例54): a challenge counts as possibly changing the result from its
submission (``may_change_result`` defaults to True) until the purchaser assesses it otherwise
(challenge_assess) or answers it. While such a challenge is open, or once one was upheld with
may_change_result (the winner must then be determined anew or the purchase repeated), contract
signing is refused.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from core import authz
from core.audit import audit_record
from core.calendar import add_working_days
from core.exceptions import ServiceError
from core.notifications import notify
from procurement.models import Award, Bid, Challenge, Tender, TenderAmendment
from procurement.selectors.grants import project_purchaser_staff
from procurement.services._common import link, staff_of
from procurement.states import ChallengeStates

Subject = Challenge.Subject
CHALLENGE_WORKING_DAYS = 7  # 法52
ANSWER_WORKING_DAYS = 7  # 法53
RESULT_ANNOUNCEMENT_WORKING_DAYS = 1  # 87号令: result announcement period
OPEN_STATUSES = (Challenge.Status.SUBMITTED,)


def challenge_url(challenge) -> str:
    """Return the back-office page of the challenge."""
    return link("procurement:challenge-detail", challenge.pk)


def challenge_window(tender, subject: str, amendment=None
                     ) -> tuple[datetime.date, datetime.date] | None:
    """Return (first, last day) of the window to challenge subject, None before it opens.

    With ``amendment`` (documents only): the window for the amended content (87号令第27条;
    94号令第11条), from its publication day to 7 working days after it, or to the end of the
    ordinary document window when that is later.
    """
    if amendment is not None:
        if subject != Subject.DOCUMENT:
            raise ServiceError(_("只有对采购文件（含澄清、更正内容）的质疑可以指明更正公告。"),
                               code="amendment")
        ordinary = challenge_window(tender, subject)
        published = timezone.localdate(amendment.published_at)
        last = add_working_days(published, CHALLENGE_WORKING_DAYS)
        return published, max(last, ordinary[1]) if ordinary else last
    if subject == Subject.DOCUMENT:
        opens = tender.published_at and timezone.localdate(tender.published_at)
        start = opens and max(d for d in (tender.announcement_ends_on, tender.documents_until,
                                          opens) if d is not None)
    elif subject == Subject.STEP:
        opens = start = tender.opened_at and timezone.localdate(tender.opened_at)
    elif subject == Subject.RESULT:
        # The 7 days count from the end of the announcement; challenging during it is allowed.
        award = Award.objects.filter(tender_id=tender.pk).only("confirmed_at").first()
        opens = award and timezone.localdate(award.confirmed_at)
        start = award and add_working_days(award.confirmed_at, RESULT_ANNOUNCEMENT_WORKING_DAYS)
    else:
        raise ServiceError(_("请选择质疑事项。"), code="subject")
    if not start:
        return None
    return opens, add_working_days(start, CHALLENGE_WORKING_DAYS)


def signing_block(tender_id: int) -> Challenge | None:
    """Return a challenge that suspends signing the tender's contract (条例54), if any: one
    open that may change the result, or one upheld that no remedy (remedies) has answered."""
    return (Challenge.objects.filter(tender_id=tender_id, may_change_result=True,
                                     status__in=[Challenge.Status.SUBMITTED,
                                                 Challenge.Status.UPHELD],
                                     remedy=Challenge.Remedy.NONE)
            .order_by("pk").first())


def check_signing_allowed(tender_id: int) -> None:
    """Raise ServiceError while a challenge that may change the result suspends signing."""
    block = signing_block(tender_id)
    if block is None:
        return
    if block.status == Challenge.Status.UPHELD:
        raise ServiceError(_("质疑成立且影响中标结果，不得按原结果签订合同，应依法组织重新评审、另行确定"
                             "中标供应商或重新采购（政府采购法实施条例第五十四条，政府采购质疑和投诉办法"
                             "第十六条）。"), code="challenge_upheld")
    raise ServiceError(_("有可能影响中标结果的质疑尚未处理完毕，暂停签订合同"
                         "（政府采购法实施条例第五十四条）。"), code="challenge_open")


def _late_message(subject, amendment, last: datetime.date) -> str:
    if amendment is not None:
        return _("对澄清或者修改的内容（第%(v)d版更正公告）的质疑应在其发布之日起7个工作日内提出"
                 "（《政府采购货物和服务招标投标管理办法》第二十七条、《政府采购质疑和投诉办法》"
                 "第十一条），该期限已于%(date)s届满。") % {"v": amendment.version,
                                                 "date": last.isoformat()}
    if subject == Subject.DOCUMENT:
        return _("对采购文件的质疑应在收到采购文件之日或者采购文件公告期限届满之日起7个工作日内提出"
                 "（政府采购法第五十二条、实施条例第五十三条第一项），本事项的质疑期限已于%(date)s届满。"
                 ) % {"date": last.isoformat()}
    return _("质疑应在知道或者应知其权益受到损害之日起7个工作日内以书面形式提出（政府采购法第五十二条），"
             "本事项的质疑期限已于%(date)s届满。") % {"date": last.isoformat()}


@transaction.atomic
def challenge_submit(*, tender, actor, organization, subject, grounds,
                     amendment=None) -> Challenge:
    """File a written challenge for organization within 7 working days (法52).

    ``amendment``: the 更正公告 whose content a document challenge concerns; its window counts
    from its publication (87号令第27条; 94号令第11条).
    """
    tender = (Tender.objects.select_for_update().select_related("project__purchaser")
              .get(pk=tender.pk))
    authz.require(actor, "procurement.submit_challenge",
                  Challenge(tender=tender, organization=organization))
    if subject not in Subject.values:
        raise ServiceError(_("请选择质疑事项。"), code="subject")
    if subject != Subject.DOCUMENT and not Bid.objects.filter(
            tender=tender, organization=organization).exists():
        raise ServiceError(_("只有参加投标的供应商可以对采购过程或中标结果提出质疑。"),
                           code="not_bidder")
    if amendment is not None and (not isinstance(amendment, TenderAmendment)
                                  or amendment.tender_id != tender.pk):
        raise ServiceError(_("请选择本项目的更正公告。"), code="amendment")
    window = challenge_window(tender, subject, amendment)
    today = timezone.localdate()
    if window is None or today < window[0]:
        raise ServiceError(_("该事项尚未发生，不能提出质疑。"), code="too_early")
    if today > window[1]:
        raise ServiceError(_late_message(subject, amendment, window[1]), code="late")
    grounds = (grounds or "").strip()
    if not grounds:
        raise ServiceError(_("请填写质疑事项及理由。"), code="grounds")
    now = timezone.now()
    challenge = Challenge.objects.create(
        tender=tender, organization=organization, submitted_by=actor, subject=subject,
        grounds=grounds, submitted_at=now, amendment=amendment,
        answer_due=add_working_days(now, ANSWER_WORKING_DAYS),
    )
    audit_record(actor=actor, action="challenge.submit", target=challenge,
                 after={"tender": tender.pk, "organization": organization.pk, "subject": subject,
                        "amendment": amendment.pk if amendment else None,
                        "answer_due": challenge.answer_due.isoformat()})
    notify(recipients=project_purchaser_staff(tender.project),
           title=_("收到质疑：%(code)s") % {"code": tender.code},
           body=_("请于%(date)s前书面答复（政府采购法第五十三条）；可能影响中标结果的，暂停签订合同。")
           % {"date": challenge.answer_due.isoformat()},
           url=challenge_url(challenge))
    return challenge


def _locked(challenge) -> Challenge:
    return (Challenge.objects.select_for_update()
            .select_related("tender__project__purchaser", "organization").get(pk=challenge.pk))


@transaction.atomic
def challenge_assess(*, challenge, actor, may_change_result: bool) -> Challenge:
    """Record on receipt whether the open challenge may change the result (suspends signing)."""
    challenge = _locked(challenge)
    authz.require(actor, "procurement.answer_challenge", challenge)
    if challenge.status not in OPEN_STATUSES:
        raise ServiceError(_("只有待答复的质疑可以评估。"), code="state")
    before = {"may_change_result": challenge.may_change_result}
    challenge.may_change_result = bool(may_change_result)
    challenge.save(update_fields=["may_change_result"])
    audit_record(actor=actor, action="challenge.assess", target=challenge, before=before,
                 after={"may_change_result": challenge.may_change_result})
    return challenge


@transaction.atomic
def challenge_answer(*, challenge, actor, answer, upheld: bool | None,
                     may_change_result: bool, late_reason="") -> Challenge:
    """Answer the challenge in writing: upheld, rejected, or (upheld=None) answered as explained.

    After Challenge.answer_due (法53) the answer needs late_reason.
    """
    challenge = _locked(challenge)
    authz.require(actor, "procurement.answer_challenge", challenge)
    if challenge.status not in OPEN_STATUSES:
        raise ServiceError(_("只有待答复的质疑可以答复。"), code="state")
    answer = (answer or "").strip()
    if not answer:
        raise ServiceError(_("请填写答复内容。"), code="answer")
    now = timezone.now()
    late = timezone.localdate(now) > challenge.answer_due
    late_reason = (late_reason or "").strip() if late else ""
    if late and not late_reason:
        raise ServiceError(
            _("采购人应当在收到质疑后7个工作日内作出答复（政府采购法第五十三条），"
              "答复期限已于%(date)s届满，请填写逾期答复的理由。") % {
                "date": challenge.answer_due.isoformat()},
            code="late_reason")
    before = {"status": challenge.status, "may_change_result": challenge.may_change_result}
    states = ChallengeStates(challenge)
    (states.answer if upheld is None else states.uphold if upheld else states.reject)()
    challenge.answer, challenge.answered_by, challenge.answered_at = answer, actor, now
    challenge.may_change_result = bool(may_change_result)
    challenge.answered_late, challenge.late_reason = late, late_reason
    challenge.save(update_fields=["status", "answer", "answered_by", "answered_at",
                                  "may_change_result", "answered_late", "late_reason"])
    audit_record(actor=actor, action="challenge.answer", target=challenge, before=before,
                 after={"status": challenge.status,
                        "may_change_result": challenge.may_change_result,
                        "answered_late": challenge.answered_late,
                        **({"late_reason": late_reason} if late else {})})
    notify(recipients=staff_of(challenge.organization, Role.SOCIAL_ORG),
           title=_("质疑已答复：%(code)s（%(status)s）") % {
               "code": challenge.tender.code, "status": challenge.get_status_display()},
           body=answer, url=challenge_url(challenge))
    return challenge


@transaction.atomic
def challenge_withdraw(*, challenge, actor) -> Challenge:
    """Withdraw the supplier's own challenge before it is answered."""
    challenge = _locked(challenge)
    authz.require(actor, "procurement.withdraw_challenge", challenge)
    if challenge.status not in OPEN_STATUSES:
        raise ServiceError(_("只有待答复的质疑可以撤回。"), code="state")
    ChallengeStates(challenge).withdraw()
    challenge.save(update_fields=["status"])
    audit_record(actor=actor, action="challenge.withdraw", target=challenge,
                 before={"status": Challenge.Status.SUBMITTED}, after={"status": challenge.status})
    notify(recipients=project_purchaser_staff(challenge.tender.project),
           title=_("质疑已撤回：%(code)s") % {"code": challenge.tender.code},
           url=challenge_url(challenge))
    return challenge
