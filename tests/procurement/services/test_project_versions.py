"""Revise and resubmit (issue 8 item 5): numbered versions, project_revise, the diff."""

import importlib
from decimal import Decimal

import pytest

from core.exceptions import PermissionDenied, ServiceError
from core.models import AuditEntry
from finance.services.budget import budget_reject
from procurement.models import ProjectVersion, ServiceProject
from procurement.selectors.versions import (
    project_design_snapshot,
    project_version_diff,
    project_version_list,
)
from procurement.services.projects import (
    project_approve,
    project_return,
    project_revise,
    project_submit,
)
from tests.worlds import CASE_AND_EVENTS, audit_count, project_draft

pytestmark = pytest.mark.django_db

# The draft's budget lines (300,000.00): personnel 210,000.00, management 30,000.00,
# activities 60,000.00.
REVISED_LINES = [
    {"category": "personnel", "amount": Decimal("210000.00"), "note": "社工薪酬"},
    {"category": "management", "amount": Decimal("30000.00")},
    {"category": "activities", "amount": Decimal("55000.00")},
]


def _returned(world, **kw) -> ServiceProject:
    project = project_draft(world, **kw)
    project_submit(project=project, actor=world.community)
    project_return(project=project, actor=world.purchaser, reason="人员薪酬测算依据不足")
    project.refresh_from_db()
    return project


def _state(project) -> tuple:
    project.refresh_from_db()
    return (project.status, project.budget_amount, project.title,
            project_design_snapshot(project=project), ProjectVersion.objects.count(),
            audit_count())


def test_every_submission_is_a_numbered_version(world):
    project = _returned(world)
    first = project.versions.get()
    assert (first.number, first.submitted_by, first.return_reason) == (1, world.community, "")
    assert first.snapshot["fields"]["budget_amount"] == "300000.00"
    assert first.snapshot["budget_lines"][0] == {"category": "personnel", "amount": "210000.00",
                                                 "note": ""}

    project_revise(project=project, actor=world.community, budget_lines=REVISED_LINES)
    project_submit(project=project, actor=world.community)
    second = project.versions.get(number=2)
    assert second.return_reason == "人员薪酬测算依据不足"
    assert second.snapshot["fields"]["budget_amount"] == "295000.00"
    assert first.snapshot["fields"]["budget_amount"] == "300000.00"  # kept as submitted
    assert [v.number for v in project_version_list(project=project)] == [1, 2]


def test_budget_sent_back_by_finance_is_revised_the_same_way(world):
    project = project_draft(world)
    project_submit(project=project, actor=world.community)
    project_approve(project=project, actor=world.purchaser)
    budget_reject(project=project, actor=world.finance, reason="额度不足，请压缩预算")
    project_revise(project=project, actor=world.community, budget_lines=[
        {"category": "personnel", "amount": Decimal("140000.00")},
        {"category": "management", "amount": Decimal("20000.00")},
        {"category": "activities", "amount": Decimal("40000.00")},
    ])
    project_submit(project=project, actor=world.community)
    project.refresh_from_db()
    assert project.status == ServiceProject.Status.SUBMITTED
    assert project.budget_amount == Decimal("200000.00")
    assert project.versions.get(number=2).return_reason == "额度不足，请压缩预算"


def test_revise_replaces_fields_and_line_items(world):
    project = _returned(world)
    before = audit_count("project.revise")
    project_revise(project=project, actor=world.community, title="  老年人关爱服务项目（修订）",
                   duration_months=6, budget_lines=REVISED_LINES, **CASE_AND_EVENTS)
    project.refresh_from_db()
    assert project.title == "老年人关爱服务项目（修订）" and project.duration_months == 6
    assert project.budget_amount == Decimal("295000.00")
    assert project.status == ServiceProject.Status.RETURNED  # project_submit sends it
    assert project.deliverables.count() == 2 and project.budget_lines.count() == 3
    events = project.indicators.get(name="社区活动场次")
    assert events.deliverable == project.deliverables.get(activity_type="small_event")
    assert audit_count("project.revise") == before + 1
    entry = AuditEntry.objects.filter(action="project.revise").latest("pk")
    assert entry.after["changed"] == ["title", "duration_months", "budget_amount", "deliverables",
                                      "indicators", "budget_lines"]


def test_revising_deliverables_alone_keeps_the_indicators(world):
    project = _returned(world, design=CASE_AND_EVENTS)
    project_revise(project=project, actor=world.community,
                   deliverables=CASE_AND_EVENTS["deliverables"][:1])
    names = sorted(project.indicators.values_list("name", "deliverable__activity_type"))
    assert names == [("个案服务数", "case"), ("服务对象满意度", None), ("社区活动场次", None)]


@pytest.mark.parametrize("who", ["other_community", "resident", "purchaser", "finance", "admin",
                                 "superuser"])
def test_revise_denied_to_everyone_but_the_designing_community(world, who):
    project = _returned(world)
    state = _state(project)
    with pytest.raises(PermissionDenied):
        project_revise(project=project, actor=world.users()[who], budget_lines=REVISED_LINES)
    assert _state(project) == state


def test_revise_only_in_the_returned_state(world):
    project = project_draft(world)
    project_submit(project=project, actor=world.community)
    state = _state(project)
    with pytest.raises(ServiceError, match="已退回"):
        project_revise(project=project, actor=world.community, budget_lines=REVISED_LINES)
    assert _state(project) == state


