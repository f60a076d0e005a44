"""Reads of committee seats, score sheets and performance evaluations, scoped to the user."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.authz import scope_q, scoped
from core.counts import related_count
from core.models import StoredFile
from core.templatetags.money import money
from delivery.models import ServiceRecord
from evaluation.models import (
    CommitteeMember,
    PerformanceEvaluation,
    SatisfactionResponse,
    ScoreSheet,
)
from evaluation.rules import price_scores
from evaluation.services.committees import EVALUABLE_BID_STATUSES
from procurement.models import (
    Bid,
    Contract,
    FinalQuoteRound,
    IndicatorCategory,
    Tender,
    TenderCriterion,
)
from procurement.selectors import bid_flag_list_for_user
from procurement.services.final_quotes import final_prices


def committee_seat_list_for_user(*, user, pending_only: bool = False) -> QuerySet[CommitteeMember]:
    """Return the user's seats on evaluation committees with the number of unsubmitted sheets."""
    qs = (
        CommitteeMember.objects.filter(expert_id=getattr(user, "pk", None))
        .select_related("committee__tender__project")
        .annotate(pending_sheets=Count("sheets", filter=Q(sheets__status=ScoreSheet.Status.DRAFT)))
        .order_by("-committee__formed_at", "-id")
    )
    if pending_only:
        qs = qs.filter(committee__tender__status=Tender.Status.EVALUATING, pending_sheets__gt=0)
    return qs


def committee_seat_get_for_user(*, user, pk: int) -> CommitteeMember:
    """Return one of the user's seats or raise CommitteeMember.DoesNotExist (views answer 404)."""
    return committee_seat_list_for_user(user=user).get(pk=pk)


def score_sheet_list_for_seat(*, member: CommitteeMember) -> QuerySet[ScoreSheet]:
    """Return a seat's sheets with bids and items (only exist once bids are opened)."""
    return (
        ScoreSheet.objects.filter(member=member)
        .exclude(bid__tender__status__in=[Tender.Status.DRAFT, Tender.Status.PUBLISHED])
        .select_related("bid__organization").prefetch_related("items__criterion").order_by("bid_id")
    )


def performance_evaluation_list_for_user(*, user) -> QuerySet[PerformanceEvaluation]:
    """Return the evaluations the user takes part in (as any party or as a resident)."""
    condition = scope_q(user, "evaluation.view_performanceevaluation")
    return PerformanceEvaluation.objects.filter(condition).select_related(
        "contract__project__community", "contract__supplier", "contract__purchaser", "third_party_expert"
    ).prefetch_related("party_scores").annotate(
        satisfaction_count=related_count(SatisfactionResponse.objects, "evaluation"))


def performance_evaluation_get_for_user(*, user, pk: int) -> PerformanceEvaluation:
    """Return one visible evaluation or raise PerformanceEvaluation.DoesNotExist (views answer 404)."""
    return performance_evaluation_list_for_user(user=user).get(pk=pk)


# Track record (issue 7 item 9): a grade follows the organization ---------------------------------

@dataclass
class TrackRecord:
    """An organization's record on the platform: its contracts, their performance grades and
    what went wrong (terminated contracts, returned milestone reports, late signatures)."""

    organization_id: int
    contracts: int = 0  # signed, completed or terminated
    amount: Decimal = Decimal("0")
    completed: int = 0
    terminated: int = 0  # 已解除: a failed delivery
    late_signatures: int = 0  # signed after the 30-day limit with a recorded reason (法46)
    returned_reports: int = 0  # milestone reports sent back for rework (退回修改)
    # Late deliveries: final reports submitted after the contract's end, and contracts past
    # their end with no final report at all (the service period is the contract's promise).
    late_reports: int = 0
    overdue: int = 0
    grades: dict = field(default_factory=dict)  # 优/良/中/差 → count (finalized evaluations)

    @property
    def empty(self) -> bool:
        return not self.contracts

    def summary(self) -> str:
        """Return one line for the committee (amounts as 3,000,000.00)."""
        from django.utils.translation import gettext

        if self.empty:
            return gettext("平台上无履约记录")
        labels = dict(PerformanceEvaluation.Grade.choices)
        grades = "、".join(f"{labels[g]}{n}" for g, n in self.grades.items() if n) or gettext("无")
        return gettext(
            "合同%(contracts)d份，金额%(amount)s元，已履约完毕%(completed)d份；绩效评价：%(grades)s；"
            "解除合同%(terminated)d份，阶段报告退回修改%(returned)d次，逾期签约%(late)d次，"
            "服务期满后提交终期报告%(late_reports)d次，服务期满未提交终期报告%(overdue)d份") % {
            "contracts": self.contracts, "amount": money(self.amount),
            "completed": self.completed, "grades": grades, "terminated": self.terminated,
            "returned": self.returned_reports, "late": self.late_signatures,
            "late_reports": self.late_reports, "overdue": self.overdue}


