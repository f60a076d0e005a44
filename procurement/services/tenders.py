"""Tenders (采购): publish (or re-tender after 废标) with the legal limits checked, extend the bid
deadline, cancel (终止采购)."""

import datetime
import uuid
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from core import authz
from core.audit import audit_record
from core.calendar import add_working_days
from core.exceptions import ServiceError
from core.notifications import notify
from procurement.models import (
    EVALUATION_METHODS,
    Bid,
    NeedCategory,
    ServiceProject,
    Tender,
    TenderAmendment,
    TenderCriterion,
)
from procurement.sealing import tender_data_key
from procurement.services._common import link, staff_of
from procurement.services.invitations import invitations_record
from procurement.services.projects import check_duration
from procurement.signals import committee_seats_wanted, project_ended, tender_cancelled
from procurement.states import ServiceProjectStates, TenderStates

Method = Tender.Method

# Calendar days from publication to the bid deadline (法35; 磋商办法第10条).
MIN_CALENDAR_DAYS = {Method.OPEN: 20, Method.INVITED: 20, Method.CONSULTATION: 10}
# Working days from publication to the deadline (竞争性谈判 74号令; 单一来源公示 条例38).
MIN_WORKING_DAYS = {Method.NEGOTIATION: 3, Method.SINGLE_SOURCE: 5}
# Price weight bounds in percent for services (87号令第55条; 磋商办法第24条).
PRICE_WEIGHT_BOUNDS = {
    Method.OPEN: (Decimal("10"), Decimal("100")),
    Method.INVITED: (Decimal("10"), Decimal("100")),
    Method.CONSULTATION: (Decimal("10"), Decimal("30")),
}
HUNDRED = Decimal("100")
# Working days of the tender announcement (招标公告期限, 87号令第16条).
ANNOUNCEMENT_WORKING_DAYS = 5
# Minimum working days the documents are provided from publication (87号令第19条 for tenders;
# 磋商办法第10条 for 磋商). The other methods provide them until the deadline.
MIN_DOCUMENT_WORKING_DAYS = {Method.OPEN: 5, Method.INVITED: 5, Method.CONSULTATION: 5}


def tender_url(tender) -> str:
    """Return the back-office page of the tender."""
    return link("procurement:tender-detail", tender.pk,
                fallback=f"/procurement/tenders/{tender.pk}/")


def earliest_deadline(method: str, published_at: datetime.datetime) -> datetime.datetime:
    """Return the earliest bid deadline the method allows for a tender published at published_at."""
    if method in MIN_CALENDAR_DAYS:
        return published_at + datetime.timedelta(days=MIN_CALENDAR_DAYS[method])
    local = timezone.localtime(published_at)
    day = add_working_days(local.date(), MIN_WORKING_DAYS.get(method, 0))
    return local.replace(year=day.year, month=day.month, day=day.day)


def check_deadline(method: str, published_at, bid_deadline) -> None:
    """Refuse a bid deadline shorter than the method's legal minimum."""
    if timezone.is_naive(bid_deadline):
        raise ServiceError(_("投标截止时间必须带时区。"), code="deadline")
    if bid_deadline < earliest_deadline(method, published_at):
        if method in MIN_CALENDAR_DAYS:
            message = _("%(method)s自采购文件发出之日起至投标截止时间不得少于%(days)s日。") % {
                "method": Method(method).label, "days": MIN_CALENDAR_DAYS[method]}
        else:
            message = _("%(method)s自采购文件发出之日起至响应截止时间不得少于%(days)s个工作日。") % {
                "method": Method(method).label, "days": MIN_WORKING_DAYS[method]}
        raise ServiceError(message, code="deadline")


def announcement_end(published_at) -> datetime.date:
    """Return the last day of the 5-working-day announcement of a tender published then."""
    return add_working_days(published_at, ANNOUNCEMENT_WORKING_DAYS)


