"""Demo steps other apps add after the cards exist (the timeline, tasks), without the setup command
importing them: each registers a function at start-up; ``crm_setup`` runs them in order."""

from __future__ import annotations

from collections.abc import Callable

_steps: list[tuple[int, str, Callable[[], object]]] = []


def register_demo_step(name: str, step: Callable[[], object], order: int = 100) -> None:
    global _steps
    _steps = sorted([s for s in _steps if s[1] != name] + [(order, name, step)], key=lambda s: s[0])


def run_demo_steps() -> list[str]:
    done = []
    for _order, name, step in _steps:
        step()
        done.append(name)
    return done
