"""Time-driven work on tasks: reminders (R3.4), the morning digest (R3.2), the weekly slip report (R3.5).

Run by the worker every minute (``jobs.py``); each function is safe to run twice or on two workers at
once: a reminder is marked in the transaction that creates its notification, a digest by the day it was
sent for. This module reads and decides; the marks and claims are written by the services.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.accounts.models import Scope, User
from crm.core.normalize import EARLIEST_MOMENT
from crm.notifications.models import Preferences
from crm.notifications.services import digest_claim, notify, preferences_of, slip_report_claim
from crm.tasks import selectors
from crm.tasks.models import Task
from crm.tasks.services import tasks_reminded

log = logging.getLogger(__name__)

# A reminder processed more than this after its time says it is late.
LATE_AFTER = datetime.timedelta(minutes=2)
BATCH = 500


def dispatch_due_reminders(*, now: datetime.datetime | None = None) -> int:
    """Notify the assignees of tasks whose reminder time has come, each once. The lookup is a range of
    the partial index ``task_reminder_due_idx``; late ones (the worker was down) go out marked late.

    One bad task never stops the others: a reminder that fails is logged with its task and counted as
    done (it would fail again on every run), and a reminder time before ``EARLIEST_MOMENT`` (stored before
    dates had a range, or written around the services) is never read, since reading it back can fail."""
    now = now or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            qs = due_reminders(now)
            if connection.features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True, of=("self",))
            batch = list(qs.select_related("assignee", "contact", "company")[:BATCH])
            for task in batch:
                try:
                    with transaction.atomic():  # a failure undoes this reminder's writes only
                        _remind(task, now)
                except Exception:
                    log.exception("reminder of task %s failed; skipped", task.pk)
            tasks_reminded(task_ids=[t.pk for t in batch], at=now)
            sent += len(batch)
        if len(batch) < BATCH:
            return sent


def due_reminders(now: datetime.datetime) -> QuerySet[Task]:
    """Open, live tasks whose reminder time has come and has not been sent, oldest first."""
    return Task.objects.filter(
        remind_at__gte=EARLIEST_MOMENT,
        remind_at__lte=now,
        reminded_at__isnull=True,
        completed_at__isnull=True,
        deleted_at__isnull=True,  # open and live: completed_at is set when a task is closed
    ).order_by("remind_at", "id")


def _remind(task: Task, now: datetime.datetime) -> None:
    late = now - (task.remind_at or now) > LATE_AFTER
    with translation.override(task.assignee.language or settings.LANGUAGE_CODE):
        notify(
            user=task.assignee,
            kind="reminder",
            title=task.title,
            body=_reminder_body(task),
            url=reverse("tasks:task_detail", args=[task.pk]),
            task=task,
            late=late,
        )


def _reminder_body(task: Task) -> str:
    due = timezone.localtime(task.due_at)
    when = due.strftime("%d.%m.%Y") if task.all_day else due.strftime("%d.%m.%Y %H:%M")
    parts = [_("Due %(when)s.") % {"when": when}]
    card = task.contact or task.company
    if card is not None:
        parts.append(str(card))
    return " ".join(parts)


def send_digests(*, now: datetime.datetime | None = None) -> int:
    """The morning digest: at the time each person chose, in their time zone, today's and overdue tasks."""
    now = now or timezone.now()
    sent = 0
    for prefs in Preferences.objects.filter(digest_time__isnull=False, user__is_active=True).select_related(
        "user"
    ):
        user = prefs.user
        tz = selectors.zone_of(user)
        local = now.astimezone(tz)
        assert prefs.digest_time is not None
        if local.time() < prefs.digest_time or prefs.last_digest_on == local.date():
            continue
        with transaction.atomic():
            if not digest_claim(prefs=prefs, day=local.date()):
                continue
            day = selectors.day_of(user=user, now=now, tz=tz)
            if not (day.today or day.overdue):
                continue
            with translation.override(user.language or settings.LANGUAGE_CODE):
                notify(
                    user=user,
                    kind="digest",
                    title=_("Your day: %(today)d today, %(overdue)d overdue")
                    % {"today": len(day.today), "overdue": len(day.overdue)},
                    body=_digest_text(day, tz),
                    url=reverse("tasks:my_day"),
                )
            sent += 1
    return sent


def _digest_text(day: selectors.Day, tz: datetime.tzinfo) -> str:
    lines = []
    for heading, tasks in ((_("Overdue"), day.overdue), (_("Today"), day.today)):
        if not tasks:
            continue
        lines.append(f"{heading}:")
        for task in tasks:
            due = task.due_at.astimezone(tz)
            when = due.strftime("%d.%m") if task.all_day else due.strftime("%d.%m %H:%M")
            card = task.contact or task.company
            lines.append(f"• {when} {task.title}" + (f" ({card})" if card else ""))
    return "\n".join(lines)


REPORT_HOUR = 8  # Monday, in the head's own time zone


def send_slip_reports(*, now: datetime.datetime | None = None) -> int:
    """Monday from 08:00 in each head's zone, once a week: which task categories and which people let tasks
    go overdue in the week just ended, against the week before."""
    now = now or timezone.now()
    sent = 0
    heads = User.objects.filter(is_active=True, role__scope__in=[Scope.DEPARTMENT, Scope.ALL]).select_related(
        "role"
    )
    for head in heads:
        zone = selectors.zone_of(head)
        local = now.astimezone(zone)
        if local.weekday() != 0 or local.hour < REPORT_HOUR:
            continue
        monday = local.date()
        prefs = preferences_of(head)
        with transaction.atomic():
            if not slip_report_claim(prefs=prefs, week=monday):
                continue
            week_end = datetime.datetime.combine(monday, datetime.time.min, tzinfo=zone) - datetime.timedelta(
                seconds=1
            )
            with timezone.override(zone):
                report = selectors.slip_report(user=head, now=week_end)
            if not (report.this_week_total or report.last_week_total):
                continue
            with translation.override(head.language or settings.LANGUAGE_CODE):
                lines = [
                    _("Overdue last week: %(now)d (the week before: %(before)d).")
                    % {"now": report.this_week_total, "before": report.last_week_total}
                ]
                for row in report.by_category[:10]:
                    lines.append(f"• {row.label}: {row.this_week} ({row.last_week})")
                lines.append("")
                for row in report.by_person[:10]:
                    lines.append(f"• {row.label}: {row.this_week} ({row.last_week})")
                notify(
                    user=head,
                    kind="slip_report",
                    title=_("Weekly report: tasks that slipped"),
                    body="\n".join(lines),
                    url=reverse("tasks:slip_report"),
                )
            sent += 1
    return sent
