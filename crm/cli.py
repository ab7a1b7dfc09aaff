"""`crm` command: `crm run` (web server + worker), `crm worker`, `crm setup`, `crm manage …`.

`crm run` is the embedded mode: one machine, SQLite, the Huey consumer started beside gunicorn.
In production run `crm worker` wherever and as many times as needed, and the web server alone with
`crm serve`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


def _manage(*args: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["crm", *args])


def _gunicorn_args() -> list[str]:
    host = os.environ.get("CRM_HOST", "127.0.0.1")
    port = os.environ.get("CRM_PORT", "8000")
    workers = os.environ.get("CRM_WEB_WORKERS", "2")
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "crm.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        workers,
        "--threads",
        os.environ.get("CRM_WEB_THREADS", "4"),
        "--access-logfile",
        "-",
        "--timeout",
        "60",
        "--graceful-timeout",
        "10",
    ]


def _worker_args() -> list[str]:
    return [sys.executable, "-m", "django", "run_huey", "--settings", "crm.settings"]


def run() -> int:
    """Set up, then serve with gunicorn and the background worker until interrupted."""
    _manage("crm_setup")
    host = os.environ.get("CRM_HOST", "127.0.0.1")
    port = os.environ.get("CRM_PORT", "8000")
    print(f"\nThe CRM is at http://{host}:{port}/  (Ctrl+C stops it)\n", flush=True)
    children = [subprocess.Popen(_worker_args()), subprocess.Popen(_gunicorn_args())]

    def stop(*_: object) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        stop()
        for child in children:
            child.wait(timeout=20)
    return max((child.returncode or 0) for child in children)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    command, *rest = sys.argv[1:] or ["help"]
    if command == "run":
        return run()
    if command == "serve":
        return subprocess.call(_gunicorn_args())
    if command == "worker":
        return subprocess.call(_worker_args())
    if command == "setup":
        _manage("crm_setup", *rest)
        return 0
    if command == "manage":
        _manage(*rest)
        return 0
    print(__doc__)
    return 0 if command == "help" else 2


if __name__ == "__main__":
    raise SystemExit(main())
