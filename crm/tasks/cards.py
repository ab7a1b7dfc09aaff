"""The tasks' section on person and company cards, with the "no next step" flag (R3.3)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from crm.core.business import has_open_business
from crm.core.cards import register_card_section, register_trash_section
from crm.tasks import selectors


def tasks_section(request: HttpRequest, kind: str, record: Any) -> SafeString | None:
    if kind not in ("contact", "company"):
        return None
    open_tasks, finished = selectors.card_tasks(user=request.user, kind=kind, record=record)
    context = {
        "kind": kind,
        "record": record,
        "open_tasks": open_tasks,
        "finished": finished,
        "flag": selectors.needs_next_step(kind, record, open_tasks)
        or (not open_tasks and has_open_business(request, kind, record)),
    }
    return SafeString(render_to_string("tasks/_card_tasks.html", context, request=request))


def trash_section(request: HttpRequest) -> SafeString | None:
    tasks = selectors.trashed_tasks(user=request.user)
    if not tasks:
        return None
    return SafeString(render_to_string("tasks/_trash.html", {"tasks": tasks}, request=request))


def register() -> None:
    register_card_section("tasks", tasks_section, order=5)
    register_trash_section("tasks", trash_section, order=20)
