"""Invariant 1, checked by a machine: only services write domain models.

Walks every module of ``crm`` except services, migrations, tests and test helpers, and fails on a call
that saves, deletes, creates or updates rows: ``x.save()``, ``x.delete()``, and ``create``, ``update``,
``bulk_create``, ``bulk_update``, ``get_or_create``, ``update_or_create`` on a manager or a queryset
(a chain through ``.objects`` or a queryset method). A justified exception goes in ``ALLOWED`` with why.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "crm"
WRITES = {
    "save",
    "delete",
    "create",
    "update",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}
ON_ANY_RECEIVER = {"save", "delete"}  # an instance's own writes
QUERYSET_STEPS = {
    "objects",
    "filter",
    "exclude",
    "all",
    "select_for_update",
    "select_related",
    "only",
    "order_by",
}

# (module, call) pairs that write outside services, each for a reason.
ALLOWED = {
    # The journal's own writer: every service calls it inside its transaction (invariant 1's audit row).
    ("core/audit.py", "entry.save"),
    # Django's storage API deleting a file after the row's transaction committed, not a model.
    ("activities/storage.py", "storage.delete"),
}


def _outside_services(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return not (
        "migrations" in parts
        or "tests" in parts
        or path.name in ("testing.py", "services.py")
        or "services" in parts
    )


def _chain(node: ast.expr) -> list[str]:
    """The names along ``a.b(...).c``: ["a", "b", "c"]."""
    names: list[str] = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            return names[::-1]
        else:
            return names[::-1]


def _writes(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    decorators = {
        id(d) for node in ast.walk(tree) if hasattr(node, "decorator_list") for d in node.decorator_list
    }
    found = []
    for node in ast.walk(tree):
        if (
            not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute))
            or id(node) in decorators
        ):
            continue
        method, receiver = node.func.attr, _chain(node.func.value)
        if method in ON_ANY_RECEIVER or (method in WRITES and QUERYSET_STEPS & set(receiver[1:])):
            found.append((node.lineno, ".".join([*receiver[:2], method])))
    return found


def test_only_services_write_domain_models():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        if not _outside_services(path):
            continue
        module = str(path.relative_to(ROOT))
        for line, call in _writes(path):
            if (module, call) not in ALLOWED:
                offenders.append(f"crm/{module}:{line}: {call}(…) writes outside services")
    assert not offenders, "move these writes into a services module:\n" + "\n".join(offenders)


def test_the_check_sees_a_write_outside_services(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "Task.objects.filter(pk=1).update(reminded_at=None)\n"
        "SearchWord.objects.bulk_create([])\n"
        "task.save()\n"
        "labels.update({})\n"
    )
    assert [line for line, _call in _writes(sample)] == [1, 2, 3]