def check_documents_until(method: str, published_at, bid_deadline,
                          documents_until: datetime.date | None) -> datetime.date:
    """Return the last day the documents are provided, refusing a supply period the law forbids.

    Without a date the documents are provided for the method's minimum (or, for methods without
    one, until the deadline). The period may not end after the day of the bid deadline.
    """
    minimum = MIN_DOCUMENT_WORKING_DAYS.get(method)
    deadline_day = timezone.localdate(bid_deadline)
    if documents_until is None:
        documents_until = (add_working_days(published_at, minimum) if minimum is not None
                           else deadline_day)
    elif not isinstance(documents_until, datetime.date) or isinstance(documents_until,
                                                                     datetime.datetime):
        raise ServiceError(_("采购文件提供截止日无效。"), code="documents_until")
    if minimum is not None and documents_until < add_working_days(published_at, minimum):
        if method == Method.CONSULTATION:
            message = _("磋商文件的发售期限自开始之日起不得少于%(days)s个工作日"
                        "（政府采购竞争性磋商采购方式管理暂行办法第十条），最早可至%(date)s。")
        else:
            message = _("招标文件的提供期限自招标公告发布之日起不得少于%(days)s个工作日"
                        "（政府采购货物和服务招标投标管理办法第十九条），最早可至%(date)s。")
        raise ServiceError(message % {
            "days": minimum, "date": add_working_days(published_at, minimum).isoformat()},
            code="documents_until")
    if documents_until > deadline_day:
        raise ServiceError(
            _("采购文件提供期限（至%(date)s）不得晚于投标截止日，请推迟投标截止时间。") % {
                "date": documents_until.isoformat()},
            code="documents_until")
    if documents_until < timezone.localdate(published_at):
        raise ServiceError(_("采购文件提供截止日不得早于发布日。"), code="documents_until")
    return documents_until


def check_price_weight(method: str, price_weight: Decimal, *, fixed_price: bool = False) -> None:
    """Refuse a price weight outside the method's allowed range.

    A fixed-price project leaves price out of scoring (weight 0; 87号令 55 last paragraph, 磋商办法
    24); a method awarding the lowest price (谈判, 单一来源; 法38(五)) has no price score at all.
    """
    if fixed_price:
        if method == Method.NEGOTIATION:
            raise ServiceError(_("固定价格项目的价格不参与竞争，不能采用按最低报价成交的竞争性谈判。"),
                               code="method")
        if price_weight != 0:
            raise ServiceError(_("固定价格项目的价格不列为评审因素，价格分权重应为0（87号令第五十五条）。"),
                               code="price_weight")
        return
    if EVALUATION_METHODS[method] == Tender.EvaluationMethod.LOWEST_PRICE:
        if price_weight != 0:
            raise ServiceError(
                _("%(method)s按最低报价确定成交供应商（政府采购法第三十八条），不设价格分，价格分权重应为0。")
                % {"method": Method(method).label}, code="price_weight")
        return
    low, high = PRICE_WEIGHT_BOUNDS.get(method, (Decimal("0"), HUNDRED))
    if not low <= price_weight <= high:
        if method == Method.CONSULTATION:
            message = _("竞争性磋商的价格分权重应为10%至30%。")
        elif method in PRICE_WEIGHT_BOUNDS:
            message = _("%(method)s的价格分权重不得低于10%%。") % {"method": Method(method).label}
        else:
            message = _("价格分权重应在0%至100%之间。")
        raise ServiceError(message, code="price_weight")


def check_criteria(criteria, price_weight: Decimal) -> list[TenderCriterion]:
    """Return unsaved criteria after checking their scores sum to 100 and match the price weight."""
    if not criteria:
        raise ServiceError(_("请填写评分标准。"), code="criteria")
    rows = []
    for index, item in enumerate(criteria):
        try:
            max_score = Decimal(str(item["max_score"]))
        except (InvalidOperation, KeyError, TypeError) as exc:
            raise ServiceError(_("评分项分值无效。"), code="criteria") from exc
        kind = item.get("kind", TenderCriterion.Kind.TECHNICAL)
        if kind not in TenderCriterion.Kind.values or not str(item.get("name", "")).strip():
            raise ServiceError(_("评分项名称或类型无效。"), code="criteria")
        if not Decimal("0") < max_score <= HUNDRED:
            raise ServiceError(_("评分项分值应大于0且不超过100。"), code="criteria")
        rows.append(TenderCriterion(name=item["name"].strip(), kind=kind, max_score=max_score,
                                    description=item.get("description", ""),
                                    order=item.get("order", index)))
    if sum(r.max_score for r in rows) != HUNDRED:
        raise ServiceError(_("各评分项分值之和必须为100分。"), code="criteria_sum")
    prices = [r for r in rows if r.kind == TenderCriterion.Kind.PRICE]
    if price_weight > 0:
        if len(prices) != 1:
            raise ServiceError(_("评分标准中必须有且只有一项价格分。"), code="criteria_price")
        if prices[0].max_score != price_weight:
            raise ServiceError(_("价格分分值必须等于价格分权重。"), code="criteria_price")
    elif prices:
        raise ServiceError(_("价格分权重为0时不得设置价格评分项。"), code="criteria_price")
    return rows


