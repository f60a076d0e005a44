"""Reads for the workspace: the user's task inbox across both flows, in a fixed number of queries."""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task

from accounts.models import Organization
from accounts.roles import Role
from accounts.selectors import is_platform_admin, user_memberships
from core.counts import related_count
from core.models import Holiday
from evaluation.models import PerformanceEvaluation, SatisfactionResponse
from procurement.models import Bid, Contract, Need, NeedSupport, ServiceProject, Tender
from procurement.permissions.grants import evaluated_contract_q, supervised_project_q
from workflows.permissions import ROLE_PERMISSION_PREFIX, open_tasks_q


@dataclass
class InboxItem:
    task: Task
    title: str
    subject: str
    subject_code: str
    role: str
    role_label: str
    deadline: str
    url: str
    due_state: str = ""  # "", "due_soon" or "overdue"
    section: str = ""  # "assigned" or the task's owner permission: the inbox section it is in
    section_total: int = 0  # how many open tasks that section holds (counted in SQL)

    @property
    def due_label(self) -> str:
        """Return the warning shown beside the due date ("即将到期", "已逾期") or ""."""
        return str({"due_soon": _("即将到期"), "overdue": _("已逾期")}.get(self.due_state, ""))


def due_state(deadline: str, today: datetime.date) -> str:
    """Return "overdue" past the due date, "due_soon" within the warning days, else ""."""
    try:
        due = datetime.date.fromisoformat(deadline)
    except (TypeError, ValueError):
        return ""
    if today > due:
        return "overdue"
    if (due - today).days <= settings.PLATFORM_RULES["DEADLINE_WARNING_DAYS"]:
        return "due_soon"
    return ""


def _subject(task) -> tuple[str, str]:
    process = task.process
    for attr, field in (("serviceprojectprocess", "project"), ("needprocess", "need")):
        try:
            sub = getattr(process, attr)
        except process.__class__.DoesNotExist:
            continue
        except AttributeError:
            continue
        obj = getattr(sub, field, None)
        if obj is not None:
            return getattr(obj, "title", str(obj)), getattr(obj, "code", "")
    return str(process), ""


def task_inbox_queryset(user):
    """Return the human tasks the user may do now, with their processes and subjects joined."""
    return (
        Task.objects.filter(open_tasks_q(user))
        .select_related(
            "process",
            "process__serviceprojectprocess__project",
            "process__needprocess__need",
        )
        .order_by("created", "pk")
    )


def task_inbox_for_user(user, *, limit: int | None = None) -> list[InboxItem]:
    """Return the user's inbox items (task, step title, project or need title, role, deadline),
    oldest first.

    A section is the tasks assigned to the user, or those open to one role permission. With
    ``limit`` only the first ``limit`` tasks of each section are read: the database picks them
    (a row number per section over the tasks' keys) and counts each section
    (``InboxItem.section_total``); a second query joins the chosen ones' processes and subjects.
    The time then barely grows with the number of open tasks.
    """
    section = Case(When(owner_id=user.pk, then=Value("assigned")),
                   default=F("owner_permission"), output_field=CharField())
    total = Window(Count("pk"), partition_by=[section])
    if limit is None:
        tasks = list(task_inbox_queryset(user).annotate(section=section, section_total=total))
    else:
        # First the window over narrow rows (key, section, count, rank) of every open task, then
        # the chosen ones with their processes and subjects joined: sorting the wide joined
        # rows of thousands of tasks was what grew with their number.
        chosen = {
            pk: (name, count) for pk, name, count in
            Task.objects.filter(open_tasks_q(user))
            .annotate(section=section, section_total=total, section_rank=Window(
                RowNumber(), partition_by=[section],
                order_by=[F("created").asc(), F("pk").asc()]))
            .filter(section_rank__lte=limit)
            .values_list("pk", "section", "section_total")
        }
        tasks = list(task_inbox_queryset(user).filter(pk__in=list(chosen))) if chosen else []
        for task in tasks:
            task.section, task.section_total = chosen[task.pk]
    items = []
    today = timezone.localdate()
    for task in tasks:
        permission = task.owner_permission or ""
        if task.section == "assigned":
            role, role_label = "assigned", _("指派给我")
        elif permission.startswith(ROLE_PERMISSION_PREFIX):
            role = permission[len(ROLE_PERMISSION_PREFIX):]
            role_label = Role(role).label if role in Role.values else role
        else:
            role, role_label = "", ""
        subject, code = _subject(task)
        deadline = (task.data or {}).get("deadline", "")
        items.append(InboxItem(
            task=task,
            title=str(task.flow_task.task_title or task.flow_task.name),
            subject=subject,
            subject_code=code,
            role=role,
            role_label=str(role_label),
            deadline=deadline,
            url=reverse("workflows:task", kwargs={"task_pk": task.pk}),
            due_state=due_state(deadline, today),
            section=task.section or "",
            section_total=task.section_total,
        ))
    return items


