"""One owner per state: no module but an app's states.py writes a status, and docs/states.md is
the declarations drawn.

Regenerate the document after changing a declaration:
``UPDATE_STATES_DOC=1 .venv/bin/python -m pytest tests/core/test_states.py -p no:xdist``.
"""

import ast
import os
from pathlib import Path

import pytest

from accounts.states import IdentityChangeStates
from core.states import mermaid, transition_table
from delivery.states import MilestoneReportStates
from evaluation.states import PerformanceEvaluationStates, ScoreSheetStates
from finance.states import BudgetCommitmentStates, PaymentTrancheStates
from procurement.states import (
    BidIntakeStates,
    BidStates,
    ChallengeStates,
    ContractStates,
    ContractTeamChangeStates,
    NeedStates,
    ServiceProjectStates,
    TenderStates,
)

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "states.md"
SKIPPED_DIRS = {".venv", "tests", "node_modules", "static", "templates", "var", "locale"}

FLOWS = [  # in the order of the chain
    NeedStates, ServiceProjectStates, BudgetCommitmentStates, TenderStates, BidStates,
    BidIntakeStates, ScoreSheetStates, ContractStates, ChallengeStates, PaymentTrancheStates,
    MilestoneReportStates, PerformanceEvaluationStates, IdentityChangeStates,
    ContractTeamChangeStates,
]


def status_writes(source: str) -> list[tuple[int, str]]:
    """Return (line, code) of every status write in source: assignment, update(), setattr()."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        else:
            targets = []
        if any(isinstance(leaf, ast.Attribute) and leaf.attr == "status"
               for target in targets for leaf in ast.walk(target)):
            found.append((node.lineno, ast.unparse(node)))
        if isinstance(node, ast.Call) and _writes_status(node):
            found.append((node.lineno, ast.unparse(node)))
    return found


def _writes_status(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name) and func.id == "setattr":
        return (len(call.args) >= 2 and isinstance(call.args[1], ast.Constant)
                and call.args[1].value == "status")
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr == "update":  # QuerySet.update(status=...)
        return any(keyword.arg == "status" for keyword in call.keywords)
    if func.attr in {"update_or_create", "get_or_create"}:  # ...(defaults={"status": ...})
        return any(keyword.arg == "defaults" and isinstance(keyword.value, ast.Dict)
                   and any(isinstance(key, ast.Constant) and key.value == "status"
                           for key in keyword.value.keys)
                   for keyword in call.keywords)
    return False


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if set(relative.parts[:-1]) & SKIPPED_DIRS:
            continue
        yield relative, path


def _is_states_module(relative: Path) -> bool:
    return len(relative.parts) == 2 and relative.name == "states.py"


@pytest.mark.parametrize("snippet", [
    "project.status = ServiceProject.Status.CLOSED",
    "self.tender.status = 'opened'",
    "a = b.status = 'x'",
    "ServiceProject.objects.filter(pk=1).update(status='closed')",
    "qs.update_or_create(pk=1, defaults={'status': 'paid'})",
    "setattr(bid, 'status', 'withdrawn')",
])
def test_the_scan_finds_each_kind_of_status_write(snippet):
    assert status_writes(snippet)


@pytest.mark.parametrize("snippet", [
    "after.update(project_status=project.status)",
    "if project.status == 'draft': pass",
    "Tender.objects.create(status=Tender.Status.PUBLISHED)",
    "Bid.objects.filter(status='withdrawn')",
])
def test_the_scan_leaves_reads_and_creation_alone(snippet):
    assert not status_writes(snippet)


def test_only_the_states_modules_write_a_status():
    offenders = [
        f"{relative}:{line}: {code}"
        for relative, path in _modules() if not _is_states_module(relative)
        for line, code in status_writes(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "change the status through <app>/states.py:\n" + "\n".join(offenders)


def test_the_states_modules_were_scanned():
    scanned = {str(relative) for relative, _path in _modules() if _is_states_module(relative)}
    assert {"core/states.py", "procurement/states.py", "finance/states.py",
            "evaluation/states.py", "delivery/states.py"} <= scanned


def test_every_status_model_has_a_declaration():
    assert len({flow.model for flow in FLOWS}) == len(FLOWS) == 14


def render_states_doc() -> str:
    """Return docs/states.md as the declarations draw it."""
    parts = [
        "# States",
        "",
        "Generated from the declarations in each app's `states.py` by",
        "`tests/core/test_states.py` (which fails when this page and the code differ; regenerate",
        "with `UPDATE_STATES_DOC=1 .venv/bin/python -m pytest tests/core/test_states.py -p no:xdist`).",
        "",
        "A status changes only through a transition declared here (viewflow's `fsm`, see",
        "`core/states.py`); the services call it (`ServiceProjectStates(project).approve()`), a",
        "transition not declared from the current status raises `TransitionNotAllowed` and changes",
        "nothing. New rows start in the status marked `[*]`; `(unused)` statuses exist in the model",
        "but no transition reaches them.",
    ]
    for flow in FLOWS:
        module = flow.__module__.replace(".", "/") + ".py"
        doc = (flow.__doc__ or "").strip()
        parts += ["", f"## {flow.model.__name__}", "",
                  f"`{module}` `{flow.__name__}`: {doc}", "",
                  "```mermaid", mermaid(flow), "```", "", transition_table(flow)]
    return "\n".join(parts) + "\n"


def test_docs_states_md_is_the_declarations():
    expected = render_states_doc()
    if os.environ.get("UPDATE_STATES_DOC"):
        DOC.write_text(expected, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == expected