def check_method_threshold(method: str, budget_amount: Decimal) -> None:
    """Refuse a method other than open tender at or above the open-tender threshold."""
    threshold = settings.PLATFORM_RULES["OPEN_TENDER_THRESHOLD"]
    if budget_amount >= threshold and method != Method.OPEN:
        raise ServiceError(
            _("预算金额达到公开招标数额标准（%(threshold)s元）的，应当采用公开招标方式。") % {
                "threshold": threshold},
            code="threshold",
        )


def _bidder_staff(tenders) -> list:
    """Return the active social-org staff of every organization with a live bid on the tenders."""
    bidder_orgs = Bid.objects.filter(tender__in=tenders).exclude(
        status=Bid.Status.WITHDRAWN).values("organization_id")
    return list(get_user_model().objects.filter(
        is_active=True, memberships__organization_id__in=bidder_orgs,
        memberships__role=Role.SOCIAL_ORG, memberships__is_active=True,
    ).distinct())


# No budget, no tender: the project's budget commitment (finance's BudgetCommitment, read through
# its reverse relation so procurement imports nothing from finance) must be committed.
# tests/finance/test_receivers.py pins "committed" to BudgetCommitment.Status.COMMITTED.
HAS_COMMITTED_BUDGET = Q(budget_commitment__status="committed")

# Tender states after which a project may be re-tendered (废标) or no longer has a live tender.
CLOSED_TENDER_STATUSES = (Tender.Status.FAILED, Tender.Status.CANCELLED)


SEATED_METHODS = (Method.OPEN, Method.INVITED)


MAX_REQUIRED_DOCUMENTS = 20


def check_required_documents(names) -> list[str]:
    """Return the mandatory bid documents as a clean list of names (trimmed, no repeats), or
    refuse names that are too long or too many."""
    cleaned: list[str] = []
    for name in names or ():
        name = " ".join(str(name).split())
        if not name or name in cleaned:
            continue
        if len(name) > 100:
            raise ServiceError(_("材料名称“%(name)s…”过长（最多100字）。") % {"name": name[:20]},
                               code="required_documents")
        cleaned.append(name)
    if len(cleaned) > MAX_REQUIRED_DOCUMENTS:
        raise ServiceError(_("投标须提交的材料最多%(n)d项。") % {"n": MAX_REQUIRED_DOCUMENTS},
                           code="required_documents")
    return cleaned


def check_specialties(specialties) -> list:
    """Return the tender's required expert specialties (NeedCategory values, unique, in order)."""
    specialties = list(dict.fromkeys(specialties or []))
    unknown = [code for code in specialties if code not in NeedCategory.values]
    if unknown:
        raise ServiceError(_("评审专家专业要求无效：%(codes)s。") % {"codes": "、".join(unknown)},
                           code="specialties")
    return specialties


def check_committee_seats(project, method, *, specialties=(), bid_deadline=None) -> None:
    """Refuse an open or invited tender when the expert pool cannot seat its committee.

    The committee (≥ 5, ≥ 7 from LARGE_COMMITTEE_BUDGET; 87号令 47) is drawn from active
    experts free of the purchaser and the designing community (条例39, 条例9); conflicts with
    bidders are unknown before bidding, so the count is an upper bound the draw may still miss.
    It counts as the draw will: only experts with one of the tender's specialties, available
    on the day of opening (the bid deadline). evaluation answers ``committee_seats_wanted``; without an answer nothing is checked.
    """
    if method not in SEATED_METHODS:
        return
    for _receiver, answer in committee_seats_wanted.send(
            sender=Tender, project=project, method=method, specialties=list(specialties),
            on_date=timezone.localdate(bid_deadline) if bid_deadline else None):
        if answer is None:
            continue
        needed, available = answer
        if available < needed:
            raise ServiceError(
                _("%(method)s的评标委员会至少需要%(size)d名专家（87号令第47条），"
                  "专家库中专业相符、开标日可参评且与采购人、设计社区无利害关系的在库专家仅有%(n)d人，"
                  "不能发布采购公告。")
                % {"method": Method(method).label, "size": needed, "n": available},
                code="experts",
            )