# Work items ------------------------------------------------------------------------------------
# Residents, social workers, social-organization staff looking for tenders and platform admins
# have work that no flow task stands for (a survey to answer, a ledger to keep, a tender to bid
# on, a calendar to confirm). These selectors compute it from the domain state, each in one
# query whatever the number of projects, so the inbox shows it next to the flow tasks.


@dataclass
class WorkItem:
    kind: str
    title: str
    subject: str
    subject_code: str
    detail: str
    role: str
    role_label: str
    deadline: str
    url: str
    actionable: bool = True


def _role_org_ids(user, role: str) -> set[int]:
    return {m.organization_id for m in user_memberships(user)
            if m.role == role and m.organization_id is not None}


def _item(kind, role, title, *, subject="", code="", detail="", deadline="", url="",
          actionable=True) -> WorkItem:
    return WorkItem(kind=kind, title=str(title), subject=subject, subject_code=code,
                    detail=str(detail), role=role, role_label=str(Role(role).label),
                    deadline=deadline, url=url, actionable=actionable)


def resident_work_items(user) -> list[WorkItem]:
    """Return the resident's open surveys, needs of the community to support, and own needs."""
    community_ids = _role_org_ids(user, Role.RESIDENT)
    if not community_ids:
        return []
    items = []
    surveys = (
        PerformanceEvaluation.objects.filter(
            status=PerformanceEvaluation.Status.OPEN,
            contract__project__community_id__in=community_ids,
        )
        .exclude(Exists(SatisfactionResponse.objects.filter(evaluation_id=OuterRef("pk"),
                                                            resident_id=user.pk)))
        .select_related("contract__project")
        .order_by("opened_at", "pk")
    )
    for evaluation in surveys:
        project = evaluation.contract.project
        items.append(_item(
            "satisfaction", Role.RESIDENT, _("参与满意度调查"), subject=project.title,
            code=project.code, detail=_("项目绩效评价中，请为服务打分"),
            url=reverse("evaluation:satisfaction", args=[evaluation.pk]),
        ))
    to_support = (
        Need.objects.filter(status=Need.Status.SUBMITTED, community_id__in=community_ids)
        .exclude(submitted_by_id=user.pk)
        .exclude(Exists(NeedSupport.objects.filter(need_id=OuterRef("pk"), user_id=user.pk)))
        .annotate(support_count=related_count(NeedSupport.objects, "need"))
        .order_by("submitted_at", "pk")
    )
    for need in to_support:
        items.append(_item(
            "need_support", Role.RESIDENT, _("支持居民需求"), subject=need.title,
            detail=_("已有 %(count)s 位居民支持") % {"count": need.support_count},
            url=reverse("procurement:need-detail", args=[need.pk]),
        ))
    own = Need.objects.filter(submitted_by_id=user.pk).order_by("-submitted_at", "-pk")[:20]
    for need in own:
        items.append(_item(
            "own_need", Role.RESIDENT, _("我提交的需求"), subject=need.title,
            detail=need.get_status_display(),
            url=reverse("procurement:need-detail", args=[need.pk]), actionable=False,
        ))
    return items


def social_worker_work_items(user) -> list[WorkItem]:
    """Return one "记录服务台账" item per signed contract in delivery of the worker's organization."""
    org_ids = _role_org_ids(user, Role.SOCIAL_WORKER)
    if not org_ids:
        return []
    month_start = timezone.localdate().replace(day=1)
    contracts = (
        Contract.objects.filter(
            status=Contract.Status.SIGNED, project__status=ServiceProject.Status.IN_DELIVERY,
            supplier_id__in=org_ids, supplier__social_workers__user_id=user.pk,
        )
        .select_related("project")
        .annotate(
            month_records=Count("service_records", distinct=True,
                                filter=Q(service_records__served_on__gte=month_start)),
            my_month_records=Count("service_records", distinct=True,
                                   filter=Q(service_records__served_on__gte=month_start,
                                            service_records__social_worker_id=user.pk)),
            my_late_records=Count("service_records", distinct=True,
                                  filter=Q(service_records__social_worker_id=user.pk,
                                           service_records__is_late=True)),
        )
        .order_by("start_date", "pk")
    )
    items = []
    for contract in contracts:
        detail = _("本月已记录 %(all)s 条（我 %(mine)s 条）") % {
            "all": contract.month_records, "mine": contract.my_month_records}
        if contract.my_late_records:
            detail += _("；我有 %(late)s 条超过24小时补录，请及时记录") % {
                "late": contract.my_late_records}
        items.append(_item(
            "service_record", Role.SOCIAL_WORKER, _("记录服务台账"),
            subject=contract.project.title, code=contract.code, detail=detail,
            deadline=str(_("服务后24小时内")),
            url=reverse("delivery:record-add", args=[contract.pk]),
        ))
    return items


