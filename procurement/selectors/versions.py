"""Versions of a project's design: the snapshot each submission keeps, and what changed.

``project_design_snapshot`` is the one place that knows the snapshot's shape; ``project_submit``
stores it in ``ProjectVersion.snapshot`` and ``project_version_diff`` compares two of them.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from procurement.models import (
    BudgetCategory,
    Deliverable,
    FundingSource,
    IndicatorCategory,
    NeedCategory,
    ProjectVersion,
    ServiceProject,
)

ZERO = Decimal("0.00")


def _amount(value) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def project_design_snapshot(*, project: ServiceProject) -> dict:
    """Return the project's design as a version keeps it (amounts as strings of Decimals)."""
    deliverables = list(project.deliverables.order_by("pk"))
    index = {d.pk: n for n, d in enumerate(deliverables)}
    return {
        "fields": {
            "title": project.title, "category": project.category,
            "objectives": project.objectives, "target_groups": project.target_groups,
            "fiscal_year": project.fiscal_year, "funding_source": project.funding_source,
            "duration_months": project.duration_months,
            "multi_year_budget_secured": project.multi_year_budget_secured,
            "fixed_price": project.fixed_price,
            "budget_amount": _amount(project.budget_amount),
        },
        "deliverables": [
            {"activity_type": d.activity_type, "description": d.description,
             "quantity": d.quantity, "unit": d.unit, "unit_price": _amount(d.unit_price),
             "min_quality": d.min_quality}
            for d in deliverables
        ],
        "indicators": [
            {"category": i.category, "name": i.name, "target": _amount(i.target), "unit": i.unit,
             "deliverable_index": index.get(i.deliverable_id)}
            for i in project.indicators.order_by("pk")
        ],
        "budget_lines": [
            {"category": b.category, "amount": _amount(b.amount), "note": b.note}
            for b in project.budget_lines.order_by("pk")
        ],
        "needs": [{"id": n.pk, "title": n.title} for n in project.needs.order_by("pk")],
    }


def project_version_list(*, project: ServiceProject) -> QuerySet[ProjectVersion]:
    """Return the project's versions, first to last, with who submitted them (one query)."""
    return ProjectVersion.objects.filter(project=project).select_related(
        "submitted_by").order_by("number")


def project_version_design(version: ProjectVersion) -> dict:
    """Return a version's design as a page shows it: labelled fields and rows, amounts typed."""
    snap = version.snapshot
    fields = [(_verbose(ServiceProject, key), _field_value(choices, snap["fields"].get(key)))
              for key, choices in _FIELDS]
    fields.append((_("项目预算（元）"), Decimal(snap["fields"]["budget_amount"])))
    sections = {key: (label, values, amount) for key, _section, _key, label, values, amount
                in _sections()}
    rows = {}
    for key, (label, values, amount) in sections.items():
        rows[key] = [{"label": label(r), "values": values(r),
                      "amount": amount(r) if amount else None} for r in snap.get(key, [])]
    return {"fields": fields, "needs": [n["title"] for n in snap.get("needs", [])], **rows}


# --- the diff ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One value before and after (None: absent); amounts are Decimals."""

    label: str
    before: object
    after: object


@dataclass(frozen=True)
class ItemChange:
    """A line item added, removed or changed, with its values (all of them when added/removed)."""

    section: str
    kind: str  # "added" | "removed" | "changed"
    label: str
    changes: list
    amount_before: Decimal | None = None
    amount_after: Decimal | None = None

    @property
    def kind_label(self) -> str:
        return str({"added": _("新增"), "removed": _("删除"), "changed": _("修改")}[self.kind])


@dataclass(frozen=True)
class Total:
    label: str
    before: Decimal
    after: Decimal

    @property
    def delta(self) -> Decimal:
        return self.after - self.before

    @property
    def delta_text(self) -> str:
        delta = self.delta
        sign = "+" if delta > 0 else ("-" if delta < 0 else "±")
        return f"{sign}{abs(delta):,.2f}"


@dataclass(frozen=True)
class VersionDiff:
    """What changed from version old to version new of a project's design."""

    old: ProjectVersion
    new: ProjectVersion
    fields: list = field(default_factory=list)
    items: list = field(default_factory=list)
    totals: list = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.fields or self.items or any(t.delta for t in self.totals))


def _choice(choices, value) -> str:
    return str(dict(choices).get(value, value))


def _verbose(model, name) -> str:
    return str(model._meta.get_field(name).verbose_name)


