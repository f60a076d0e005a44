"""Awards (定标): confirm the first-ranked bid and draft the contract (finance plans its tranches)."""

import datetime
import uuid

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from core import authz
from core.audit import audit_record
from core.calendar import add_working_days, is_working_day
from core.exceptions import ServiceError
from core.notifications import notify
from core.templatetags.money import money
from procurement.models import Award, Bid, Contract, ServiceProject, Tender
from procurement.selectors.grants import project_purchaser_staff
from procurement.services._common import add_months, link, staff_of
from procurement.services.collusion import collusion_bid_ids
from procurement.services.final_quotes import bid_final_price
from procurement.services.projects import check_duration
from procurement.services.teams import active_team, contract_team_copy, member_snapshot
from procurement.signals import contract_drafted
from procurement.states import ServiceProjectStates, TenderStates

# Calendar days from the award notice within which the contract is signed (法46).
SIGN_WITHIN_DAYS = 30
# Working days from the evaluation report within which the purchaser confirms the winner (条例43).
CONFIRM_WORKING_DAYS = 5


def award_confirm_due(tender) -> datetime.date | None:
    """Return the last day to confirm the winner of the evaluated tender (条例43), if known."""
    if tender.evaluated_at is None:
        return None
    return add_working_days(tender.evaluated_at, CONFIRM_WORKING_DAYS)


def contract_sign_due(notice_at) -> datetime.date:
    """Return the last day to sign the contract for an award notice sent at notice_at (法46).

    Calendar days, the notice day not counted; a last day that is a day off (weekend or
    holiday, not a 调休 working day) moves to the next working day (民法典第二百零一条、第二百零三条).
    """
    due = timezone.localdate(notice_at) + datetime.timedelta(days=SIGN_WITHIN_DAYS)
    while not is_working_day(due):
        due += datetime.timedelta(days=1)
    return due


def contract_url(contract) -> str:
    """Return the back-office page of the contract."""
    return link("procurement:contract-detail", contract.pk,
                fallback=f"/procurement/contracts/{contract.pk}/")


@transaction.atomic
def award_confirm(*, tender, actor, reason="", late_reason="") -> Award:
    """Confirm the first-ranked bid: tender and project → awarded, contract drafted with tranches.

    The ranking follows the tender's evaluation method (综合评分法, or 最低报价法 for 谈判, 法38(五));
    a tie at the first rank is refused until the recorded draw (evaluation ``tie_draw``) orders it.

    条例43: within 5 working days of the evaluation report; later only with late_reason, kept on
    the award and shown on the portal. The award notice and the result go out at once, so the
    2 working days for them (条例43) always hold.

    finance receives ``contract_drafted`` in this transaction and plans the payment tranches.
    """
    tender = (Tender.objects.select_for_update()
              .select_related("project__purchaser", "project__community").get(pk=tender.pk))
    authz.require(actor, "procurement.award_tender", tender)
    if tender.status != Tender.Status.EVALUATED:
        raise ServiceError(_("只有评审完成、待定标的采购项目可以确认中标结果。"), code="state")
    first = list(Bid.objects.select_related("organization")
                 .filter(tender=tender, rank=1, status=Bid.Status.QUALIFIED)[:2])
    if not first:
        raise ServiceError(_("没有排名第一的有效投标，不能定标。"), code="no_winner")
    if len(first) > 1:
        # Equal score and price that the tender's tie rule cannot settle is a tie (87号令 57),
        # never settled by who submitted first: the purchaser draws lots on the record first.
        raise ServiceError(_("排名第一的投标并列（得分和报价相同，招标文件规定的排序规则不能区分），"
                             "请先进行随机抽签确定排名。"), code="tie")
    bid = first[0]
    if bid.pk in collusion_bid_ids(tender.pk):
        # The committee found the bid deemed colluding (87号令 37): it is invalid.
        raise ServiceError(_("排名第一的投标经评标委员会认定视为串通投标，投标无效（政府采购货物和服务"
                             "招标投标管理办法第三十七条），不能确定为中标人。"), code="collusion")
    project = ServiceProject.objects.select_for_update().get(pk=tender.project_id)
    check_duration(duration_months=project.duration_months,
                   multi_year_budget_secured=project.multi_year_budget_secured)
    now = timezone.now()
    confirm_due = award_confirm_due(tender)
    late = confirm_due is not None and timezone.localdate(now) > confirm_due
    late_reason = (late_reason or "").strip() if late else ""
    if late and not late_reason:
        raise ServiceError(
            _("采购人应当自收到评审报告之日起5个工作日内确定中标供应商（政府采购法实施条例第四十三条），"
              "期限已于%(date)s届满，请填写逾期定标的理由。") % {"date": confirm_due.isoformat()},
            code="late_reason")
    award = award_draft(tender=tender, project=project, bid=bid, actor=actor, now=now,
                        reason=reason, confirm_due=confirm_due, late_reason=late_reason)
    contract = award.contract
    TenderStates(tender).award()
    tender.save(update_fields=["status"])
    project_before = project.status
    ServiceProjectStates(project).award()
    project.save(update_fields=["status"])
    audit_record(actor=actor, action="award.confirm", target=tender,
                 before={"status": Tender.Status.EVALUATED, "project_status": project_before},
                 after={"status": tender.status, "project_status": project.status,
                        "bid": bid.pk, "supplier": bid.organization_id,
                        "amount": str(award.amount), "contract": contract.code,
                        "sign_due": contract.sign_due.isoformat(),
                        "team": [member_snapshot(m) for m in active_team(contract)],
                        **({"late": True, "confirm_due": confirm_due.isoformat(),
                            "late_reason": late_reason} if late else {})})
    award_notify(award)
    return award


