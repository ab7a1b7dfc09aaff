"""`crm` command: `crm run [--no-demo]` (web server + worker), `crm worker`, `crm setup`, `crm manage …`,
`crm import FILE [--dry-run] [--on-duplicate skip|fill|overwrite|attach] [--owner LOGIN] [--template NAME]`,
`crm export [--kind contact|company] [--format xlsx|csv|csv1251|vcf] [--filter QUERY] [-o FILE] [--as LOGIN]`.

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


# A child that dies is started again after a pause that doubles while it keeps dying (1 s … 30 s) and
# starts over once it has stayed up for a minute.
FIRST_PAUSE, LONGEST_PAUSE, STABLE_AFTER = 1.0, 30.0, 60.0


class _Child:
    """One supervised process of ``crm run``: the web server or the worker."""

    def __init__(self, name: str, args: list[str]) -> None:
        self.name, self.args = name, args
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.pause = FIRST_PAUSE
        self.restart_at: float | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.args)
        self.started, self.restart_at = time.monotonic(), None

    def watch(self, now: float) -> None:
        """Start the child again once its pause is over; note its death if it has just died."""
        if self.restart_at is not None:
            if now >= self.restart_at:
                _log(f"starting the {self.name} again")
                self.start()
            return
        assert self.process is not None
        code = self.process.poll()
        if code is None:
            return
        if now - self.started >= STABLE_AFTER:
            self.pause = FIRST_PAUSE
        _log(f"the {self.name} stopped (exit code {code}); starting it again in {self.pause:.0f} s")
        self.restart_at = now + self.pause
        self.pause = min(self.pause * 2, LONGEST_PAUSE)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait(self) -> int:
        if self.process is None:
            return 0
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def _log(message: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} crm run: {message}", file=sys.stderr, flush=True)


def run(*setup_args: str) -> int:
    """Set up (``crm run --no-demo``: without demo data), then serve with gunicorn and the background
    worker until interrupted. A child that dies is started again (with a back-off), so the web server
    never goes down with the worker, nor the other way round."""
    _manage("crm_setup", *setup_args)
    host = os.environ.get("CRM_HOST", "127.0.0.1")
    port = os.environ.get("CRM_PORT", "8000")
    print(f"\nThe CRM is at http://{host}:{port}/  (Ctrl+C stops it)\n", flush=True)
    children = [_Child("worker", _worker_args()), _Child("web server", _gunicorn_args())]
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            child.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.start()
    try:
        while not stopping:
            time.sleep(0.5)
            for child in children:
                if not stopping:
                    child.watch(time.monotonic())
    finally:
        stop()
    return max(child.wait() or 0 for child in children)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    command, *rest = sys.argv[1:] or ["help"]
    if command == "run":
        return run(*rest)
    if command == "serve":
        return subprocess.call(_gunicorn_args())
    if command == "worker":
        return subprocess.call(_worker_args())
    if command == "setup":
        _manage("crm_setup", *rest)
        return 0
    if command == "import":
        _manage("crm_import", *rest)
        return 0
    if command == "export":
        _manage("crm_export", *rest)
        return 0
    if command == "manage":
        _manage(*rest)
        return 0
    print(__doc__)
    return 0 if command == "help" else 2


if __name__ == "__main__":
    raise SystemExit(main())
