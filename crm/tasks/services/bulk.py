"""Changes to many tasks at once, and their undo: the status (done, cancelled, open again), the assignee,
the due date. The bulk actions' worker runs them on a segment of tasks or on tasks chosen in the list.

Set-based like the cards' bulk changes: a few statements per chunk whatever its size. Each task changed
is journaled under the caller's batch with the values a single edit would journal. Only tasks the actor
may change are touched (the others are left out, not refused), and a task already holding the value is
skipped, so a run the worker repeats changes nothing twice. Each function returns the tasks it changed
grouped by what they held before: what the undo puts back, and only where the task still holds what the
change set (``expect``), so an edit made since is never overwritten."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.accounts.models import User
from crm.contacts.services.bulk_changes import Changed, chunks
from crm.core import bulk
from crm.core.audit import ChangeSource, Ref, audit_records, diff
from crm.core.errors import FieldError, ValidationFailed, date_range_error
from crm.core.ids import with_ids
from crm.core.models import AuditAction
from crm.notifications.services import notify
from crm.tasks.dates import end_of_day
from crm.tasks.models import Task, TaskComment, TaskStatus

STATUS, ASSIGNEE, DUE = "status", "assignee", "due"
CHUNK = 5000
READ = (
    *("pk", "title", "status", "completed_at", "completed_by_id", "assignee_id"),
    *("due_at", "all_day", "remind_at", "reminded_at", "sequence"),
)


def tasks_set_clean(*, actor: User, name: str, raw: Any) -> dict[str, Any]:
    """Check what a bulk change of tasks will set, before it is queued: JSON-safe (the action's params).
    The errors name the bulk form's fields."""
    if name == STATUS:
        if raw not in TaskStatus.values:
            raise ValidationFailed(
                [FieldError("task_status", "invalid", _("Choose a status from the list."))]
            )
        return {"value": raw}
    if name == ASSIGNEE:
        text = str(raw or "")
        found = User.objects.filter(pk=int(text), is_active=True).first() if text.isdecimal() else None
        if found is None:
            raise ValidationFailed([FieldError("assignee_id", "invalid", _("Choose an active colleague."))])
        return {"value": found.pk}
    if name == DUE:
        day = raw if isinstance(raw, datetime.date) else _day(raw)
        if day is None:
            raise ValidationFailed([FieldError("due", "invalid", _("Enter the date as 24.11.2026."))])
        if (wrong := date_range_error("due", day)) is not None:
            raise ValidationFailed([wrong])
        return {"value": day.isoformat()}
    raise ValidationFailed([FieldError("verb", "invalid", _("This change does not apply to these cards."))])


def _day(raw: Any) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(raw or "").strip())
    except ValueError:
        return None


def tasks_set(
    *,
    actor: User,
    ids: Sequence[int],
    name: str,
    value: Any,
    source: ChangeSource,
    batch: Any,
    expect: Any = None,
) -> Changed:
    """Set ``name`` to ``value`` on the tasks of ``ids`` the actor may change: a status (kept by
    ``[status, closed at, closed by]`` for ``tasks_status_restore``), an assignee (a user's id), a due day
    (``DUE``: an ISO date; a timed task keeps its time of day, its reminder moves with it). With ``expect``,
    only tasks still holding it are changed.

    A task moved to another day is kept under the day it left: the undo moves the tasks of each such day
    back to it (at the time of day they kept), a few hundred parts for any number of tasks. Kept under
    each task's own moment, an undo of 45,000 tasks was 45,000 runs of its chunk's queries (148 s)."""
    changed = Changed()
    handed: dict[int, int] = {}
    reminders: list[datetime.datetime] = []
    now = timezone.now()
    for chunk in chunks(ids, CHUNK):
        with transaction.atomic():
            rows = _changeable(actor, chunk)
            if name == STATUS:
                _set_status(actor, rows, value, expect, now, changed, source, batch)
            elif name == ASSIGNEE:
                handed[value] = handed.get(value, 0) + _set_assignee(
                    actor, rows, value, expect, now, changed, source, batch
                )
            else:
                reminders += _set_due(actor, rows, value, expect, now, changed, source, batch)
    if name == ASSIGNEE and handed.get(value) and value != actor.pk:
        _notify_handed(actor, value, handed[value])
    if reminders:
        from crm.tasks.jobs import fire_reminders_now

        fire_reminders_now.schedule(eta=min(reminders))
    return changed