@pytest.mark.parametrize("changes, message", [
    ({"budget_lines": []}, "预算明细"),
    ({"budget_lines": [{"category": "personnel", "amount": "abc"}]}, "金额无效"),
    ({"budget_lines": [*REVISED_LINES, {"category": "personnel", "amount": "1.00"}]}, "预算科目"),
    # 人员薪酬 below its 70% floor (PLATFORM_RULES["BUDGET_CATEGORY_CAPS"]).
    ({"budget_lines": [{"category": "personnel", "amount": "100000"},
                       {"category": "management", "amount": "30000"},
                       {"category": "activities", "amount": "170000"}]}, "人员薪酬"),
    ({"deliverables": [{"activity_type": "case", "description": "个案", "quantity": 0,
                        "unit_price": "300"}]}, "服务产出"),
    ({"deliverables": [{"activity_type": "nonsense", "description": "个案", "quantity": 1,
                        "unit_price": "300"}]}, "服务产出"),
    ({"indicators": [{"category": "output", "name": "个案", "target": "10",
                      "deliverable_index": 5}]}, "服务产出"),
    ({"title": "  "}, "项目名称"),
    ({"duration_months": 24}, "12个月"),
    ({"category": "nonsense"}, "服务类别"),
])
def test_revise_with_bad_input_changes_nothing(world, changes, message):
    project = _returned(world)
    state = _state(project)
    with pytest.raises(ServiceError, match=message):
        project_revise(project=project, actor=world.community, **changes)
    assert _state(project) == state


def test_revise_refuses_unknown_changes(world):
    project = _returned(world)
    with pytest.raises(TypeError):
        project_revise(project=project, actor=world.community, purchaser=world.purchaser_org)


def test_diff_lists_exactly_what_changed(world):
    project = _returned(world, design=CASE_AND_EVENTS)
    project_revise(
        project=project, actor=world.community, objectives="提升独居老人生活质量",
        budget_lines=REVISED_LINES,
        deliverables=[
            {**CASE_AND_EVENTS["deliverables"][0], "quantity": 12},
            {"activity_type": "group", "description": "互助小组", "quantity": 2, "unit": "个",
             "unit_price": Decimal("1500.00")},
        ],
        indicators=CASE_AND_EVENTS["indicators"][:1] + CASE_AND_EVENTS["indicators"][2:],
    )
    project_submit(project=project, actor=world.community)
    old, new = project_version_list(project=project)
    diff = project_version_diff(old, new)

    assert [(c.label, c.before, c.after) for c in diff.fields] == [
        ("项目目标", "提升社区老年人生活质量", "提升独居老人生活质量")]
    items = {(i.section, i.kind, i.label): i for i in diff.items}
    assert set(items) == {
        ("服务产出", "changed", "个案服务：个案服务"),
        ("服务产出", "removed", "小型社区活动：社区小型活动"),
        ("服务产出", "added", "小组工作：互助小组"),
        ("绩效指标", "removed", "产出：社区活动场次"),
        ("预算明细", "changed", "人员薪酬"),
        ("预算明细", "changed", "服务活动"),
    }
    case = items[("服务产出", "changed", "个案服务：个案服务")]
    assert [(c.label, c.before, c.after) for c in case.changes] == [("数量", "10 个", "12 个")]
    assert (case.amount_before, case.amount_after) == (Decimal("3000.00"), Decimal("3600.00"))
    personnel = items[("预算明细", "changed", "人员薪酬")]
    assert (personnel.amount_before, personnel.amount_after) == (Decimal("210000.00"),
                                                                  Decimal("210000.00"))
    assert [(c.label, c.before, c.after) for c in personnel.changes] == [("测算说明", "", "社工薪酬")]
    activities = items[("预算明细", "changed", "服务活动")]
    assert (activities.amount_before, activities.amount_after, activities.changes) == (
        Decimal("60000.00"), Decimal("55000.00"), [])
    budget, outputs = diff.totals
    assert (budget.before, budget.after, budget.delta_text) == (
        Decimal("300000.00"), Decimal("295000.00"), "-5,000.00")
    assert (outputs.before, outputs.after) == (Decimal("11000.00"), Decimal("6600.00"))
    assert outputs.delta_text == "-4,400.00"
    assert diff.changed


def test_diff_of_an_unchanged_resubmission_is_empty(world):
    project = _returned(world)
    project_submit(project=project, actor=world.community)
    diff = project_version_diff(*project_version_list(project=project))
    assert (diff.fields, diff.items, diff.changed) == ([], [], False)


def test_migration_records_earlier_submissions_as_v1_in_the_snapshot_shape(world):
    from django.apps import apps

    migration = importlib.import_module("procurement.migrations.0016_project_versions")
    project = _returned(world, design=CASE_AND_EVENTS)
    draft = project_draft(world)
    ProjectVersion.objects.all().delete()
    migration.backfill_first_versions(apps, None)
    version = ProjectVersion.objects.get()
    assert (version.project, version.number, version.submitted_by) == (project, 1, world.community)
    assert version.snapshot == project_design_snapshot(project=project)
    assert not draft.versions.exists()
