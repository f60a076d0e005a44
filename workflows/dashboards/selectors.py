"""The dashboards' numbers, aggregated in SQL for one organization.

Each public function takes the organization the view has already checked and answers in a fixed
number of queries (pinned in tests/workflows/dashboards at a small and a larger data set).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from delivery.models import MilestoneReport, ServiceRecord, ServiceUserOpinion
from evaluation.charts import SATISFACTION_BANDS
from evaluation.models import PerformanceEvaluation, SatisfactionResponse
from finance.models import BudgetEnvelope, Payment, PaymentTranche
from finance.selectors import ledger_rows
from procurement.models import (
    Award,
    Bid,
    Contract,
    Deliverable,
    FundingSource,
    Need,
    NeedCategory,
    ServiceProject,
    Tender,
)

ZERO = Decimal("0.00")
DUE_WINDOW_DAYS = 30
# Tenders that reached an outcome: awarded or failed (废标); the rate of 废标 is over these.
CONCLUDED = (Tender.Status.AWARDED, Tender.Status.FAILED)
# Contracts that count as money contracted (a terminated one no longer does, as in the ledger).
LIVE_CONTRACTS = (Contract.Status.DRAFT, Contract.Status.SIGNED, Contract.Status.COMPLETED)


def percent(part, whole) -> Decimal | None:
    """Return part / whole as a percentage with one decimal (None when whole is 0)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


# -- finance --------------------------------------------------------------------------------------


@dataclass
class Money:
    """Envelope → committed → contracted → paid of a group of envelopes."""

    label: str
    envelope: Decimal = ZERO
    committed: Decimal = ZERO
    contracted: Decimal = ZERO
    paid: Decimal = ZERO

    def add(self, row) -> None:
        self.envelope += row.amount
        self.committed += row.committed
        self.contracted += row.contracted
        self.paid += row.paid

    @property
    def execution(self) -> Decimal | None:
        """Return paid / envelope in percent (执行率)."""
        return percent(self.paid, self.envelope)


@dataclass
class FinanceDashboard:
    by_year: list
    by_source: list
    by_division: list
    total: Money
    due: list  # the tranches to pay in the next DUE_WINDOW_DAYS days (first 20)
    due_count: int
    due_amount: Decimal


def finance_dashboard(*, organization, today: datetime.date | None = None) -> FinanceDashboard:
    """Return the bureau's budget execution grouped three ways, from the ledger's rows (the
    totals kept on each envelope, finance.selectors.ledger_rows), and the payments due in the
    next 30 days."""
    today = today or timezone.localdate()
    envelopes = (BudgetEnvelope.objects.filter(finance_bureau=organization)
                 .select_related("division").order_by("fiscal_year", "funding_source", "pk"))
    rows = ledger_rows(envelopes=envelopes)
    groups = ({}, {}, {})
    total = Money(label="")
    for row in rows:
        envelope = row.envelope
        keys = (str(envelope.fiscal_year), envelope.get_funding_source_display(),
                envelope.division.name)
        for group, key in zip(groups, keys, strict=True):
            group.setdefault(key, Money(label=str(key))).add(row)
        total.add(row)
    by_year, by_source, by_division = (list(g.values()) for g in groups)
    by_division.sort(key=lambda m: m.label)
    order = [str(label) for _code, label in FundingSource.choices]
    by_source.sort(key=lambda m: order.index(m.label) if m.label in order else len(order))
    due = payments_due(organization=organization, today=today)
    totals = due.aggregate(n=Count("pk"), amount=Sum(Coalesce("payable_amount", "amount")))
    return FinanceDashboard(
        by_year=by_year, by_source=by_source, by_division=by_division, total=total,
        due=list(due.select_related("contract__project", "contract__supplier")[:20]),
        due_count=totals["n"], due_amount=totals["amount"] or ZERO)


def payments_due(*, organization, today: datetime.date):
    """Return the bureau's tranches to pay within DUE_WINDOW_DAYS days, soonest first.

    A tranche is due now when it waits for approval or payment; a pending final tranche falls
    due with its contract's end date; a pending mid-term tranche once the mid-term report waits
    for acceptance (the tranches carry no date of their own).
    """
    horizon = today + datetime.timedelta(days=DUE_WINDOW_DAYS)
    mid_term_waiting = MilestoneReport.objects.filter(
        contract_id=OuterRef("contract_id"), kind=MilestoneReport.Kind.MID_TERM,
        status=MilestoneReport.Status.SUBMITTED)
    pending = Q(status=PaymentTranche.Status.PENDING, contract__status=Contract.Status.SIGNED)
    return (
        PaymentTranche.objects.filter(
            contract__project__budget_commitment__envelope__finance_bureau=organization)
        .filter(Q(status__in=[PaymentTranche.Status.DUE, PaymentTranche.Status.APPROVED])
                | (pending & Q(condition=PaymentTranche.Condition.FINAL,
                               contract__end_date__lte=horizon))
                | (pending & Q(condition=PaymentTranche.Condition.MID_TERM)
                   & Exists(mid_term_waiting)))
        .annotate(expected=Case(
            When(Q(condition=PaymentTranche.Condition.FINAL, status=PaymentTranche.Status.PENDING),
                 then=F("contract__end_date")),
            default=Value(today), output_field=DateField()))
        .order_by("expected", "contract_id", "sequence")
    )