def award_draft(*, tender, project, bid, actor, now, reason="", confirm_due=None,
                late_reason="") -> Award:
    """Create the award of bid and draft its contract (finance plans the tranches on
    ``contract_drafted``); the caller moves the states, audits and calls award_notify. The
    amount is the bid's final quote (最后报价) where a round was held, else its price."""
    amount = bid_final_price(bid)
    award = Award.objects.create(tender=tender, bid=bid, amount=amount, confirmed_by=actor,
                                 confirmed_at=now, reason=reason, confirm_due=confirm_due,
                                 late_reason=late_reason)
    start = timezone.localdate(now)
    end = add_months(start, project.duration_months) - datetime.timedelta(days=1)
    contract = Contract.objects.create(
        award=award, project=project, code=f"TMP-{uuid.uuid4().hex[:20]}",
        purchaser=project.purchaser, supplier=bid.organization, amount=amount,
        start_date=start, end_date=end, sign_due=contract_sign_due(now),
    )
    contract.code = f"HT{project.fiscal_year}-{contract.pk:05d}"
    contract.save(update_fields=["code"])
    # The social-work team the bid promised, as it stands now (issue 7 item 17).
    contract_team_copy(contract=contract, bid=bid, at=now)
    contract_drafted.send(sender=Contract, contract=contract, actor=actor)
    return award


def award_notify(award) -> None:
    """Send the award notice (中标通知) to the winner, the result to the other bidders, and the
    signing task to the purchaser and the news to the community."""
    tender, bid, contract = award.tender, award.bid, award.contract
    project = contract.project
    url = contract_url(contract)
    notify(recipients=staff_of(bid.organization, Role.SOCIAL_ORG),
           title=_("中标通知：%(code)s %(title)s") % {"code": tender.code, "title": tender.title},
           body=_("贵机构为中标人，中标金额 %(amount)s 元，请于%(due)s前签订合同 %(contract)s"
                  "（政府采购法第四十六条）。") % {
               "amount": money(award.amount), "contract": contract.code,
               "due": contract.sign_due.isoformat()},
           url=url)
    losers = (Bid.objects.filter(tender=tender).exclude(pk=bid.pk)
              .exclude(status=Bid.Status.WITHDRAWN).values_list("organization_id", flat=True))
    notify(recipients=get_user_model().objects.filter(
               is_active=True, memberships__organization_id__in=list(losers),
               memberships__role=Role.SOCIAL_ORG, memberships__is_active=True).distinct(),
           title=_("未中标通知：%(code)s") % {"code": tender.code},
           body=_("中标人：%(name)s。") % {"name": bid.organization.name},
           url=link("procurement:tender-detail", tender.pk,
                    fallback=f"/procurement/tenders/{tender.pk}/"))
    notify(recipients=project_purchaser_staff(project),
           title=_("请签订服务合同：%(contract)s") % {"contract": contract.code},
           body=_("合同金额 %(amount)s 元，乙方 %(name)s，签约期限%(due)s（政府采购法第四十六条）。") % {
               "amount": money(contract.amount), "name": bid.organization.name,
               "due": contract.sign_due.isoformat()},
           url=url)
    notify(recipients=staff_of(project.community, Role.COMMUNITY),
           title=_("项目已定标：%(code)s") % {"code": project.code},
           body=_("中标人：%(name)s。") % {"name": bid.organization.name},
           url=link("procurement:project-detail", project.pk,
                    fallback=f"/procurement/projects/{project.pk}/"))
