"""Row locks only inside transactions.

``select_for_update`` outside ``transaction.atomic`` raises on PostgreSQL but is silently ignored
on SQLite, and the suite's TestCase wraps every test in a transaction, so a service that forgot
its ``@transaction.atomic`` passes every unit test and fails in production (this happened to
``opinion_submit``). This test reads the source: every public function that locks rows opens
its own transaction, by decorator or by a ``with transaction.atomic()`` around the lock.
"""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
APPS = ("accounts", "core", "delivery", "evaluation", "finance", "procurement", "workflows")


def _is_atomic(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return name == "atomic" or name.startswith("atomic_")  # core.documents.atomic_with_files


def _locks(node: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and n.func.attr == "select_for_update"]


def _unguarded_locks(func: ast.FunctionDef) -> list[int]:
    if any(_is_atomic(d) for d in func.decorator_list):
        return []
    guarded = set()
    for node in ast.walk(func):
        if isinstance(node, ast.With) and any(_is_atomic(item.context_expr) for item in node.items):
            guarded.update(id(call) for stmt in node.body for call in _locks(stmt))
    return [call.lineno for call in _locks(func) if id(call) not in guarded]


def _public_functions():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:
                if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                    yield path.relative_to(ROOT), node
                elif isinstance(node, ast.ClassDef):
                    for item in node.body:
                        if isinstance(item, ast.FunctionDef) and not item.name.startswith("_"):
                            yield path.relative_to(ROOT), item


def test_every_public_function_that_locks_rows_opens_a_transaction():
    offenders = [f"{path}:{line} {func.name}" for path, func in _public_functions()
                 for line in _unguarded_locks(func)]
    assert not offenders, "select_for_update outside transaction.atomic:\n" + "\n".join(offenders)


def test_the_check_sees_a_missing_transaction():
    source = ("from django.db import transaction\n"
              "def ok():\n    with transaction.atomic():\n        M.objects.select_for_update().get()\n"
              "@transaction.atomic\ndef ok2():\n    M.objects.select_for_update().get()\n"
              "def bad():\n    M.objects.select_for_update().get()\n")
    funcs = {f.name: f for f in ast.parse(source).body if isinstance(f, ast.FunctionDef)}
    assert _unguarded_locks(funcs["ok"]) == [] and _unguarded_locks(funcs["ok2"]) == []
    assert _unguarded_locks(funcs["bad"]) == [9]

