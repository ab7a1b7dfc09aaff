"""`crm run` keeps the product up when one of its processes dies: the worker killed outright is started
again, and the web server answers all the while (R1.5's "nothing lost", issue 13's faults)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

WAIT = 90  # seconds: setting up a fresh base (migrations, static files) on a slow machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> dict[int, str]:
    """The process's direct children and their command lines (Linux /proc)."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                found[int(child)] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except FileNotFoundError:
                continue
    return found


def _worker(pid: int) -> int | None:
    return next((child for child, line in _children(pid).items() if "run_huey" in line), None)


def _until(check, seconds: float):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_killed_worker_is_started_again_and_the_web_server_keeps_answering(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"CRM_DATA_DIR": str(tmp_path), "CRM_PORT": str(port), "CRM_WEB_WORKERS": "1"}
    log = (tmp_path / "run.log").open("w+")
    crm = subprocess.Popen(
        [sys.executable, "-m", "crm.cli", "run", "--no-demo"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    login = f"http://127.0.0.1:{port}/login/"
    try:
        _until(lambda: _answers(login), WAIT)
        first = _until(lambda: _worker(crm.pid), 10)

        os.kill(first, signal.SIGKILL)
        answered = [_answers(login) for _ in range(10)]
        second = _until(lambda: (w := _worker(crm.pid)) and w != first and w, 15)

        assert answered == [True] * 10
        assert second != first
        assert crm.poll() is None
        assert _answers(login)
        log.seek(0)
        assert "the worker stopped (exit code -9)" in log.read()
    finally:
        crm.send_signal(signal.SIGTERM)
        crm.wait(timeout=40)
    assert not Path(f"/proc/{second}").exists()  # stopping `crm run` stops the worker it started again
