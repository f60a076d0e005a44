"""Service projects (项目设计, 立项): community staff design, purchaser approves, closes."""

import uuid
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization
from accounts.roles import Role
from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from core.notifications import notify
from procurement.models import (
    BudgetLine,
    Contract,
    Deliverable,
    FundingSource,
    Indicator,
    Need,
    NeedCategory,
    ProjectVersion,
    ServiceProject,
)
from procurement.rules import check_budget_category_caps, split_purchase_warning
from procurement.selectors.grants import project_purchaser_staff
from procurement.selectors.versions import project_design_snapshot
from procurement.services._common import finance_staff_for_project, link, staff_of
from procurement.signals import project_ended
from procurement.states import ContractStates, ServiceProjectStates

# 政府购买服务合同履行期限一般不超过1年；预算有保障、服务稳定的可延至3年（102号令第24条）。
MAX_MONTHS = 12
MAX_MONTHS_SECURED = 36


def project_url(project) -> str:
    """Return the back-office page of the project."""
    return link("procurement:project-detail", project.pk,
                fallback=f"/procurement/projects/{project.pk}/")


def check_duration(*, duration_months: int, multi_year_budget_secured: bool) -> None:
    """Refuse a service period above 12 months (36 when a multi-year budget is secured)."""
    limit = MAX_MONTHS_SECURED if multi_year_budget_secured else MAX_MONTHS
    if not 1 <= int(duration_months) <= limit:
        if multi_year_budget_secured:
            raise ServiceError(_("服务周期须在1至36个月之间。"), code="duration")
        raise ServiceError(
            _("服务周期不得超过12个月；预算有保障且服务稳定的，最长可至36个月。"), code="duration"
        )


def _money(value, label) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError) as exc:
        raise ServiceError(_("%(label)s金额无效。") % {"label": label}, code="money") from exc
    return amount


def _build_rows(model, project, rows, label):
    objs = []
    for row in rows:
        row = dict(row)
        deliverable_index = row.pop("deliverable_index", None)
        obj = model(project=project, **row)
        if deliverable_index is not None:
            obj._deliverable_index = deliverable_index
        try:
            obj.full_clean(exclude=["project", "deliverable"])
        except ValidationError as exc:
            raise ServiceError(
                _("%(label)s填写有误：%(errors)s") % {"label": label, "errors": "; ".join(exc.messages)},
                code="rows",
            ) from exc
        objs.append(obj)
    return objs


_ROW_MODELS = (Indicator, Deliverable, BudgetLine)  # indicators first: they point at deliverables


def _check_design(*, community, purchaser, title, category, funding_source, duration_months,
                  multi_year_budget_secured, budget_lines, needs) -> tuple[Decimal, list[Need]]:
    """Refuse a design project_create would refuse; return its budget and its need rows."""
    if purchaser.kind != Organization.Kind.PURCHASER:
        raise ServiceError(_("购买主体必须是政府部门或履行行政职能的单位。"), code="purchaser")
    if category not in NeedCategory.values:
        raise ServiceError(_("请选择有效的服务类别。"), code="category")
    if funding_source not in FundingSource.values:
        raise ServiceError(_("请选择有效的资金来源。"), code="funding_source")
    if not (title or "").strip():
        raise ServiceError(_("请填写项目名称。"), code="title")
    check_duration(duration_months=duration_months,
                   multi_year_budget_secured=multi_year_budget_secured)
    if not budget_lines:
        raise ServiceError(_("请至少填写一项预算明细。"), code="budget_lines")
    budget_amount = sum((_money(line["amount"], _("预算明细")) for line in budget_lines),
                        Decimal("0.00"))
    if budget_amount <= 0:
        raise ServiceError(_("项目预算必须大于零。"), code="budget")
    need_ids = [getattr(n, "pk", n) for n in needs]
    need_rows = list(Need.objects.filter(pk__in=need_ids))
    if len(need_rows) != len(set(need_ids)) or any(
        n.community_id != community.pk or n.status != Need.Status.ACCEPTED for n in need_rows
    ):
        raise ServiceError(_("项目只能回应本社区已采纳的需求。"), code="needs")
    return budget_amount, need_rows