def track_records_for(organization_ids) -> dict[int, TrackRecord]:
    """Return each organization's track record as a supplier, in three queries however many."""
    from delivery.models import MilestoneReport
    from procurement.models import Contract

    ids = list(dict.fromkeys(organization_ids))
    found = {pk: TrackRecord(organization_id=pk) for pk in ids}
    live = ~Q(status=Contract.Status.DRAFT)
    for row in (Contract.objects.filter(live, supplier_id__in=ids).values("supplier_id")
                .annotate(n=Count("id"), amount=Sum("amount"),
                          completed=Count("id", filter=Q(status=Contract.Status.COMPLETED)),
                          terminated=Count("id", filter=Q(status=Contract.Status.TERMINATED)),
                          late=Count("id", filter=~Q(supplier_late_reason="")),
                          overdue=Count("id", filter=Q(
                              status=Contract.Status.SIGNED, end_date__lt=timezone.localdate())
                              & Q(~Exists(MilestoneReport.objects.filter(
                                  contract=OuterRef("pk"), kind=MilestoneReport.Kind.FINAL)))))
                .order_by()):
        record = found[row["supplier_id"]]
        record.contracts, record.amount = row["n"], row["amount"] or Decimal("0")
        record.completed, record.terminated = row["completed"], row["terminated"]
        record.late_signatures, record.overdue = row["late"], row["overdue"]
    for row in (PerformanceEvaluation.objects
                .filter(contract__supplier_id__in=ids,
                        status=PerformanceEvaluation.Status.FINALIZED)
                .values("contract__supplier_id", "grade").annotate(n=Count("id")).order_by()):
        grades = found[row["contract__supplier_id"]].grades
        grades[row["grade"]] = grades.get(row["grade"], 0) + row["n"]
    for row in (MilestoneReport.objects
                .filter(contract__supplier_id__in=ids)
                .values("contract__supplier_id")
                .annotate(n=Count("id", filter=Q(status=MilestoneReport.Status.RETURNED)),
                          late=Count("id", filter=Q(kind=MilestoneReport.Kind.FINAL,
                                                    submitted_at__date__gt=F("contract__end_date"))
                                     & ~Q(status=MilestoneReport.Status.RETURNED)))
                .order_by()):
        record = found[row["contract__supplier_id"]]
        record.returned_reports, record.late_reports = row["n"], row["late"]
    for record in found.values():  # 优 first
        record.grades = {g: record.grades.get(g, 0) for g in PerformanceEvaluation.Grade.values}
    return found


# The expert's scoring page (issue 8 item 4): each bid with what the committee weighs ------------

@dataclass
class BidForScoring:
    """One evaluable bid as an expert scores it: its price as evaluated (the final quote where a
    round was held), the computed price score, its files, the opening flags naming it and the
    bidder's track record."""

    bid: object
    price: Decimal
    price_score: Decimal | None  # None when price is not a criterion (最低报价法, fixed price)
    files: list = field(default_factory=list)
    flags: list = field(default_factory=list)
    track_record: TrackRecord | None = None

    @property
    def final_quote_differs(self) -> bool:
        return self.price != self.bid.price


@dataclass
class ScoringPage:
    """What an expert's scoring page shows: the criteria, the bids and the tender's flags."""

    tender: Tender
    criteria: list  # every criterion, price included, in order
    bids: list  # BidForScoring, by bid id
    flags: list  # the tender's opening flags the user may read
    # A final-quote round (最后报价) still sealed: prices and price scores are not known yet.
    final_quotes_sealed: bool = False

    @property
    def scored_criteria(self) -> list:
        """Return the criteria the expert types a score for (price is computed)."""
        return [c for c in self.criteria if c.kind != TenderCriterion.Kind.PRICE]

    @property
    def price_criterion(self):
        return next((c for c in self.criteria if c.kind == TenderCriterion.Kind.PRICE), None)