def check_registry_conditions(min_rating, required_qualifications, reason="") -> list[str]:
    """Validate the registry conditions a tender states (法22第二款 特定条件); return the kinds.

    A minimum rating or a required qualification excludes suppliers, so it needs a stated
    reason tied to the project (条例20(八): no unreasonable condition; RULES.md: a rating is
    never a discriminatory exclusion).
    """
    from accounts.models import OrganizationRating, Qualification

    if min_rating and min_rating not in OrganizationRating.Grade.values:
        raise ServiceError(_("请选择有效的最低评估等级。"), code="min_rating")
    kinds = list(dict.fromkeys(required_qualifications or ()))
    if any(kind not in Qualification.Kind.values for kind in kinds):
        raise ServiceError(_("请选择有效的资质类别。"), code="qualifications")
    if (min_rating or kinds) and not (reason or "").strip():
        raise ServiceError(_("设定最低评估等级或资质要求时，请说明其与本项目特殊要求的关联"
                             "（政府采购法第二十二条第二款；不得以不合理条件排斥潜在供应商）。"),
                           code="registry_reason")
    return kinds


@transaction.atomic
def tender_publish(*, project, actor, method, bid_deadline, price_weight, criteria,
                   eligibility="", tie_rule=None, documents_until=None,
                   required_specialties=None, min_rating="", required_qualifications=(),
                   registry_conditions_reason="", invited=(),
                   required_documents=()) -> Tender:
    """Publish the project's tender once its budget is confirmed; project → tendering.

    The announcement runs 5 working days (87号令第16条); the documents are provided until
    documents_until, at least 5 working days for tenders and 磋商 (87号令第19条; 磋商办法第10条).

    After a failed procurement (废标, 法36) the purchaser publishes a new tender for the same
    project (重新招标): its code is the first tender's code with a suffix (CG2026-00008-2).

    invited: the organizations an 邀请招标 invites (≥ 3) or the one supplier a 单一来源 names
    (see procurement.services.invitations).

    required_documents: the documents (投标函, 报价单 …) every bid must carry a file for.
    """
    project = (ServiceProject.objects.select_for_update()
               .select_related("purchaser", "community").get(pk=project.pk))
    authz.require(actor, "procurement.publish_tender", Tender(project=project))
    previous = list(Tender.objects.filter(project=project).order_by("pk"))
    if any(t.status not in CLOSED_TENDER_STATUSES for t in previous):
        raise ServiceError(_("该项目已有进行中的采购，不能重复发布采购公告。"), code="exists")
    retender = bool(previous) and project.status == ServiceProject.Status.TENDERING
    if project.status != ServiceProject.Status.BUDGET_CONFIRMED and not retender:
        if project.status == ServiceProject.Status.CANCELLED:
            raise ServiceError(_("该项目的采购已终止，不能再发布采购公告。"), code="cancelled")
        raise ServiceError(_("项目预算尚未确认，不能发布采购（无预算不采购）。"), code="no_budget")
    if not ServiceProject.objects.filter(HAS_COMMITTED_BUDGET, pk=project.pk).exists():
        raise ServiceError(_("项目没有已确认的预算占用，不能发布采购（无预算不采购）。"),
                           code="no_budget")
    if method not in Method.values:
        raise ServiceError(_("请选择有效的采购方式。"), code="method")
    check_duration(duration_months=project.duration_months,
                   multi_year_budget_secured=project.multi_year_budget_secured)
    try:
        price_weight = Decimal(str(price_weight))
    except InvalidOperation as exc:
        raise ServiceError(_("价格分权重无效。"), code="price_weight") from exc
    check_method_threshold(method, project.budget_amount)
    check_price_weight(method, price_weight, fixed_price=project.fixed_price)
    rows = check_criteria(criteria, price_weight)
    tie_rule = tie_rule or Tender.TieRule.TECHNICAL
    if tie_rule not in Tender.TieRule.values:
        raise ServiceError(_("请选择有效的并列排序规则。"), code="tie_rule")
    now = timezone.now()
    check_deadline(method, now, bid_deadline)
    documents_until = check_documents_until(method, now, bid_deadline, documents_until)
    required_specialties = check_specialties(required_specialties)
    check_committee_seats(project, method, specialties=required_specialties,
                          bid_deadline=bid_deadline)
    required_qualifications = check_registry_conditions(min_rating, required_qualifications,
                                                        registry_conditions_reason)
    required_documents = check_required_documents(required_documents)
    tender = Tender.objects.create(
        project=project, code=f"TMP-{uuid.uuid4().hex[:20]}", title=project.title, method=method,
        budget_amount=project.budget_amount, price_weight=price_weight,
        eligibility=eligibility, tie_rule=tie_rule, min_rating=min_rating or "",
        required_qualifications=required_qualifications,
        registry_conditions_reason=(registry_conditions_reason or "").strip(),
        bid_deadline=bid_deadline, status=Tender.Status.PUBLISHED, published_at=now,
        published_by=actor, announcement_ends_on=announcement_end(now),
        documents_until=documents_until, required_specialties=required_specialties,
        required_documents=required_documents,
    )
    if previous:
        tender.code = f"{previous[0].code}-{len(previous) + 1}"
    else:
        tender.code = f"CG{project.fiscal_year}-{tender.pk:05d}"
    tender.save(update_fields=["code"])
    # The data key its sealed bids will be encrypted with, made now so that concurrent first
    # bids only read it (bids hold the tender FOR SHARE: they must not race to create it).
    tender_data_key(tender.pk, create=True)
    for row in rows:
        row.tender = tender
    TenderCriterion.objects.bulk_create(rows)
    invitations_record(tender=tender, organizations=invited, actor=actor, at=now)  # 法34, 条例38
    project_before = project.status
    ServiceProjectStates(project).start_tendering()
    project.save(update_fields=["status"])
    after = {"status": tender.status, "project_status": project.status,
             "method": method, "evaluation_method": tender.evaluation_method,
             "price_weight": str(price_weight), "tie_rule": tie_rule,
             "bid_deadline": bid_deadline.isoformat(),
             "announcement_ends_on": tender.announcement_ends_on.isoformat(),
             "documents_until": documents_until.isoformat(),
             "budget_amount": str(tender.budget_amount),
             "required_specialties": required_specialties,
             "min_rating": tender.min_rating,
             "required_qualifications": required_qualifications,
             "registry_conditions_reason": tender.registry_conditions_reason,
             "required_documents": required_documents}
    if previous:
        after["retender_of"] = previous[-1].code
    audit_record(actor=actor, action="tender.publish", target=tender,
                 before={"project_status": project_before}, after=after)
    body = _("投标截止时间：%(deadline)s") % {
        "deadline": timezone.localtime(bid_deadline).strftime("%Y-%m-%d %H:%M")}
    recipients = list(staff_of(project.community, Role.COMMUNITY))
    if previous:
        # The bidders of the failed tender learn that the project is tendered again.
        recipients += _bidder_staff(previous)
        title = _("重新招标：%(code)s %(title)s") % {"code": tender.code, "title": tender.title}
    else:
        title = _("采购公告已发布：%(code)s %(title)s") % {"code": tender.code,
                                                     "title": tender.title}
    notify(recipients=recipients, title=title, body=body, url=tender_url(tender))
    return tender