# -- purchaser ------------------------------------------------------------------------------------

# The stages a project passes whose start and end are stamped on its rows:
# (key, label, start field, end field) with paths from ServiceProject.
STAGE_SPANS = (
    ("approval", _("立项审批"), "submitted_at", "approved_at"),
    ("bidding", _("公告及投标"), "tenders__published_at", "tenders__opened_at"),
    ("evaluation", _("开标至评审完成"), "tenders__opened_at", "tenders__evaluated_at"),
    ("award", _("评审完成至定标"), "tenders__evaluated_at", "tenders__award__confirmed_at"),
    ("signing", _("定标至签约"), "contract__award__confirmed_at", "contract__supplier_signed_at"),
)


@dataclass
class StageTime:
    key: str
    label: str
    count: int
    median: Decimal | None  # days
    worst: Decimal | None


@dataclass
class MethodOutcome:
    method: str
    label: str
    tenders: int
    concluded: int
    failed: int
    bidders: int  # valid bids over the method's opened tenders

    @property
    def failure_rate(self) -> Decimal | None:
        return percent(self.failed, self.concluded)


@dataclass
class PurchaserDashboard:
    pipeline: list  # (status, label, count)
    stage_times: list
    tasks_open: int
    tasks_overdue: int
    overdue_by_step: list  # (step title, count)
    methods: list
    bidders_histogram: list  # (bidders, tenders)
    budget: Decimal
    contracted: Decimal
    savings_by_year: list = field(default_factory=list)  # (year, budget, contracted)

    @property
    def project_count(self) -> int:
        return sum(n for _s, _l, n in self.pipeline)

    @property
    def savings(self) -> Decimal:
        return self.budget - self.contracted

    @property
    def savings_rate(self) -> Decimal | None:
        return percent(self.savings, self.budget)

    @property
    def failure_rate(self) -> Decimal | None:
        return percent(sum(m.failed for m in self.methods),
                       sum(m.concluded for m in self.methods))


def _days(duration) -> Decimal | None:
    if duration is None:
        return None
    if not isinstance(duration, datetime.timedelta):  # a backend answering microseconds
        duration = datetime.timedelta(microseconds=int(duration))
    return (Decimal(duration.total_seconds()) / 86400).quantize(Decimal("0.1"))