def social_org_work_items(user) -> list[WorkItem]:
    """Return the tenders open for bidding on which the user's organization may still bid."""
    organizations = sorted(
        {m.organization for m in user_memberships(user)
         if m.role == Role.SOCIAL_ORG and m.organization_id is not None},
        key=lambda o: o.pk,
    )
    if not organizations:
        return []
    now = timezone.now()
    partners = ServiceProject.design_partners.through.objects
    items = []
    for organization in organizations:  # one query per organization the user bids for
        tenders = (
            Tender.objects.filter(status=Tender.Status.PUBLISHED, bid_deadline__gt=now)
            .exclude(project__community_id=organization.pk)
            .exclude(Exists(partners.filter(serviceproject_id=OuterRef("project_id"),
                                            organization_id=organization.pk)))
            .exclude(Exists(Bid.objects.filter(tender_id=OuterRef("pk"),
                                               organization_id=organization.pk)
                            .exclude(status=Bid.Status.WITHDRAWN)))
            .order_by("bid_deadline", "pk")
        )
        for tender in tenders:
            detail = _("预算 %(amount)s 元") % {"amount": tender.budget_amount}
            if len(organizations) > 1:
                detail = f"{organization.name} · {detail}"
            items.append(_item(
                "tender_bid", Role.SOCIAL_ORG, _("递交投标文件"), subject=tender.title,
                code=tender.code, detail=detail,
                deadline=timezone.localtime(tender.bid_deadline).strftime("%Y-%m-%d %H:%M"),
                url=reverse("procurement:bid-submit", args=[tender.pk]),
            ))
    return items


def platform_admin_work_items(user) -> list[WorkItem]:
    """Return the provisional holidays to confirm and the credit-code overrides to review."""
    if not is_platform_admin(user):
        return []
    items = []
    year = timezone.localdate().year
    provisional = Holiday.objects.filter(provisional=True, date__year__in=[year, year + 1])
    count = provisional.count()
    if count:
        items.append(_item(
            "holiday_confirm", Role.ADMIN, _("核对待核实的节假日"),
            subject=_("%(year)s—%(next)s 年节假日安排") % {"year": year, "next": year + 1},
            detail=_("%(count)s 天按规则推算，尚未与国务院办公厅通知核对") % {"count": count},
            url=reverse("admin:core_holiday_changelist") + "?" + urlencode({"provisional__exact": 1}),
        ))
    overrides = Organization.objects.exclude(credit_code_override_reason="").count()
    if overrides:
        items.append(_item(
            "credit_code_override", Role.ADMIN, _("复核信用代码校验例外"),
            subject=_("统一社会信用代码未通过校验位检查的机构"),
            detail=_("%(count)s 家机构使用人工确认的例外理由") % {"count": overrides},
            url=reverse("admin:accounts_organization_changelist")
            + "?" + urlencode({"credit_code_override_reason__gt": ""}),
        ))
    return items


def grantee_work_items(user) -> list[WorkItem]:
    """Return what a grant opened to the user's 纪检/审计 body or third-party evaluator.

    The projects its organization supervises (read-only, every stage) and the contracts it was
    commissioned to evaluate; one query per kind, none for users without those roles.
    """
    items = []
    if _role_org_ids(user, Role.SUPERVISOR):
        projects = (ServiceProject.objects.filter(supervised_project_q(user))
                    .select_related("purchaser").order_by("-pk"))
        for project in projects:
            items.append(_item(
                "project_supervise", Role.SUPERVISOR, _("监督查看项目"), subject=project.title,
                code=project.code, detail=_("%(purchaser)s · %(status)s") % {
                    "purchaser": project.purchaser.name, "status": project.get_status_display()},
                url=reverse("procurement:project-detail", args=[project.pk]),
            ))
    if _role_org_ids(user, Role.EVALUATOR):
        contracts = (Contract.objects.filter(evaluated_contract_q(user))
                     .select_related("project", "supplier").order_by("-pk"))
        for contract in contracts:
            items.append(_item(
                "contract_evaluate", Role.EVALUATOR, _("第三方评估合同履约"),
                subject=contract.project.title, code=contract.code,
                detail=contract.supplier.name,
                url=reverse("procurement:contract-detail", args=[contract.pk]),
            ))
    return items


def work_items_for_user(user) -> list[WorkItem]:
    """Return the user's role work items besides flow tasks (actionable ones and information)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    return [
        *resident_work_items(user),
        *social_worker_work_items(user),
        *social_org_work_items(user),
        *platform_admin_work_items(user),
        *grantee_work_items(user),
    ]
