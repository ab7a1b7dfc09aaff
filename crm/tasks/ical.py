"""A person's tasks as an iCalendar feed (``../shared/formats/expected.md`` §6, "Producing").

Each task is a VTODO and also a VEVENT (Google Calendar and Outlook subscriptions ignore VTODO); UIDs are
stable, SEQUENCE grows with every change, cancelled tasks stay (STATUS:CANCELLED) until they are past.
``icalendar`` writes CRLF and folds lines at 75 octets without splitting a UTF-8 character.
"""

from __future__ import annotations

import datetime
from typing import Any

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.tasks.models import Priority, Task, TaskStatus

HOST = "crm"
# iCalendar PRIORITY: 1 highest … 9 lowest.
ICAL_PRIORITY = {Priority.URGENT: 1, Priority.HIGH: 3, Priority.NORMAL: 5, Priority.LOW: 9}
EVENT_LENGTH = datetime.timedelta(minutes=15)


def feed(*, user: Any, tasks: list[Task], now: datetime.datetime | None = None) -> bytes:
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    cal = icalendar.Calendar()
    cal.add("prodid", "-//CRM//Tasks Feed 1.0//RU")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _("CRM — tasks (%(name)s)") % {"name": user})
    cal.add("x-wr-timezone", str(tz))
    cal.add("x-published-ttl", datetime.timedelta(minutes=15))
    cal.add("refresh-interval", datetime.timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    for task in tasks:
        if task.status == TaskStatus.CANCELLED and task.due_at < now:
            continue
        cal.add_component(_todo(task, now, tz))
        cal.add_component(_event(task, now, tz))
    return cal.to_ical()


def _common(component: icalendar.cal.Component, task: Task, now: datetime.datetime, uid: str) -> None:
    component.add("uid", f"{uid}@{HOST}")
    component.add("dtstamp", now)
    component.add("created", task.created_at)
    component.add("last-modified", task.updated_at)
    component.add("sequence", task.sequence)
    component.add("summary", task.title)
    link = f"{settings.CRM_BASE_URL.rstrip('/')}{reverse('tasks:task_detail', args=[task.pk])}"
    card = task.contact or task.company
    description = "\n".join(p for p in (task.description, str(card) if card else "", link) if p)
    component.add("description", description)
    component.add("url", link)
    component.add("priority", ICAL_PRIORITY.get(task.priority, 5))


def _todo(task: Task, now: datetime.datetime, tz: Any) -> icalendar.Todo:
    todo = icalendar.Todo()
    _common(todo, task, now, f"task-{task.pk}")
    if task.all_day:
        todo.add("due", timezone.localtime(task.due_at, tz).date())
    else:
        todo.add("due", timezone.localtime(task.due_at, tz))
    status = {
        TaskStatus.OPEN: "NEEDS-ACTION",
        TaskStatus.DONE: "COMPLETED",
        TaskStatus.CANCELLED: "CANCELLED",
    }
    todo.add("status", status[TaskStatus(task.status)])
    if task.status == TaskStatus.DONE and task.completed_at:
        todo.add("completed", task.completed_at)
        todo.add("percent-complete", 100)
    return todo


def _event(task: Task, now: datetime.datetime, tz: Any) -> icalendar.Event:
    event = icalendar.Event()
    _common(event, task, now, f"task-{task.pk}-as-event")
    if task.all_day:
        day = timezone.localtime(task.due_at, tz).date()
        event.add("dtstart", day)
        event.add("dtend", day + datetime.timedelta(days=1))  # DTEND is exclusive: one day
    else:
        start = timezone.localtime(task.due_at, tz)
        event.add("dtstart", start)
        event.add("dtend", start + EVENT_LENGTH)
    event.add("transp", "TRANSPARENT")
    if task.status == TaskStatus.CANCELLED:
        event.add("status", "CANCELLED")
    if task.remind_at and task.status == TaskStatus.OPEN:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", task.title)
        alarm.add("trigger", task.remind_at - task.due_at if not task.all_day else task.remind_at)
        event.add_component(alarm)
    return event