# (key, how a value reads); bools and amounts stay typed for the |shown filter.
_FIELDS = [
    ("title", None), ("category", NeedCategory.choices), ("objectives", None),
    ("target_groups", None), ("fiscal_year", None), ("funding_source", FundingSource.choices),
    ("duration_months", None), ("multi_year_budget_secured", None), ("fixed_price", None),
]


def _field_value(choices, value):
    return _choice(choices, value) if choices is not None else value


def _deliverable_amount(row) -> Decimal:
    return (Decimal(row["unit_price"]) * int(row["quantity"])).quantize(Decimal("0.01"))


def _sections():
    """Return, per kind of line item: its key, section title, row key, label and shown values."""
    return [
        ("deliverables", _("服务产出"),
         lambda r: (r["activity_type"], r["description"]),
         lambda r: f"{_choice(Deliverable.ActivityType.choices, r['activity_type'])}：{r['description']}",
         lambda r: [(_("数量"), f"{r['quantity']} {r['unit']}"),
                    (_("单价（元）"), Decimal(r["unit_price"])),
                    (_("最低质量标准"), r["min_quality"])],
         _deliverable_amount),
        ("indicators", _("绩效指标"),
         lambda r: (r["category"], r["name"]),
         lambda r: f"{_choice(IndicatorCategory.choices, r['category'])}：{r['name']}",
         lambda r: [(_("目标值"), f"{Decimal(r['target']).normalize():f} {r['unit']}".strip())],
         None),
        ("budget_lines", _("预算明细"),
         lambda r: r["category"],
         lambda r: _choice(BudgetCategory.choices, r["category"]),
         lambda r: [(_("测算说明"), r["note"])],
         lambda r: Decimal(r["amount"])),
    ]


def _item_changes(section, old_rows, new_rows, key, label, values, amount) -> list[ItemChange]:
    old = {key(r): r for r in old_rows}
    new = {key(r): r for r in new_rows}
    changes = []
    for k, row in old.items():
        if k not in new:
            changes.append(ItemChange(
                str(section), "removed", label(row),
                [Change(str(lbl), v, None) for lbl, v in values(row)],
                amount_before=amount(row) if amount else None))
    for k, row in new.items():
        if k not in old:
            changes.append(ItemChange(
                str(section), "added", label(row),
                [Change(str(lbl), None, v) for lbl, v in values(row)],
                amount_after=amount(row) if amount else None))
            continue
        before = old[k]
        diffs = [Change(str(lbl), b, a)
                 for (lbl, b), (_lbl, a) in zip(values(before), values(row), strict=True) if b != a]
        amount_changed = amount is not None and amount(before) != amount(row)
        if diffs or amount_changed:
            changes.append(ItemChange(
                str(section), "changed", label(row), diffs,
                amount_before=amount(before) if amount else None,
                amount_after=amount(row) if amount else None))
    return changes


def _total(rows, amount) -> Decimal:
    return sum((amount(r) for r in rows), ZERO)


def project_version_diff(old: ProjectVersion, new: ProjectVersion) -> VersionDiff:
    """Return what changed from old to new: fields, line items (with amounts) and the totals."""
    a, b = old.snapshot, new.snapshot
    fields = [
        Change(_verbose(ServiceProject, key), _field_value(choices, a["fields"].get(key)),
               _field_value(choices, b["fields"].get(key)))
        for key, choices in _FIELDS if a["fields"].get(key) != b["fields"].get(key)
    ]
    needs_before = [n["title"] for n in a.get("needs", [])]
    needs_after = [n["title"] for n in b.get("needs", [])]
    if sorted(n["id"] for n in a.get("needs", [])) != sorted(n["id"] for n in b.get("needs", [])):
        fields.append(Change(_verbose(ServiceProject, "needs"), "、".join(needs_before),
                             "、".join(needs_after)))
    items = []
    for key, section, row_key, label, values, amount in _sections():
        items += _item_changes(section, a.get(key, []), b.get(key, []), row_key, label, values,
                               amount)
    totals = [
        Total(str(_("项目预算（元）")), Decimal(a["fields"]["budget_amount"]),
              Decimal(b["fields"]["budget_amount"])),
        Total(str(_("服务产出合计（元）")), _total(a.get("deliverables", []), _deliverable_amount),
              _total(b.get("deliverables", []), _deliverable_amount)),
    ]
    return VersionDiff(old=old, new=new, fields=fields, items=items, totals=totals)