def scoring_page_for_user(*, user, tender: Tender) -> ScoringPage:
    """Return the evaluable bids of the tender that the user may read, with their files, flags,
    prices and track records: a fixed number of queries however many bids."""
    bids = list(scoped(user, "procurement.view_bid", Bid.objects.filter(
        tender_id=tender.pk, status__in=EVALUABLE_BID_STATUSES))
        .select_related("organization").order_by("pk"))
    criteria = sorted(tender.criteria.all(), key=lambda c: (c.order, c.pk))
    price_criterion = next((c for c in criteria if c.kind == TenderCriterion.Kind.PRICE), None)
    prices = final_prices(tender, bids)
    sealed = FinalQuoteRound.objects.filter(tender_id=tender.pk, closed_at__isnull=True).exists()
    scores = (price_scores(prices, price_criterion.max_score)
              if price_criterion and bids and not sealed else {})
    files: dict[int, list] = {}
    for stored in StoredFile.objects.filter(
            content_type=ContentType.objects.get_for_model(Bid),
            object_id__in=[b.pk for b in bids]).order_by("uploaded_at", "pk"):
        files.setdefault(stored.object_id, []).append(stored)
    flags = list(bid_flag_list_for_user(user=user, tender=tender))
    flagged: dict[int, list] = {}
    for flag in flags:
        for bid in flag.bids.all():
            flagged.setdefault(bid.pk, []).append(flag)
    records = track_records_for(b.organization_id for b in bids)
    rows = [BidForScoring(bid=b, price=prices[b.pk], price_score=scores.get(b.pk),
                          files=files.get(b.pk, []), flags=flagged.get(b.pk, []),
                          track_record=records[b.organization_id]) for b in bids]
    return ScoringPage(tender=tender, criteria=criteria, bids=rows, flags=flags,
                       final_quotes_sealed=sealed)
# Targets against actuals (issue 8 item 4): what evaluators and the purchaser judge ---------------

@dataclass
class IndicatorActual:
    """One indicator's target and, where the platform measures it, its actual."""

    indicator: object
    actual: Decimal | None  # None: judged by the evaluators, not measured here

    @property
    def share(self) -> Decimal | None:
        if self.actual is None:
            return None
        return (self.actual / self.indicator.target * 100).quantize(Decimal("0.1"))


@dataclass
class DeliverableActual:
    """One deliverable: its target quantity against the service records written for it."""

    deliverable: object
    records: int = 0
    confirmed: int = 0
    participants: int = 0
    files: int = 0
    indicators: list = field(default_factory=list)
    expected: int | None = None  # records due by today at an even pace; None: contract not running

    @property
    def share(self) -> Decimal:
        """Return the records written as a percentage of the target quantity (one decimal)."""
        return (Decimal(self.records) / self.deliverable.quantity * 100).quantize(Decimal("0.1"))

    @property
    def behind(self) -> bool:
        """Return whether fewer records are written than the elapsed contract time expects."""
        return self.expected is not None and self.records < self.expected


@dataclass
class DeliveryAchievement:
    contract_id: int
    deliverables: list
    other_indicators: list  # indicators of no deliverable (budget, effect, satisfaction …)
    satisfaction_count: int = 0
    satisfaction_average: Decimal | None = None
    elapsed: Decimal | None = None  # share (0–100) of the service period gone; None: not running

    @property
    def behind(self) -> list:
        return [row for row in self.deliverables if row.behind]


def delivery_contract_list_for_user(*, user) -> QuerySet:
    """Return the contracts whose delivery progress the user may see: whoever sees the project
    (the community, the purchaser, the supplier, supervisors) or the contract (granted
    evaluators)."""
    from procurement.models import ServiceProject

    projects = ServiceProject._base_manager.filter(
        scope_q(user, "procurement.view_serviceproject")).values("pk")
    contracts = Contract._base_manager.filter(scope_q(user, "procurement.view_contract")).values("pk")
    return Contract.objects.filter(Q(project__in=projects) | Q(pk__in=contracts))


def delivery_contract_get_for_user(*, user, contract_id: int):
    """Return one contract of delivery_contract_list_for_user; Http404 otherwise. One query."""
    from django.http import Http404

    contract = (delivery_contract_list_for_user(user=user).filter(pk=contract_id)
                .select_related("project", "supplier").first())
    if contract is None:
        raise Http404
    return contract


def contract_elapsed(contract, today=None) -> Decimal | None:
    """Return the share (0–100, one decimal) of a signed contract's service period elapsed by
    today (Asia/Shanghai), counting today; None for a contract not signed (draft, terminated)."""
    if contract.status not in (Contract.Status.SIGNED, Contract.Status.COMPLETED):
        return None
    if contract.status == Contract.Status.COMPLETED:
        return Decimal(100)
    today = today or timezone.localdate()
    days = (contract.end_date - contract.start_date).days + 1
    gone = min(max((today - contract.start_date).days + 1, 0), days)
    return (Decimal(gone) / days * 100).quantize(Decimal("0.1"))