def tasks_status_restore(
    *, actor: User, parts: list[tuple[Any, list[int]]], expect: str, source: ChangeSource, batch: Any
) -> int:
    """The undo of a status change: each task of ``parts`` (what ``tasks_set`` returned: ``[status,
    closed at, closed by]`` and the tasks that had it) gets its earlier status back, with the moment and
    the person that closed it, where it still holds ``expect``. Each task's own values in one statement a
    chunk: tasks closed at different moments are as many parts, and a part at a time took 148 s for
    45,000 of them. Returns how many were put back."""
    earlier = {pk: value for value, ids in parts for pk in ids}
    now, restored = timezone.now(), 0
    for chunk in chunks(sorted(earlier), CHUNK):
        with transaction.atomic():
            rows = _changeable(actor, chunk)
            targets = [r for r in rows if r["status"] == expect]
            sequence_of = {r["pk"]: r["sequence"] for r in targets}
            alike: dict[tuple[Any, ...], list[int]] = {}
            for row in targets:
                alike.setdefault(tuple(earlier[row["pk"]]), []).append(row["pk"])
            # One statement for each earlier state (all of them "open" for tasks the change closed); a task
            # closed at its own moment is a state of its own, all of those in one statement run per row.
            updates = []
            for (status, closed_raw, closed_by), pks in alike.items():
                closed_at = datetime.datetime.fromisoformat(closed_raw) if closed_raw else None
                if len(pks) > 1:
                    Task.objects.filter(pk__in=pks).update(
                        status=status,
                        completed_at=closed_at,
                        completed_by_id=closed_by,
                        updated_at=now,
                        sequence=F("sequence") + 1,
                    )
                    continue
                updates.append(
                    SimpleNamespace(
                        pk=pks[0],
                        status=status,
                        completed_at=closed_at,
                        completed_by_id=closed_by,
                        updated_at=now,
                        sequence=sequence_of[pks[0]] + 1,
                    )
                )
            fields = ("status", "completed_at", "completed_by_id", "updated_at", "sequence")
            bulk.update_objects(Task, updates, fields)
            items = [(_ref(r), {"status": [r["status"], earlier[r["pk"]][0]]}) for r in targets]
            _journal(actor, source, batch, items)
            restored += len(targets)
    return restored


def _changeable(actor: User, ids: list[int]) -> list[dict[str, Any]]:
    """The tasks of ``ids`` the actor may change, locked for the chunk's transaction: a second worker on
    the same action waits, then reads what the first one wrote."""
    seen = Task.objects.visible_to(actor).changeable_by(actor)
    return list(with_ids(seen, "id", ids).select_for_update(of=("self",)).values(*READ))


def _journal(actor: User, source: ChangeSource, batch: Any, items: list[tuple[Ref, dict[str, Any]]]) -> None:
    if items:
        audit_records(actor=actor, source=source, action=AuditAction.UPDATE, items=items, batch=batch)


def _ref(row: dict[str, Any]) -> Ref:
    return Ref("tasks.task", row["pk"], row["title"])


def _set_status(
    actor: User,
    rows: list[dict[str, Any]],
    value: Any,
    expect: Any,
    now: datetime.datetime,
    changed: Changed,
    source: ChangeSource,
    batch: Any,
) -> None:
    status = value
    closed_at, closed_by = (now, actor.pk) if status != TaskStatus.OPEN else (None, None)
    targets = [r for r in rows if r["status"] != status and (expect is None or r["status"] == expect)]
    if not targets:
        return
    Task.objects.filter(pk__in=[r["pk"] for r in targets]).update(
        status=status,
        completed_at=closed_at,
        completed_by_id=closed_by,
        updated_at=now,
        sequence=F("sequence") + 1,
    )
    for row in targets:
        closed_before = row["completed_at"].isoformat() if row["completed_at"] else None
        changed.add((row["status"], closed_before, row["completed_by_id"]), row["pk"])
    _journal(actor, source, batch, [(_ref(r), {"status": [r["status"], status]}) for r in targets])