def _create_rows(project, *, deliverables, indicators, budget_lines) -> None:
    """Create the project's line items (an indicator's deliverable_index names its deliverable)."""
    made = Deliverable.objects.bulk_create(_build_rows(Deliverable, project, deliverables,
                                                       _("服务产出")))
    indicator_objs = _build_rows(Indicator, project, indicators, _("绩效指标"))
    for ind in indicator_objs:
        index = getattr(ind, "_deliverable_index", None)
        if index is not None:
            if not 0 <= int(index) < len(made):
                raise ServiceError(_("绩效指标对应的服务产出不存在。"), code="rows")
            ind.deliverable = made[int(index)]
    Indicator.objects.bulk_create(indicator_objs)
    lines = _build_rows(BudgetLine, project, budget_lines, _("预算明细"))
    if len({line.category for line in lines}) != len(lines):
        raise ServiceError(_("每个预算科目只能填写一行。"), code="budget_lines")
    BudgetLine.objects.bulk_create(lines)


@transaction.atomic
def project_create(*, actor, community, purchaser, title, category, objectives, target_groups,
                   fiscal_year, funding_source, duration_months, deliverables, indicators,
                   budget_lines, needs=(), design_partners=(),
                   multi_year_budget_secured=False, fixed_price=False) -> ServiceProject:
    """Design a draft service project for the community from its accepted needs.

    ``fixed_price``: the service is bought at a fixed price (统一价格标准), so its tender leaves
    price out of scoring (87号令 55 last paragraph; 磋商办法 24) and every offer is the budget.
    """
    authz.require(actor, "procurement.create_serviceproject",
                  ServiceProject(community=community))
    budget_amount, need_rows = _check_design(
        community=community, purchaser=purchaser, title=title, category=category,
        funding_source=funding_source, duration_months=duration_months,
        multi_year_budget_secured=multi_year_budget_secured, budget_lines=budget_lines,
        needs=needs)
    project = ServiceProject.objects.create(
        code=f"TMP-{uuid.uuid4().hex[:20]}", title=title.strip(), category=category,
        community=community, purchaser=purchaser, objectives=objectives,
        target_groups=target_groups, fiscal_year=fiscal_year, funding_source=funding_source,
        budget_amount=budget_amount, duration_months=duration_months,
        multi_year_budget_secured=multi_year_budget_secured, fixed_price=bool(fixed_price),
        created_by=actor,
    )
    project.code = f"XM{fiscal_year}-{project.pk:05d}"
    project.save(update_fields=["code"])
    _create_rows(project, deliverables=deliverables, indicators=indicators,
                 budget_lines=budget_lines)
    if need_rows:
        project.needs.set(need_rows)
    if design_partners:
        project.design_partners.set(list(design_partners))
    audit_record(actor=actor, action="project.create", target=project, before=None,
                 after={"status": project.status, "budget_amount": str(budget_amount),
                        "fixed_price": project.fixed_price,
                        "needs": sorted(n.pk for n in need_rows),
                        "design_partners": sorted(getattr(o, "pk", o) for o in design_partners)})
    return project


def _locked(project) -> ServiceProject:
    return (ServiceProject.objects.select_for_update()
            .select_related("community", "purchaser", "purchaser__division")
            .get(pk=project.pk))


@transaction.atomic
def project_submit(*, project, actor) -> ServiceProject:
    """Submit a draft or returned project to its purchaser for approval."""
    project = _locked(project)
    authz.require(actor, "procurement.submit_serviceproject", project)
    if project.status not in (ServiceProject.Status.DRAFT, ServiceProject.Status.RETURNED):
        raise ServiceError(_("只有草稿或已退回的项目可以提交立项。"), code="state")
    if not project.deliverables.exists() or not project.indicators.exists():
        raise ServiceError(_("提交立项前请填写服务产出和绩效指标。"), code="incomplete")
    check_duration(duration_months=project.duration_months,
                   multi_year_budget_secured=project.multi_year_budget_secured)
    # 预算科目占比（人员薪酬、项目管理等）按地区配置校验 (PLATFORM_RULES["BUDGET_CATEGORY_CAPS"]).
    check_budget_category_caps(project.budget_lines.all())
    before = {"status": project.status}
    return_reason = project.return_reason if project.status == ServiceProject.Status.RETURNED else ""
    ServiceProjectStates(project).submit()
    project.submitted_at = timezone.now()
    project.save(update_fields=["status", "submitted_at"])
    # Every submission is a numbered version of the design, kept as submitted (v1, v2 …).
    latest = project.versions.aggregate(latest=Max("number"))["latest"] or 0
    version = ProjectVersion.objects.create(
        project=project, number=latest + 1, submitted_at=project.submitted_at,
        submitted_by=actor, return_reason=return_reason,
        snapshot=project_design_snapshot(project=project))
    audit_record(actor=actor, action="project.submit", target=project, before=before,
                 after={"status": project.status, "version": version.number})
    notify(recipients=project_purchaser_staff(project),
           title=_("服务项目待立项审批：%(code)s %(title)s") % {"code": project.code,
                                                          "title": project.title},
           body=_("%(community)s提交了服务项目，预算 %(amount)s 元。") % {
               "community": project.community.name, "amount": project.budget_amount},
           url=project_url(project))
    return project