@transaction.atomic
def tender_cancel(*, tender, actor, reason) -> Tender:
    """Cancel the procurement (终止采购) before the award; project → cancelled, budget released.

    A live tender becomes cancelled; a failed tender (废标) that the purchaser decides not to
    re-tender keeps its failed status and reason. Every bidder and the community are told why.

    finance receives ``project_ended`` in this transaction and releases the budget commitment.
    """
    tender = (Tender.objects.select_for_update().select_related("project__community")
              .get(pk=tender.pk))
    authz.require(actor, "procurement.cancel_tender", tender)
    project = ServiceProject.objects.select_for_update().get(pk=tender.project_id)
    latest = Tender.objects.filter(project_id=project.pk).order_by("-pk").first()
    if (tender.status in (Tender.Status.AWARDED, Tender.Status.CANCELLED, Tender.Status.DRAFT)
            or latest.pk != tender.pk
            or project.status not in (ServiceProject.Status.TENDERING,
                                      ServiceProject.Status.EVALUATING)):
        raise ServiceError(_("只有定标前的当前采购可以终止。"), code="state")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写终止采购的理由。"), code="reason")
    before = {"status": tender.status, "project_status": project.status}
    if tender.status != Tender.Status.FAILED:
        TenderStates(tender).cancel()
        tender.failure_reason = reason
        tender.save(update_fields=["status", "failure_reason"])
    ServiceProjectStates(project).cancel()
    project.save(update_fields=["status"])
    audit_record(actor=actor, action="tender.cancel", target=tender, before=before,
                 after={"status": tender.status, "project_status": project.status,
                        "reason": reason})
    project_ended.send(sender=ServiceProject, project=project, actor=actor)  # nothing paid: released
    notify(recipients=_bidder_staff([tender]) + list(staff_of(tender.project.community,
                                                              Role.COMMUNITY)),
           title=_("采购已终止：%(code)s %(title)s") % {"code": tender.code, "title": tender.title},
           body=_("终止理由：%(reason)s") % {"reason": reason}, url=tender_url(tender))
    tender_id = tender.pk
    transaction.on_commit(
        lambda: tender_cancelled.send(sender=Tender, tender=Tender.objects.get(pk=tender_id))
    )
    return tender