def delivery_achievement(*, contract, evaluation=None, today=None) -> DeliveryAchievement:
    """Return each deliverable's target against the contract's service records, with indicators.

    An output indicator tied to a deliverable is measured by its record count (as the suggested
    output score counts them); a satisfaction indicator by the survey's mean when the contract
    has an evaluation with answers; other indicators are left to the evaluators. Five queries
    whatever the number of deliverables, records and files. Each deliverable also gets the records
    an even pace over the signed contract's service period expects by ``today`` (rounded down):
    fewer is behind schedule.
    """
    project = contract.project
    rows = {d.pk: DeliverableActual(deliverable=d) for d in project.deliverables.order_by("id")}
    totals = (ServiceRecord.objects.filter(contract=contract).order_by().values("deliverable_id")
              .annotate(n=Count("id"), confirmed=Count("id", filter=Q(confirmed_at__isnull=False)),
                        people=Sum("participants")))
    for total in totals:
        row = rows.get(total["deliverable_id"])
        if row is not None:
            row.records, row.confirmed, row.participants = total["n"], total["confirmed"], total["people"]
    files = (StoredFile.objects.filter(
        content_type__app_label=ServiceRecord._meta.app_label,
        content_type__model=ServiceRecord._meta.model_name,
        object_id__in=ServiceRecord.objects.filter(contract=contract).values("pk"))
        .annotate(deliverable_id=ServiceRecord.objects.filter(pk=OuterRef("object_id"))
                  .values("deliverable_id")[:1])
        .order_by().values("deliverable_id").annotate(n=Count("id")))
    for total in files:
        row = rows.get(total["deliverable_id"])
        if row is not None:
            row.files = total["n"]
    average, answers = None, 0
    if evaluation is not None:
        survey = SatisfactionResponse.objects.filter(evaluation=evaluation).aggregate(
            n=Count("id"), mean=Avg("score"))
        answers = survey["n"]
        if answers:
            average = Decimal(survey["mean"]).quantize(Decimal("0.01"))
    others = []
    for indicator in project.indicators.order_by("id"):
        row = rows.get(indicator.deliverable_id)
        if row is not None and indicator.category == IndicatorCategory.OUTPUT:
            row.indicators.append(IndicatorActual(indicator, Decimal(row.records)))
        elif row is not None:
            row.indicators.append(IndicatorActual(indicator, None))
        elif indicator.category == IndicatorCategory.SATISFACTION:
            others.append(IndicatorActual(indicator, average))
        else:
            others.append(IndicatorActual(indicator, None))
    elapsed = contract_elapsed(contract, today)
    if elapsed is not None:
        for row in rows.values():
            row.expected = int(row.deliverable.quantity * elapsed / 100)
    return DeliveryAchievement(contract_id=contract.pk, deliverables=list(rows.values()), other_indicators=others,
                               satisfaction_count=answers, satisfaction_average=average, elapsed=elapsed)


def records_by_month(*, contract, today=None) -> tuple[list, dict]:
    """Return the months of the service period so far (first days, oldest first) and, per
    deliverable id, its service records written in each of those months. One query."""
    today = today or timezone.localdate()
    counts = (ServiceRecord.objects.filter(contract=contract).order_by()
              .annotate(month=TruncMonth("served_on")).values("month", "deliverable_id")
              .annotate(n=Count("id")))
    table = {(row["month"], row["deliverable_id"]): row["n"] for row in counts}
    months = []
    month = contract.start_date.replace(day=1)
    last = min(max(today, contract.start_date), contract.end_date).replace(day=1)
    for stamp, _deliverable in table:
        month, last = min(month, stamp), max(last, stamp)
    while month <= last:
        months.append(month)
        month = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    ids = {deliverable for _month, deliverable in table}
    return months, {d: [table.get((m, d), 0) for m in months] for d in ids}



def satisfaction_summary(*, evaluation, comments: int = 20) -> dict:
    """Return the survey's answer count, mean score and latest comments (two queries)."""
    answers = SatisfactionResponse.objects.filter(evaluation=evaluation)
    totals = answers.aggregate(n=Count("id"), mean=Avg("score"))
    return {
        "count": totals["n"],
        "average": Decimal(totals["mean"]).quantize(Decimal("0.01")) if totals["n"] else None,
        "comments": list(answers.exclude(comment="").order_by("-submitted_at", "-id")[:comments]),
    }