def stage_times(projects) -> list[StageTime]:
    """Return each stage's median and longest duration over the projects that passed it, two
    queries per stage: count and maximum, then the middle row(s) of the ordered durations."""
    result = []
    for key, label, start, end in STAGE_SPANS:
        spans = (projects.filter(**{f"{start}__isnull": False, f"{end}__isnull": False})
                 .annotate(span=ExpressionWrapper(F(end) - F(start),
                                                  output_field=DurationField())))
        totals = spans.aggregate(n=Count("pk"), worst=Max("span"))
        n = totals["n"]
        median = None
        if n:
            middle = list(spans.order_by("span").values_list("span", flat=True)[
                (n - 1) // 2:n // 2 + 1])
            days = [_days(d) for d in middle]
            median = (sum(days) / len(days)).quantize(Decimal("0.1"))
        result.append(StageTime(key=key, label=str(label), count=n, median=median,
                                worst=_days(totals["worst"])))
    return result


def purchaser_dashboard(*, organization, today: datetime.date | None = None,
                        fiscal_year: int | None = None) -> PurchaserDashboard:
    """Return the purchaser's pipeline, stage times, overdue tasks and procurement outcomes
    (of one fiscal year's projects when ``fiscal_year`` is given: the annual report)."""
    today = today or timezone.localdate()
    year = {"fiscal_year": fiscal_year} if fiscal_year else {}
    projects = ServiceProject.objects.filter(purchaser=organization, **year)
    counts = dict(projects.order_by().values_list("status").annotate(n=Count("pk")))
    pipeline = [(status, str(label), counts[status])
                for status, label in ServiceProject.Status.choices if counts.get(status)]

    tasks = (Task.objects.filter(process__serviceprojectprocess__project__in=projects,
                                 flow_task_type="HUMAN", status__in=[STATUS.NEW, STATUS.ASSIGNED])
             # Cast: a plain text comparison (a JSON key's lt/gt lookups are numeric on SQLite).
             .annotate(deadline=Cast(KT("data__deadline"), output_field=CharField())))
    overdue = Q(deadline__lt=today.isoformat()) & Q(deadline__gt="")
    task_totals = tasks.aggregate(open=Count("pk"), overdue=Count("pk", filter=overdue))
    overdue_by_step: dict = {}
    for flow_task, n in (tasks.filter(overdue).order_by().values_list("flow_task")
                         .annotate(n=Count("pk"))):
        title = str(getattr(flow_task, "task_title", "") or flow_task)
        overdue_by_step[title] = overdue_by_step.get(title, 0) + n

    tenders = Tender.objects.filter(project__in=projects).exclude(
        status__in=[Tender.Status.DRAFT, Tender.Status.CANCELLED])
    valid_bids = ~Q(bids__status__in=[Bid.Status.WITHDRAWN])
    opened = ~Q(status=Tender.Status.PUBLISHED)
    methods = [
        MethodOutcome(method=row["method"], label=str(Tender.Method(row["method"]).label),
                      tenders=row["tenders"], concluded=row["concluded"], failed=row["failed"],
                      bidders=row["bidders"])
        for row in tenders.order_by("method").values("method").annotate(
            tenders=Count("pk", distinct=True),
            concluded=Count("pk", distinct=True, filter=Q(status__in=CONCLUDED)),
            failed=Count("pk", distinct=True, filter=Q(status=Tender.Status.FAILED)),
            bidders=Count("bids", distinct=True, filter=valid_bids & opened))
    ]
    bid_count = (Bid.objects.filter(tender_id=OuterRef("pk")).exclude(status=Bid.Status.WITHDRAWN)
                 .order_by().values("tender_id").annotate(n=Count("pk")).values("n"))
    histogram = list(
        tenders.filter(opened).annotate(
            bidders=Coalesce(Subquery(bid_count, output_field=IntegerField()), 0))
        .order_by().values_list("bidders").annotate(n=Count("pk")).order_by("bidders"))

    contracts = Contract.objects.filter(project__in=projects, status__in=LIVE_CONTRACTS)
    savings_by_year = list(
        contracts.order_by("project__fiscal_year").values_list("project__fiscal_year")
        .annotate(budget=Sum("project__budget_amount"), contracted=Sum("amount")))
    return PurchaserDashboard(
        pipeline=pipeline, stage_times=stage_times(projects),
        tasks_open=task_totals["open"], tasks_overdue=task_totals["overdue"],
        overdue_by_step=sorted(overdue_by_step.items()), methods=methods,
        bidders_histogram=histogram,
        budget=sum((row[1] for row in savings_by_year), ZERO),
        contracted=sum((row[2] for row in savings_by_year), ZERO),
        savings_by_year=savings_by_year)


# -- community ------------------------------------------------------------------------------------


def satisfaction_bands(field_name: str = "score") -> dict:
    """Return the Count aggregates of answers per band of evaluation.charts.SATISFACTION_BANDS."""
    return {f"band{i}": Count("pk", filter=Q(**{f"{field_name}__gte": low,
                                                   f"{field_name}__lte": high}))
            for i, (low, high) in enumerate(SATISFACTION_BANDS)}


@dataclass
class Satisfaction:
    label: str
    count: int
    average: Decimal | None
    bands: list


def _satisfaction(label, queryset) -> Satisfaction:
    row = queryset.aggregate(n=Count("pk"), average=Avg("score"), **satisfaction_bands())
    average = row["average"]
    return Satisfaction(
        label=str(label), count=row["n"],
        average=None if average is None else Decimal(str(average)).quantize(Decimal("0.1")),
        bands=[row[f"band{i}"] for i in range(len(SATISFACTION_BANDS))])


@dataclass
class CommunityDashboard:
    needs: dict  # (category, status) -> count
    needs_total: int
    projects: list  # rows by category: category, label, projects, budget, contracted, paid
    satisfaction: list  # the survey, then the service users' opinions

    @property
    def project_count(self) -> int:
        return sum(r["projects"] for r in self.projects)

    @property
    def contracted(self) -> Decimal:
        return sum((r["contracted"] for r in self.projects), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((r["paid"] for r in self.projects), ZERO)


def community_dashboard(*, organization) -> CommunityDashboard:
    """Return the community's needs by category and status, its projects and their money by
    category, and its residents' satisfaction (survey answers and service users' opinions)."""
    needs = {(c, s): n for c, s, n in Need.objects.filter(community=organization).order_by()
             .values_list("category", "status").annotate(n=Count("pk"))}
    projects = ServiceProject.objects.filter(community=organization).exclude(
        status=ServiceProject.Status.CANCELLED)
    by_category = {row["category"]: row for row in projects.order_by().values("category").annotate(
        projects=Count("pk"), budget=Sum("budget_amount"))}
    contracted = dict(Contract.objects.filter(project__community=organization,
                                              status__in=LIVE_CONTRACTS)
                      .order_by().values_list("project__category").annotate(s=Sum("amount")))
    paid = dict(Payment.objects.filter(tranche__contract__project__community=organization)
                .order_by().values_list("tranche__contract__project__category")
                .annotate(s=Sum("amount")))
    rows = [{"category": code, "label": str(label),
             "projects": by_category.get(code, {}).get("projects", 0),
             "budget": by_category.get(code, {}).get("budget") or ZERO,
             "contracted": contracted.get(code) or ZERO, "paid": paid.get(code) or ZERO}
            for code, label in NeedCategory.choices
            if code in by_category or code in contracted or code in paid]
    satisfaction = [
        _satisfaction(_("满意度调查"), SatisfactionResponse.objects.filter(
            evaluation__contract__project__community=organization)),
        _satisfaction(_("服务对象意见"), ServiceUserOpinion.objects.filter(
            report__contract__project__community=organization)),
    ]
    return CommunityDashboard(needs=needs, needs_total=sum(needs.values()), projects=rows,
                              satisfaction=satisfaction)


# -- social organization ----------------------------------------------------------------------------


@dataclass
class SocialOrgDashboard:
    bids_by_year: list  # (year, bids, concluded, won)
    contracts_by_status: list  # (status, label, count, amount)
    delivery: list  # contracts in delivery: code, pk, target, records
    delivery_count: int
    grades: list  # (grade, label, count)
    average_score: Decimal | None

    @property
    def bids(self) -> int:
        return sum(row[1] for row in self.bids_by_year)

    @property
    def won(self) -> int:
        return sum(row[3] for row in self.bids_by_year)

    @property
    def win_rate(self) -> Decimal | None:
        return percent(self.won, sum(row[2] for row in self.bids_by_year))


DELIVERY_ROWS = 20


def social_org_dashboard(*, organization) -> SocialOrgDashboard:
    """Return the organization's own bids and win rate, contracts, delivery against targets (the
    records written against the deliverables' quantities, one SQL aggregate) and grades."""
    awards = Award.objects.filter(bid_id=OuterRef("pk"))
    bids_by_year = list(
        Bid.objects.filter(organization=organization).exclude(status=Bid.Status.WITHDRAWN)
        .order_by("tender__project__fiscal_year").values_list("tender__project__fiscal_year")
        .annotate(bids=Count("pk"),
                  concluded=Count("pk", filter=Q(tender__status__in=CONCLUDED)),
                  won=Count("pk", filter=Exists(awards))))
    contracts = Contract.objects.filter(supplier=organization)
    amounts = {s: (n, a) for s, n, a in contracts.order_by().values_list("status")
               .annotate(n=Count("pk"), a=Sum("amount"))}
    contracts_by_status = [(s, str(label), *amounts[s]) for s, label in Contract.Status.choices
                           if s in amounts]
    targets = (Deliverable.objects.filter(project_id=OuterRef("project_id")).order_by()
               .values("project_id").annotate(s=Sum("quantity")).values("s"))
    records = (ServiceRecord.objects.filter(contract_id=OuterRef("pk")).order_by()
               .values("contract_id").annotate(n=Count("pk")).values("n"))
    in_delivery = contracts.filter(status=Contract.Status.SIGNED)
    delivery = list(
        in_delivery.annotate(
            target=Coalesce(Subquery(targets, output_field=IntegerField()), 0),
            records=Coalesce(Subquery(records, output_field=IntegerField()), 0))
        .order_by("end_date", "pk").values("pk", "code", "target", "records")[:DELIVERY_ROWS])
    evaluations = PerformanceEvaluation.objects.filter(
        contract__supplier=organization, status=PerformanceEvaluation.Status.FINALIZED)
    grade_counts = dict(evaluations.order_by().values_list("grade").annotate(n=Count("pk")))
    grades = [(g, str(label), grade_counts.get(g, 0))
              for g, label in PerformanceEvaluation.Grade.choices]
    average = evaluations.aggregate(a=Avg("total"))["a"]
    return SocialOrgDashboard(
        bids_by_year=bids_by_year, contracts_by_status=contracts_by_status, delivery=delivery,
        delivery_count=in_delivery.count(), grades=grades,
        average_score=None if average is None else Decimal(average).quantize(Decimal("0.01")))