def _set_assignee(
    actor: User,
    rows: list[dict[str, Any]],
    value: int,
    expect: Any,
    now: datetime.datetime,
    changed: Changed,
    source: ChangeSource,
    batch: Any,
) -> int:
    targets = [
        r for r in rows if r["assignee_id"] != value and (expect is None or r["assignee_id"] == expect)
    ]
    if not targets:
        return 0
    assignee = User.objects.get(pk=value)
    Task.objects.filter(pk__in=[r["pk"] for r in targets]).update(
        assignee_id=value,
        department_id=assignee.department_id,
        # A reminder still to come is the new assignee's to get.
        reminded_at=Case(When(remind_at__gt=now, then=Value(None)), default=F("reminded_at")),
        updated_at=now,
        sequence=F("sequence") + 1,
    )
    names = {u.pk: str(u) for u in User.objects.filter(pk__in={r["assignee_id"] for r in targets})}
    # The task's page tells the hand-over as a single one does: a comment the next person reads.
    TaskComment.objects.bulk_create(
        [
            TaskComment(
                task_id=r["pk"],
                author=actor,
                text=str(
                    _("Handed over from %(from)s to %(to)s.")
                    % {"from": names[r["assignee_id"]], "to": assignee}
                ),
                created_at=now,
            )
            for r in targets
        ],
        batch_size=1000,
    )
    for row in targets:
        changed.add(row["assignee_id"], row["pk"])
    items = [(_ref(r), {"assignee": [names[r["assignee_id"]], str(assignee)]}) for r in targets]
    _journal(actor, source, batch, items)
    return len(targets)


def _set_due(
    actor: User,
    rows: list[dict[str, Any]],
    value: str,
    expect: Any,
    now: datetime.datetime,
    changed: Changed,
    source: ChangeSource,
    batch: Any,
) -> list[datetime.datetime]:
    tz = timezone.get_current_timezone()
    expected = datetime.date.fromisoformat(expect) if expect else None
    updates, items, reminders = [], [], []
    for row in rows:
        old = row["due_at"]
        if expected is not None and timezone.localtime(old, tz).date() != expected:
            continue  # moved again since: that date wins
        new = _moved(old, row["all_day"], value, tz)
        if new == old:
            continue
        remind = row["remind_at"] + (new - old) if row["remind_at"] else None
        reminded = None if remind and remind > now else row["reminded_at"]
        updates.append(
            SimpleNamespace(
                pk=row["pk"],
                due_at=new,
                remind_at=remind,
                reminded_at=reminded,
                updated_at=now,
                sequence=row["sequence"] + 1,
            )
        )
        changed.add(timezone.localtime(old, tz).date().isoformat(), row["pk"])
        changes = diff({"due_at": old, "remind_at": row["remind_at"]}, {"due_at": new, "remind_at": remind})
        items.append((_ref(row), changes))
        if remind and remind > now:
            reminders.append(remind)
    bulk.update_objects(Task, updates, ("due_at", "remind_at", "reminded_at", "updated_at", "sequence"))
    _journal(actor, source, batch, items)
    return reminders


def _moved(old: datetime.datetime, all_day: bool, value: str, tz: datetime.tzinfo) -> datetime.datetime:
    """The task's due moment on the day ``value``: by its end for an all-day task, at the same time of day
    for a timed one."""
    day = datetime.date.fromisoformat(value)
    if all_day:
        return end_of_day(day, tz)
    local = timezone.localtime(old, tz)
    return timezone.make_aware(datetime.datetime.combine(day, local.time().replace(tzinfo=None)), tz)


def _notify_handed(actor: User, user_id: int, count: int) -> None:
    """One notice for the colleague who got the tasks, however many they are."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    body = ngettext("%(who)s handed you %(n)d task.", "%(who)s handed you %(n)d tasks.", count) % {
        "who": actor,
        "n": count,
    }
    with transaction.atomic():
        notify(user=user, kind="tasks_assigned", title=body, body="", url=reverse("tasks:my_day"))