# What project_revise may change; the community and the purchaser stay (the flow's roles).
PROJECT_REVISABLE = frozenset({
    "title", "category", "objectives", "target_groups", "fiscal_year", "funding_source",
    "duration_months", "multi_year_budget_secured", "fixed_price", "needs",
    "deliverables", "indicators", "budget_lines",
})
_REVISABLE_FIELDS = ("title", "category", "objectives", "target_groups", "fiscal_year",
                     "funding_source", "duration_months", "multi_year_budget_secured",
                     "fixed_price")


_ROW_KEYS = ("deliverables", "indicators", "budget_lines")


def _design_changes(before: dict, after: dict) -> list[str]:
    """Return the names of the fields and row kinds that differ between two design snapshots."""
    fields = [k for k in after["fields"] if before["fields"].get(k) != after["fields"][k]]
    return fields + [k for k in (*_ROW_KEYS, "needs") if before[k] != after[k]]


@transaction.atomic
def project_revise(*, project, actor, **changes) -> ServiceProject:
    """Change a returned project's design (fields and line items) before it is resubmitted.

    ``changes`` are project_create's arguments except community and purchaser; a list of
    deliverables, indicators or budget lines given replaces all the rows of its kind. The same
    checks as project_create and the budget category limits apply; project_submit then records
    the new version.
    """
    unknown = set(changes) - PROJECT_REVISABLE
    if unknown:
        raise TypeError(f"project_revise() got unexpected keyword arguments {sorted(unknown)}")
    project = _locked(project)
    authz.require(actor, "procurement.submit_serviceproject", project)
    if project.status != ServiceProject.Status.RETURNED:
        raise ServiceError(_("只有已退回修改的项目可以修改。"), code="state")
    values = {name: changes.get(name, getattr(project, name)) for name in _REVISABLE_FIELDS}
    design = project_design_snapshot(project=project)
    rows = {key: [dict(row) for row in design[key]] for key in _ROW_KEYS}
    if "deliverables" in changes and "indicators" not in changes:
        # The indicators stay, tied to the deliverable at the same position (if any is left).
        for row in rows["indicators"]:
            if row.get("deliverable_index") is not None and (
                    row["deliverable_index"] >= len(changes["deliverables"])):
                row["deliverable_index"] = None
    rows |= {key: list(changes[key]) for key in rows if key in changes}
    needs = changes["needs"] if "needs" in changes else list(project.needs.all())
    budget_amount, need_rows = _check_design(
        community=project.community, purchaser=project.purchaser, title=values["title"],
        category=values["category"], funding_source=values["funding_source"],
        duration_months=values["duration_months"],
        multi_year_budget_secured=values["multi_year_budget_secured"],
        budget_lines=rows["budget_lines"], needs=needs)
    # 预算科目占比 as project_submit checks them, so a revision never stores what cannot be sent.
    check_budget_category_caps(rows["budget_lines"])
    before = {"budget_amount": str(project.budget_amount)}
    for name, value in values.items():
        setattr(project, name, value.strip() if isinstance(value, str) else value)
    project.fixed_price = bool(project.fixed_price)
    project.budget_amount = budget_amount
    project.save(update_fields=[*_REVISABLE_FIELDS, "budget_amount"])
    for model in _ROW_MODELS:
        model.objects.filter(project=project).delete()
    _create_rows(project, **rows)
    project.needs.set(need_rows)
    audit_record(actor=actor, action="project.revise", target=project, before=before,
                 after={"budget_amount": str(budget_amount),
                        "changed": _design_changes(design, project_design_snapshot(project=project))})
    return project


