"""Every background job is known to the worker: Huey's consumer only discovers modules named tasks.py,
and ours are jobs.py, so each app registers its own in ready(). A job the consumer does not know is
queued and never run (in tests, Huey's immediate mode calls it directly and hides that)."""

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DECORATORS = {"db_task", "db_periodic_task", "task", "periodic_task"}


def _declared_jobs() -> set[str]:
    names = set()
    for path in sorted((ROOT / "crm").glob("*/jobs.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef):
                for decorator in node.decorator_list:
                    call = decorator.func if isinstance(decorator, ast.Call) else decorator
                    if isinstance(call, ast.Name) and call.id in DECORATORS:
                        names.add(f"{module}.{node.name}")
    return names


def test_the_worker_knows_every_job_an_app_declares():
    script = (
        "import django, json; django.setup(); from huey.contrib.djhuey import HUEY; "
        "print(json.dumps(sorted(HUEY._registry._registry)))"
    )
    env = {"DJANGO_SETTINGS_MODULE": "crm.settings", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    registered = set(json.loads(out.stdout.strip().splitlines()[-1]))
    declared = _declared_jobs()
    assert "crm.imports.jobs.run_import" in declared
    assert declared - registered == set()
