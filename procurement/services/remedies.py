"""After an upheld challenge on the process or the result (质疑成立): what the purchaser may do.

政府采购质疑和投诉办法 (财政部令第94号) 第十六条: a challenge found well-founded that affects or
may affect the result is handled as follows — (二) for a challenge to the procurement process or
the result, where the qualified suppliers still meet the statutory number and the winner can be
determined anew from the qualified candidates, the winner is determined anew (另行确定); otherwise
the procurement is repeated (重新开展采购活动). A change of result is reported to the finance
department. 87号令第六十四条: after the evaluation report is signed the result may change only
for the listed errors (分值汇总计算错误, 分项评分超出评分标准规定的分值范围, 客观评审因素评分
不一致, 经评标委员会认定评分畸高、畸低), and then the purchaser has the *original* committee
re-evaluate (重新评审); 87号令第七十一条 / 条例第四十九条 name the next candidate in the report's
order (依次递补).

Each remedy is one audited service on an awarded tender whose contract is not yet signed and
that has an upheld challenge (subject 采购过程 or 中标结果) with ``may_change_result``:

- ``remedy_reevaluate``: one of the 87号令 64 errors is named; the award and the draft contract
  are void, the tender goes back to 评审完成 (EVALUATED) and the project to EVALUATING; the
  committee corrects the scores with evaluation's ``score_correct`` (which accepts only those
  reasons and re-ranks), then the purchaser confirms the winner again (award_confirm).
- ``remedy_next_ranked``: the challenged winner's bid is set aside (disqualified with the reason);
  when the qualified bids left still meet the statutory number (bids.MIN_QUALIFIED_BIDS), the
  best-ranked of them (not found colluding, 87号令 37) is awarded and a new contract drafted.
- ``remedy_retender``: the award and the draft contract are void, the tender fails (废标) with
  the reason and the project goes back to tendering; the purchaser publishes a new tender for
  the same project (tender_publish, 重新招标).

Contract signing stays suspended (challenges.signing_block) until the challenge carries the
remedy; the remedy is recorded on it and in the audit log.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from core.notifications import notify
from procurement.models import Award, Bid, Challenge, Contract, ServiceProject, Tender
from procurement.selectors.grants import project_purchaser_staff
from procurement.services._common import link, staff_of
from procurement.services.awards import award_draft, award_notify
from procurement.services.bids import DEFAULT_MIN_QUALIFIED_BIDS, MIN_QUALIFIED_BIDS
from procurement.services.collusion import collusion_bid_ids
from procurement.signals import challenge_remedied, contract_voided
from procurement.states import BidStates, ServiceProjectStates, TenderStates

Remedy = Challenge.Remedy

# The errors for which the original committee may re-evaluate (87号令 64); the same values as
# evaluation's ScoreCorrection.Reason, which score_correct accepts.
REEVALUATION_GROUNDS = {
    "arithmetic": _("分值汇总计算错误"),
    "out_of_range": _("分项评分超出评分标准规定的分值范围"),
    "objective": _("客观评审因素评分不一致"),
    "abnormal": _("经评标委员会认定评分畸高、畸低"),
}


def pending_remedy(tender_id: int) -> Challenge | None:
    """Return the upheld challenge of the tender that still awaits a remedy, if any."""
    return (Challenge.objects.filter(
        tender_id=tender_id, status=Challenge.Status.UPHELD, may_change_result=True,
        remedy=Remedy.NONE, subject__in=[Challenge.Subject.STEP, Challenge.Subject.RESULT])
        .order_by("pk").first())


def _prepare(challenge, actor, reason):
    """Lock and check the challenge, its awarded tender, the project and the unsigned contract."""
    challenge = (Challenge.objects.select_for_update()
                 .select_related("tender__project__purchaser", "organization").get(pk=challenge.pk))
    tender = (Tender.objects.select_for_update()
              .select_related("project__purchaser", "project__community").get(pk=challenge.tender_id))
    authz.require(actor, "procurement.remedy_challenge", challenge)
    if (challenge.status != Challenge.Status.UPHELD or not challenge.may_change_result
            or challenge.subject == Challenge.Subject.DOCUMENT):
        raise ServiceError(_("只有成立且影响或者可能影响中标结果、针对采购过程或中标结果的质疑，"
                             "才需要另行确定中标供应商或重新采购。"), code="not_upheld")
    if challenge.remedy:
        raise ServiceError(_("该质疑已处理：%(remedy)s。") % {
            "remedy": challenge.get_remedy_display()}, code="remedied")
    if tender.status != Tender.Status.AWARDED:
        raise ServiceError(_("只有已定标的采购项目可以按质疑结果另行确定中标供应商或重新采购。"),
                           code="state")
    award = (Award.objects.select_for_update().select_related("bid__organization")
             .get(tender=tender))
    contract = Contract.objects.select_for_update().get(award=award)
    if contract.status != Contract.Status.DRAFT:
        raise ServiceError(_("合同已签订，不能再按质疑结果改变中标结果，请依法通过投诉处理。"),
                           code="signed")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写处理说明。"), code="reason")
    project = ServiceProject.objects.select_for_update().get(pk=tender.project_id)
    return challenge, tender, project, award, contract, reason


def _void(award, contract) -> dict:
    """Delete the void award and its unsigned contract (finance deletes the tranches first);
    return what the audit row keeps of them."""
    kept = {"award_bid": award.bid_id, "award_supplier": award.bid.organization_id,
            "award_amount": str(award.amount), "contract": contract.code}
    contract_voided.send(sender=Contract, contract=contract)
    contract.delete()
    award.delete()
    return kept


def _record(challenge, remedy, actor, reason, now) -> None:
    challenge.remedy, challenge.remedy_reason = remedy, reason
    challenge.remedied_by, challenge.remedied_at = actor, now
    challenge.save(update_fields=["remedy", "remedy_reason", "remedied_by", "remedied_at"])
    # Once committed, the project's flow goes back to the step the remedy reopens (workflows).
    tender_id = challenge.tender_id
    transaction.on_commit(lambda: challenge_remedied.send(
        sender=Tender, tender=Tender.objects.get(pk=tender_id), remedy=remedy))


def _tell(tender, challenge, title, body) -> None:
    bidders = Bid.objects.filter(tender=tender).exclude(status=Bid.Status.WITHDRAWN)
    recipients = list(get_user_model().objects.filter(
        is_active=True, memberships__organization_id__in=list(
            bidders.values_list("organization_id", flat=True)),
        memberships__role=Role.SOCIAL_ORG, memberships__is_active=True).distinct())
    notify(recipients=recipients + list(project_purchaser_staff(tender.project))
           + list(staff_of(tender.project.community, Role.COMMUNITY)),
           title=title, body=body,
           url=link("procurement:tender-detail", tender.pk,
                    fallback=f"/procurement/tenders/{tender.pk}/"))


@transaction.atomic
def remedy_reevaluate(*, challenge, actor, ground: str, reason: str) -> Tender:
    """Void the award and have the original committee re-evaluate (87号令 64; 94号令 16).

    ground is one of REEVALUATION_GROUNDS: any other error is not a lawful reason to re-evaluate
    (the purchaser then awards the next ranked or repeats the procurement).
    """
    challenge, tender, project, award, contract, reason = _prepare(challenge, actor, reason)
    if ground not in REEVALUATION_GROUNDS:
        raise ServiceError(_("只有分值汇总计算错误、分项评分超出评分标准规定的分值范围、客观评审因素"
                             "评分不一致或经评标委员会认定评分畸高畸低的，才可以组织原评标委员会重新评审"
                             "（政府采购货物和服务招标投标管理办法第六十四条）。"), code="ground")
    if not hasattr(tender, "committee"):
        raise ServiceError(_("本项目没有评标委员会，不能重新评审。"), code="no_committee")
    now = timezone.now()
    voided = _void(award, contract)
    TenderStates(tender).reopen_evaluation()
    tender.evaluated_at = now  # the re-evaluation's report starts the 5 working days anew
    tender.save(update_fields=["status", "evaluated_at"])
    ServiceProjectStates(project).reopen_evaluation()
    project.save(update_fields=["status"])
    _record(challenge, Remedy.REEVALUATE, actor, reason, now)
    audit_record(actor=actor, action="challenge.remedy", target=challenge,
                 before={"tender_status": Tender.Status.AWARDED,
                         "project_status": ServiceProject.Status.AWARDED},
                 after={"remedy": Remedy.REEVALUATE, "ground": ground, "reason": reason,
                        "tender_status": tender.status, "project_status": project.status,
                        **voided})
    _tell(tender, challenge, _("质疑成立，组织原评标委员会重新评审：%(code)s") % {"code": tender.code},
          _("原中标结果作废，重新评审理由：%(ground)s。%(reason)s") % {
              "ground": REEVALUATION_GROUNDS[ground], "reason": reason})
    return tender


@transaction.atomic
def remedy_next_ranked(*, challenge, actor, reason: str) -> Award:
    """Set the challenged winner aside and award the next ranked qualified bid (94号令 16(二)),
    when the qualified bids left still meet the statutory number; else refuse (re-tender)."""
    challenge, tender, project, award, contract, reason = _prepare(challenge, actor, reason)
    old_bid = Bid.objects.select_for_update().get(pk=award.bid_id)
    colluding = collusion_bid_ids(tender.pk)
    left = [b for b in Bid.objects.select_for_update().select_related("organization")
            .filter(tender=tender, status=Bid.Status.QUALIFIED).exclude(pk=old_bid.pk)
            .order_by("rank", "pk") if b.pk not in colluding]
    needed = MIN_QUALIFIED_BIDS.get(tender.method, DEFAULT_MIN_QUALIFIED_BIDS)
    if len(left) < needed:
        raise ServiceError(_("除原中标人外合格供应商只有%(count)s家，不足法定数量%(needed)s家，"
                             "不能另行确定中标供应商，应当重新开展采购活动（政府采购质疑和投诉办法"
                             "第十六条）。") % {"count": len(left), "needed": needed},
                           code="too_few")
    ranked = [b for b in left if b.rank is not None]
    if not ranked:
        raise ServiceError(_("没有排名的合格投标，不能另行确定中标供应商。"), code="no_winner")
    if len(ranked) > 1 and ranked[1].rank == ranked[0].rank:
        raise ServiceError(_("依次递补的候选人排名并列，请组织原评标委员会重新评审或重新采购。"),
                           code="tie")
    bid = ranked[0]
    now = timezone.now()
    voided = _void(award, contract)
    BidStates(old_bid).set_aside()
    old_bid.disqualification_reason = (_("质疑成立，投标无效：%(reason)s") % {"reason": reason})[:200]
    old_bid.save(update_fields=["status", "disqualification_reason"])
    new = award_draft(tender=tender, project=project, bid=bid, actor=actor, now=now,
                      reason=_("质疑成立，依次另行确定中标供应商：%(reason)s") % {"reason": reason})
    _record(challenge, Remedy.NEXT_RANKED, actor, reason, now)
    audit_record(actor=actor, action="challenge.remedy", target=challenge,
                 after={"remedy": Remedy.NEXT_RANKED, "reason": reason, "set_aside": old_bid.pk,
                        "bid": bid.pk, "supplier": bid.organization_id,
                        "amount": str(bid.price), "new_contract": new.contract.code,
                        "sign_due": new.contract.sign_due.isoformat(), **voided})
    award_notify(new)
    notify(recipients=staff_of(old_bid.organization, Role.SOCIAL_ORG),
           title=_("中标结果已改变：%(code)s") % {"code": tender.code},
           body=old_bid.disqualification_reason,
           url=link("procurement:tender-detail", tender.pk,
                    fallback=f"/procurement/tenders/{tender.pk}/"))
    return new


@transaction.atomic
def remedy_retender(*, challenge, actor, reason: str) -> Tender:
    """Void the award, fail the tender (废标) and put the project back to tendering, so that the
    purchaser repeats the procurement (94号令 16)."""
    challenge, tender, project, award, contract, reason = _prepare(challenge, actor, reason)
    now = timezone.now()
    voided = _void(award, contract)
    TenderStates(tender).fail_after_challenge()
    tender.failure_reason = _("质疑成立，重新开展采购活动：%(reason)s") % {"reason": reason}
    tender.save(update_fields=["status", "failure_reason"])
    ServiceProjectStates(project).retender()
    project.save(update_fields=["status"])
    _record(challenge, Remedy.RETENDER, actor, reason, now)
    audit_record(actor=actor, action="challenge.remedy", target=challenge,
                 before={"tender_status": Tender.Status.AWARDED,
                         "project_status": ServiceProject.Status.AWARDED},
                 after={"remedy": Remedy.RETENDER, "reason": reason,
                        "tender_status": tender.status, "project_status": project.status,
                        **voided})
    _tell(tender, challenge, _("质疑成立，重新开展采购活动：%(code)s") % {"code": tender.code},
          tender.failure_reason)
    return tender