@transaction.atomic
def project_approve(*, project, actor, comment="",
                    split_warning_acknowledged=False) -> ServiceProject:
    """Approve a submitted project and send it to finance for budget review."""
    project = _locked(project)
    authz.require(actor, "procurement.approve_serviceproject", project)
    if project.status != ServiceProject.Status.SUBMITTED:
        raise ServiceError(_("只有待立项审批的项目可以批准立项。"), code="state")
    split_warning = split_purchase_warning(project=project)
    if split_warning and not split_warning_acknowledged:
        raise ServiceError(
            _("同类别项目预算合计已达公开招标数额标准：请确认本项目不属于化整为零规避公开招标后再批准立项。"),
            code="split_purchase",
        )
    after = {"status": ServiceProject.Status.APPROVED, "comment": comment}
    if split_warning:
        after |= {"split_warning": split_warning, "split_warning_acknowledged": True}
    ServiceProjectStates(project).approve()
    project.approved_at = timezone.now()
    project.return_reason = ""
    project.save(update_fields=["status", "approved_at", "return_reason"])
    audit_record(actor=actor, action="project.approve", target=project,
                 before={"status": ServiceProject.Status.SUBMITTED}, after=after)
    notify(recipients=finance_staff_for_project(project),
           title=_("服务项目待预算审核：%(code)s %(title)s") % {"code": project.code,
                                                          "title": project.title},
           body=_("预算年度 %(year)s，资金来源 %(source)s，金额 %(amount)s 元。") % {
               "year": project.fiscal_year, "source": project.get_funding_source_display(),
               "amount": project.budget_amount},
           url=project_url(project))
    notify(recipients=staff_of(project.community, Role.COMMUNITY),
           title=_("服务项目已立项：%(code)s") % {"code": project.code}, body=comment,
           url=project_url(project))
    return project


@transaction.atomic
def project_return(*, project, actor, reason) -> ServiceProject:
    """Return a submitted or approved project to its community with a reason."""
    project = _locked(project)
    authz.require(actor, "procurement.return_serviceproject", project)
    if project.status not in (ServiceProject.Status.SUBMITTED, ServiceProject.Status.APPROVED):
        raise ServiceError(_("只有待审批或待预算审核的项目可以退回。"), code="state")
    if not (reason or "").strip():
        raise ServiceError(_("请填写退回理由。"), code="reason")
    before = {"status": project.status}
    ServiceProjectStates(project).send_back()
    project.return_reason = reason.strip()
    project.save(update_fields=["status", "return_reason"])
    audit_record(actor=actor, action="project.return", target=project, before=before,
                 after={"status": project.status, "reason": project.return_reason})
    notify(recipients=staff_of(project.community, Role.COMMUNITY),
           title=_("服务项目被退回修改：%(code)s") % {"code": project.code},
           body=project.return_reason, url=project_url(project))
    return project


@transaction.atomic
def project_close(*, project, actor) -> ServiceProject:
    """Close a project in settlement once every tranche is paid or withheld.

    finance receives ``project_ended`` in this transaction: it refuses while a tranche is open
    (rolling the closure back) and settles the budget commitment.
    """
    project = _locked(project)
    authz.require(actor, "procurement.close_serviceproject", project)
    if project.status != ServiceProject.Status.SETTLEMENT:
        raise ServiceError(_("只有待尾款拨付的项目可以结项。"), code="state")
    ServiceProjectStates(project).close()
    project.closed_at = timezone.now()
    project.save(update_fields=["status", "closed_at"])
    contract = Contract.objects.select_for_update().filter(project=project).first()
    if contract is not None and contract.status == Contract.Status.SIGNED:
        ContractStates(contract).complete()
        contract.save(update_fields=["status"])
    audit_record(actor=actor, action="project.close", target=project,
                 before={"status": ServiceProject.Status.SETTLEMENT},
                 after={"status": project.status})
    project_ended.send(sender=ServiceProject, project=project, actor=actor)
    recipients = [*staff_of(project.community, Role.COMMUNITY)]
    if contract is not None:
        recipients += list(staff_of(contract.supplier, Role.SOCIAL_ORG))
    notify(recipients=recipients, title=_("服务项目已结项：%(code)s") % {"code": project.code},
           url=project_url(project))
    return project