def _local_minute(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


@transaction.atomic
def tender_extend_deadline(*, tender, actor, new_deadline, reason) -> Tender:
    """Move the bid deadline later, before the current one passes, and tell the bidders.

    The postponement is published as an amendment (更正公告) of kind 延期: the deadline is part
    of the documents and 87号令第27条 makes every 澄清或者修改 part of them, so it makes a new
    version and shows in the portal's amendment history. A pure postponement does not change
    how bids are prepared (it only gives more time), so it does not affect bids: no bidder has
    to re-confirm and no bid is flagged as answering an old version at opening.
    """
    tender = (Tender.objects.select_for_update().select_related("project__purchaser")
              .get(pk=tender.pk))
    authz.require(actor, "procurement.extend_tender", tender)
    if tender.status != Tender.Status.PUBLISHED:
        raise ServiceError(_("只有投标中的采购项目可以延长投标截止时间。"), code="state")
    if timezone.now() >= tender.bid_deadline:
        raise ServiceError(_("投标截止时间已过，不能再延长。"), code="passed")
    if timezone.is_naive(new_deadline) or new_deadline <= tender.bid_deadline:
        raise ServiceError(_("新的投标截止时间必须晚于原截止时间。"), code="earlier")
    if not (reason or "").strip():
        raise ServiceError(_("请填写延期理由。"), code="reason")
    old = tender.bid_deadline
    reason = reason.strip()
    tender.bid_deadline = new_deadline
    tender.version += 1
    tender.save(update_fields=["bid_deadline", "version"])
    amendment = TenderAmendment.objects.create(
        tender=tender, kind=TenderAmendment.Kind.EXTENSION, version=tender.version,
        content=_("投标截止时间由 %(old)s 延长至 %(new)s。理由：%(reason)s") % {
            "old": _local_minute(old), "new": _local_minute(new_deadline), "reason": reason},
        affects_bids=False, changes={"bid_deadline": [old.isoformat(), new_deadline.isoformat()]},
        old_deadline=old, new_deadline=new_deadline, published_at=timezone.now(),
        published_by=actor,
    )
    audit_record(actor=actor, action="tender.extend_deadline", target=tender,
                 before={"bid_deadline": old.isoformat(), "version": tender.version - 1},
                 after={"bid_deadline": new_deadline.isoformat(), "reason": reason,
                        "version": tender.version, "amendment": amendment.pk})
    recipients = _bidder_staff([tender])
    notify(recipients=recipients,
           title=_("投标截止时间已延长：%(code)s") % {"code": tender.code},
           body=_("新的投标截止时间：%(deadline)s。理由：%(reason)s") % {
               "deadline": _local_minute(new_deadline), "reason": reason},
           url=tender_url(tender))
    return tender


def bids_open(*, tender, actor=None):
    """Open the tender's bids after the deadline (see procurement.services.bids.bids_open)."""
    from procurement.services.bids import bids_open as _bids_open

    return _bids_open(tender=tender, actor=actor)
