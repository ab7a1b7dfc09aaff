"""The task form's values as service inputs: a date and an optional time in the user's time zone."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core.errors import FieldError, ValidationFailed
from crm.core.ids import form_id
from crm.tasks.dates import end_of_day
from crm.tasks.models import Priority, Task
from crm.tasks.services import Remind, TaskInput, remind_choice


def task_input(post: QueryDict) -> TaskInput:
    """The form's values. A date that cannot be read leaves ``due_at`` empty, so the service reports every
    problem at once; ``with_parse_errors`` then puts the reading's own message at the field."""
    errors: list[FieldError] = []
    due_at, all_day = due_from(post.get("due_date", ""), post.get("due_time", ""), "due_at", errors)
    data = TaskInput(
        title=post.get("title", ""),
        description=post.get("description", ""),
        category_id=form_id(post.get("category_id")),
        due_at=due_at,
        all_day=all_day,
        remind=post.get("remind", Remind.AT_DUE),
        priority=form_id(post.get("priority")) or Priority.NORMAL,
        assignee_id=form_id(post.get("assignee_id")),
        contact_id=form_id(post.get("contact_id")),
        company_id=form_id(post.get("company_id")),
    )
    data.parse_errors = errors  # type: ignore[attr-defined]
    return data


def with_parse_errors(data: TaskInput, exc: ValidationFailed) -> dict[str, list[str]]:
    found = exc.by_field()
    for error in getattr(data, "parse_errors", []):
        found[error.field] = [str(error.message)]
    return found


def due_from(
    date_text: str, time_text: str, name: str, errors: list[FieldError]
) -> tuple[datetime.datetime | None, bool]:
    """ "2026-11-24" + "15:00" → that moment; a date alone → the end of that day (an all-day task)."""
    date_text, time_text = (date_text or "").strip(), (time_text or "").strip()
    if not date_text:
        return None, False
    day = None
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            day = datetime.datetime.strptime(date_text, pattern).date()  # noqa: DTZ007 (a date only)
            break
        except ValueError:
            continue
    if day is None:
        errors.append(FieldError(name, "invalid", _("Enter the date as 24.11.2026.")))
        return None, False
    tz = timezone.get_current_timezone()
    if not time_text:
        return end_of_day(day, tz), True
    try:
        moment = datetime.datetime.strptime(time_text, "%H:%M").time()  # noqa: DTZ007 (a time only)
    except ValueError:
        errors.append(FieldError(name, "invalid", _("Enter the time as 15:30.")))
        return None, False
    return datetime.datetime.combine(day, moment, tzinfo=tz), False


def initial(task: Task | None, **defaults: Any) -> dict[str, Any]:
    """The form's values for a new task (defaults) or an existing one."""
    if task is None:
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        return {
            "due_date": tomorrow.isoformat(),
            "due_time": "10:00",
            "remind": Remind.AT_DUE,
            "priority": str(Priority.NORMAL),
        } | defaults
    due = timezone.localtime(task.due_at)
    return {
        "title": task.title,
        "description": task.description,
        "category_id": str(task.category_id or ""),
        "due_date": due.date().isoformat(),
        "due_time": "" if task.all_day else due.strftime("%H:%M"),
        "remind": remind_choice(task),
        "priority": str(task.priority),
        "assignee_id": str(task.assignee_id),
    }
