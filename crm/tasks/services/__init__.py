"""Every write of tasks: create, change, hand over, comment, complete, reopen, cancel, trash, restore;
a task for each of many cards (a bulk action) and its undo.

Each checks the actor's right over the task and the card it is on, validates, journals, and notifies the
assignee when someone else gives them a task, in one transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.accounts.models import User
from crm.contacts.services.common import visible_cards
from crm.core.audit import ChangeSource, Ref, audit_record, diff
from crm.core.errors import (
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    date_range_error,
    holds_nul,
    too_long,
    unstorable,
)
from crm.core.models import AuditAction
from crm.fields.schema import schema_for
from crm.notifications.services import notify
from crm.tasks.dates import end_of_day
from crm.tasks.models import CATEGORY_LIST, Priority, Task, TaskComment, TaskStatus
from crm.tasks.visibility import may_change


class Remind:
    """When the reminder fires, relative to the due moment."""

    NONE = "none"
    AT_DUE = "0"
    BEFORE_15M = "15"
    BEFORE_1H = "60"
    BEFORE_1D = "1440"
    CHOICES = (
        (NONE, _("No reminder")),
        (AT_DUE, _("At the due time")),
        (BEFORE_15M, _("15 minutes before")),
        (BEFORE_1H, _("An hour before")),
        (BEFORE_1D, _("A day before")),
    )


# An all-day task reminds at this local time of its day.
ALL_DAY_REMINDER = datetime.time(9, 0)


@dataclass
class TaskInput:
    title: str = ""
    description: str = ""
    category_id: int | None = None
    due_at: datetime.datetime | None = None
    all_day: bool = False
    remind: str = Remind.AT_DUE
    priority: int = Priority.NORMAL
    assignee_id: int | None = None  # default: the actor
    contact_id: int | None = None
    company_id: int | None = None
    entry_id: int | None = None


JOURNALED = (
    "title",
    "description",
    "category",
    "due_at",
    "all_day",
    "remind_at",
    "priority",
    "assignee",
    "status",
    "contact",
    "company",
)


def task_create(*, actor: User, data: TaskInput, source: ChangeSource) -> Task:
    with transaction.atomic():
        contact, company = visible_cards(actor, data.contact_id, data.company_id)
        clean = _clean(actor, data)
        task = Task(
            **clean,
            author=actor if getattr(actor, "pk", None) else None,
            contact=contact,
            company=company,
            entry_id=data.entry_id,
        )
        task.department_id = task.assignee.department_id
        task.save()
        audit_record(
            actor=actor, source=source, action=AuditAction.CREATE, obj=task, changes=diff({}, _values(task))
        )
        if task.assignee_id != getattr(actor, "pk", None):
            _notify_assigned(task, actor, "")
        _schedule_reminder(task)
    return task


def tasks_reminded(*, task_ids: list[int], at: datetime.datetime) -> None:
    """Mark reminders sent, in the transaction that created their notifications: each fires once."""
    Task.objects.filter(pk__in=task_ids).update(reminded_at=at)


def _schedule_reminder(task: Task) -> None:
    """Ask the worker to sweep at the reminder's exact second (the every-minute sweep is the safety net:
    the sweep sends each reminder once, whichever run finds it first)."""
    remind_at = task.remind_at
    if remind_at is None or remind_at <= timezone.now() or task.reminded_at is not None:
        return

    def schedule() -> None:
        from crm.tasks.jobs import fire_reminders_now

        fire_reminders_now.schedule(eta=remind_at)

    transaction.on_commit(schedule)


def task_update(*, actor: User, task_id: int, data: TaskInput, source: ChangeSource) -> Task:
    """Change a task's content and dates (the assignee changes through ``task_assign``)."""
    with transaction.atomic():
        task = _locked(actor, task_id)
        _ensure_may_change(actor, task)
        before = _values(task)
        old_reminder = task.remind_at
        data.assignee_id = task.assignee_id
        clean = _clean(actor, data, current=task)
        for key, value in clean.items():
            setattr(task, key, value)
        if task.remind_at != old_reminder:
            task.reminded_at = None  # a new reminder time fires again
        _touch(task)
        changes = diff(before, _values(task))
        task.save()
        if changes:
            audit_record(actor=actor, source=source, action=AuditAction.UPDATE, obj=task, changes=changes)
        if task.remind_at != old_reminder:
            _schedule_reminder(task)
    return task


def task_assign(*, actor: User, task_id: int, assignee_id: int, comment: str, source: ChangeSource) -> Task:
    """Hand a task to a colleague: its comments and journal go with it; they are notified with the why."""
    with transaction.atomic():
        task = _locked(actor, task_id)
        _ensure_may_change(actor, task)
        assignee = User.objects.filter(pk=assignee_id, is_active=True).first()
        if assignee is None:
            raise ValidationFailed([FieldError("assignee_id", "invalid", _("Choose an active colleague."))])
        if assignee.pk == task.assignee_id:
            return task
        previous = task.assignee
        task.assignee = assignee
        task.department_id = assignee.department_id
        task.reminded_at = None if task.remind_at and task.remind_at > timezone.now() else task.reminded_at
        _touch(task)
        task.save()
        text = (comment or "").strip()
        TaskComment.objects.create(
            task=task,
            author=actor,
            text=str(_("Handed over from %(from)s to %(to)s.") % {"from": previous, "to": assignee})
            + (f"\n{text}" if text else ""),
        )
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.UPDATE,
            obj=task,
            changes={"assignee": [str(previous), str(assignee)]}
            | ({"comment": [None, text]} if text else {}),
        )
        if assignee.pk != actor.pk:
            _notify_assigned(task, actor, text)
    return task


def task_comment(*, actor: User, task_id: int, text: str, source: ChangeSource) -> TaskComment:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed([FieldError("text", "required", _("Write the comment first."))])
    with transaction.atomic():
        task = _locked(actor, task_id)
        comment = TaskComment.objects.create(task=task, author=actor, text=text)
        audit_record(
            actor=actor, source=source, action=AuditAction.UPDATE, obj=task, changes={"comment": [None, text]}
        )
        others = {u for u in (task.assignee, task.author) if u is not None and u.pk != actor.pk}
        for user in others:
            notify(
                user=user,
                kind="task_comment",
                title=str(_("Comment on «%(task)s»") % {"task": task.title}),
                body=f"{actor}: {text}",
                url=reverse("tasks:task_detail", args=[task.pk]),
                task=task,
            )
    return comment


def task_complete(*, actor: User, task_id: int, source: ChangeSource) -> Task:
    return _set_status(actor, task_id, TaskStatus.DONE, source)


def task_reopen(*, actor: User, task_id: int, source: ChangeSource) -> Task:
    return _set_status(actor, task_id, TaskStatus.OPEN, source)


def task_cancel(*, actor: User, task_id: int, source: ChangeSource) -> Task:
    return _set_status(actor, task_id, TaskStatus.CANCELLED, source)


def task_delete(*, actor: User, task_id: int, source: ChangeSource) -> Task:
    with transaction.atomic():
        task = _locked(actor, task_id)
        _ensure_may_change(actor, task)
        task.deleted_at = timezone.now()
        task.deleted_by = actor
        _touch(task)
        task.save()
        audit_record(actor=actor, source=source, action=AuditAction.DELETE, obj=task)
    return task


def task_restore(*, actor: User, task_id: int, source: ChangeSource) -> Task:
    with transaction.atomic():
        task = _locked(actor, task_id, trash=True)
        _ensure_may_change(actor, task)
        task.deleted_at = None
        task.deleted_by = None
        _touch(task)
        task.save()
        audit_record(actor=actor, source=source, action=AuditAction.RESTORE, obj=task)
    return task


# Helpers


def _locked(actor: User, task_id: int, *, trash: bool = False) -> Task:
    """The task for a write, locked, if the actor sees it (the lists' rule filtered by its id).

    Only the task's own row is read and locked: joined to its assignee, a write that waited for a
    hand-over's lock found nothing on PostgreSQL (the new row checked again against the old assignee's
    row: a 404 for a task that is there), and the join locked the assignee's user row as well."""
    task = Task.objects.select_for_update().visible_to(actor, trash=trash).filter(pk=task_id).first()
    if task is None:
        raise NotFound
    return task


def _ensure_may_change(actor: User, task: Task) -> None:
    if not may_change(actor, task):
        raise PermissionDenied("change task")


def _set_status(actor: User, task_id: int, status: str, source: ChangeSource) -> Task:
    with transaction.atomic():
        task = _locked(actor, task_id)
        _ensure_may_change(actor, task)
        if task.status == status:
            return task
        before = task.status
        task.status = status
        closed = status != TaskStatus.OPEN
        task.completed_at = timezone.now() if closed else None
        task.completed_by = actor if closed else None
        _touch(task)
        task.save()
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.UPDATE,
            obj=task,
            changes={"status": [before, status]},
        )
    return task


def _touch(task: Task) -> None:
    task.updated_at = timezone.now()
    task.sequence += 1


def _clean(actor: User, data: TaskInput, current: Task | None = None) -> dict[str, Any]:
    errors: list[FieldError] = []
    errors += [unstorable(name) for name in ("title", "description") if holds_nul(getattr(data, name))]
    title = " ".join((data.title or "").split())
    if not title:
        errors.append(FieldError("title", "required", _("Say what is to be done.")))
    elif len(title) > 255:
        errors.append(too_long("title", 255))
    due = data.due_at
    if due is None:
        errors.append(FieldError("due_at", "required", _("Give the task a date.")))
    elif (wrong := date_range_error("due_at", due)) is not None:
        errors.append(wrong)
        due = None
    else:
        if timezone.is_naive(due):
            due = timezone.make_aware(due)
        if data.all_day:  # due by the end of its day, wherever in the day the caller put it
            due = end_of_day(timezone.localtime(due).date(), timezone.get_current_timezone())
    if data.priority not in Priority.values:
        errors.append(FieldError("priority", "invalid", _("Choose a priority from the list.")))
    remind = str(data.remind)
    if remind not in dict(Remind.CHOICES):
        errors.append(FieldError("remind", "invalid", _("Choose when to remind.")))
    assignee = actor
    if data.assignee_id is not None and data.assignee_id != getattr(actor, "pk", None):
        found = User.objects.filter(pk=data.assignee_id, is_active=True).first()
        if found is None:
            errors.append(FieldError("assignee_id", "invalid", _("Choose an active colleague.")))
        else:
            assignee = found
    category = None
    if data.category_id not in (None, ""):
        keep = current.category_id if current else None
        option = schema_for("contact").offered_option(CATEGORY_LIST, data.category_id, keep=keep)
        if option is None:
            errors.append(FieldError("category_id", "invalid", _("Choose a category from the list.")))
        else:
            category = option.pk
    if errors:
        raise ValidationFailed(errors)
    assert due is not None
    return {
        "title": title,
        "description": (data.description or "").strip(),
        "category_id": category,
        "due_at": due,
        "all_day": bool(data.all_day),
        "remind_at": reminder_time(due, bool(data.all_day), remind),
        "priority": data.priority,
        "assignee": assignee,
    }


def reminder_time(due: datetime.datetime, all_day: bool, remind: str) -> datetime.datetime | None:
    if remind == Remind.NONE:
        return None
    if all_day:
        local = timezone.localtime(due).date()
        morning = datetime.datetime.combine(local, ALL_DAY_REMINDER, tzinfo=timezone.get_current_timezone())
        return morning - datetime.timedelta(days=1 if remind == Remind.BEFORE_1D else 0)
    return due - datetime.timedelta(minutes=int(remind))


def remind_choice(task: Task) -> str:
    """The form's reminder choice that gives the task's stored reminder time."""
    if task.remind_at is None:
        return Remind.NONE
    for value, _label in Remind.CHOICES:
        if value != Remind.NONE and reminder_time(task.due_at, task.all_day, value) == task.remind_at:
            return value
    return Remind.AT_DUE


def _values(task: Task) -> dict[str, Any]:
    schema = schema_for("contact")
    option = schema.option(task.category_id)
    return {
        "title": task.title,
        "description": task.description,
        "category": option.label if option else None,
        "due_at": task.due_at,
        "all_day": task.all_day,
        "remind_at": task.remind_at,
        "priority": task.priority,
        "assignee": str(task.assignee) if task.assignee_id else None,
        "status": task.status,
        "contact": str(task.contact) if task.contact_id else None,
        "company": str(task.company) if task.company_id else None,
    }


def _notify_assigned(task: Task, actor: User, comment: str) -> None:
    due = timezone.localtime(task.due_at)
    when = due.strftime("%d.%m.%Y") if task.all_day else due.strftime("%d.%m.%Y %H:%M")
    body = str(_("%(who)s gave you a task due %(when)s.") % {"who": actor, "when": when})
    notify(
        user=task.assignee,
        kind="task_assigned",
        title=task.title,
        body=body + (f"\n{comment}" if comment else ""),
        url=reverse("tasks:task_detail", args=[task.pk]),
        task=task,
    )


def tasks_move(*, from_contact_id: int, to_contact_id: int, task_ids: list[int] | None = None) -> list[int]:
    """A person's tasks go to another card (a merge, or its undo: ``task_ids`` names those to take back).
    The caller checks the rights and journals the merge."""
    tasks = Task.objects.filter(contact_id=from_contact_id)
    if task_ids is not None:
        tasks = tasks.filter(pk__in=task_ids)
    moved = list(tasks.values_list("pk", flat=True))
    Task.objects.filter(pk__in=moved).update(contact_id=to_contact_id)
    return moved


# -- a task for each of many cards (a segment's bulk action) ----------------------------------------------

BULK_CHUNK = 5000


@dataclass
class TasksForCards:
    """One task to make on each card: given to a fixed colleague, or to each card's manager."""

    title: str = ""
    due: datetime.date | None = None
    priority: int = Priority.NORMAL
    description: str = ""
    assignee_id: int | None = None  # None: the card's manager (the actor for a card without an active one)


def tasks_for_cards_clean(*, actor: User, data: TasksForCards) -> dict[str, Any]:
    """Check what a "task for each" will make, before it is queued; returns it JSON-safe (the bulk
    action's params). The due date is a whole day, so reminders come at its morning."""
    errors: list[FieldError] = []
    due = None
    if data.due is not None:
        due = timezone.make_aware(datetime.datetime.combine(data.due, datetime.time(12)))
    try:
        clean = _clean(
            actor,
            TaskInput(
                title=data.title,
                description=data.description,
                due_at=due,
                all_day=True,
                priority=data.priority,
                assignee_id=data.assignee_id,
            ),
        )
    except ValidationFailed as exc:  # named as the bulk form names them
        errors = [
            FieldError("due" if e.field == "due_at" else e.field, e.code, e.message) for e in exc.errors
        ]
    if errors:
        raise ValidationFailed(errors)
    assert data.due is not None
    return {
        "title": clean["title"],
        "description": clean["description"],
        "due": data.due.isoformat(),
        "priority": clean["priority"],
        "assignee_id": clean["assignee"].pk if data.assignee_id is not None else None,
    }


def tasks_for_cards(
    *, actor: User, kind: str, ids: list[int], params: dict[str, Any], source: ChangeSource, batch: Any
) -> list[int]:
    """Make the task ``params`` (``tasks_for_cards_clean``'s) on each card of ``ids`` the actor sees and
    that has none from this ``batch`` yet (a re-run skips them), in a few statements per chunk; each task
    journaled under ``batch``. Its assignees hear of their new tasks once each, not once per task.
    Returns the cards that got one."""
    from crm.contacts.models import Company, Contact
    from crm.contacts.services.bulk_changes import NAMES, card_ref, chunks
    from crm.core import bulk
    from crm.core.audit import audit_records
    from crm.core.ids import with_ids

    model: Any = Contact if kind == "contact" else Company
    due = end_of_day(datetime.date.fromisoformat(params["due"]), timezone.get_current_timezone())
    remind_at = reminder_time(due, True, Remind.AT_DUE)
    fixed = User.objects.filter(pk=params["assignee_id"]).first() if params["assignee_id"] else None
    made: list[int] = []
    given: dict[int, int] = {}
    columns = [str(f.column) for f in Task._meta.concrete_fields]
    row_defaults = {str(f.column): f.get_default() for f in Task._meta.concrete_fields}
    for chunk in chunks(ids, BULK_CHUNK):
        with transaction.atomic():
            cards = with_ids(model.objects.visible_to(actor), "id", chunk).values(
                "pk", "owner_id", "owner__is_active", "owner__department_id", *NAMES[kind]
            )
            done = set(
                Task.objects.filter(batch=batch, **{f"{kind}_id__in": chunk}).values_list(
                    f"{kind}_id", flat=True
                )
            )
            given_to: list[tuple[int, int | None]] = []
            refs: list[Ref] = []
            for card in cards:
                if card["pk"] in done:
                    continue
                if fixed is not None:
                    given_to.append((fixed.pk, fixed.department_id))
                elif card["owner_id"] and card["owner__is_active"]:
                    given_to.append((card["owner_id"], card["owner__department_id"]))
                else:
                    given_to.append((actor.pk, actor.department_id))
                refs.append(card_ref(kind, card))
            # Plain rows in one insert for the chunk: a model instance per task and Django's bulk_create
            # (statements of 49 rows on SQLite) took three quarters of the time.
            pks = bulk.allocate_ids(Task, len(refs))
            now = timezone.now()
            shared = row_defaults | {
                "title": params["title"],
                "description": params["description"],
                "due_at": due,
                "all_day": True,
                "remind_at": remind_at,
                "priority": params["priority"],
                "author_id": actor.pk,
                "batch": batch,
                "created_at": now,
                "updated_at": now,
            }
            rows = [
                shared | {"id": pk, "assignee_id": who, "department_id": dept, f"{kind}_id": ref.pk}
                for pk, (who, dept), ref in zip(pks, given_to, refs, strict=True)
            ]
            bulk.insert_rows(Task, columns, [[row[c] for c in columns] for row in rows])
            names = _user_names({who for who, _dept in given_to})
            common = diff({}, {"title": params["title"], "description": params["description"], "due_at": due})
            common |= diff({}, {"all_day": True, "remind_at": remind_at, "priority": params["priority"]})
            common["status"] = [None, TaskStatus.OPEN]
            audit_records(
                actor=actor,
                source=source,
                action=AuditAction.CREATE,
                items=[
                    (
                        Ref("tasks.task", pk, params["title"]),
                        common | {"assignee": [None, names.get(who)], kind: [None, ref.label]},
                    )
                    for pk, (who, _dept), ref in zip(pks, given_to, refs, strict=True)
                ],
                batch=batch,
            )
        made += [ref.pk for ref in refs]
        for who, _dept in given_to:
            given[who] = given.get(who, 0) + 1
    if made:
        _notify_given(actor, params, due, given)
        if remind_at is not None and remind_at > timezone.now():
            from crm.tasks.jobs import fire_reminders_now

            fire_reminders_now.schedule(eta=remind_at)
    return made


def _user_names(ids: set[int]) -> dict[int, str]:
    return {u.pk: str(u) for u in User.objects.filter(pk__in=ids)}


def _notify_given(actor: User, params: dict[str, Any], due: datetime.datetime, given: dict[int, int]) -> None:
    """One notice per colleague who got tasks from someone else, however many cards it covers."""
    when = timezone.localtime(due).strftime("%d.%m.%Y")
    for user in User.objects.filter(pk__in=[pk for pk in given if pk != actor.pk]):
        body = ngettext(
            "%(who)s gave you %(n)d task due %(when)s.",
            "%(who)s gave you %(n)d tasks due %(when)s.",
            given[user.pk],
        ) % {"who": actor, "n": given[user.pk], "when": when}
        with transaction.atomic():
            notify(
                user=user,
                kind="tasks_assigned",
                title=params["title"],
                body=body,
                url=reverse("tasks:my_day"),
            )


def tasks_for_cards_undo(*, actor: User, batch: Any, source: ChangeSource) -> int:
    """Put the tasks a bulk action made in the trash, those still open and untouched (a task someone has
    changed, closed or commented on since stays): journaled under the same batch. Returns how many."""
    from crm.core.audit import audit_records

    removed = 0
    while True:
        with transaction.atomic():
            rows = list(
                Task.objects.filter(batch=batch, deleted_at__isnull=True, status=TaskStatus.OPEN, sequence=0)
                .exclude(Exists(TaskComment.objects.filter(task=OuterRef("pk"))))
                .values("pk", "title")[:BULK_CHUNK]
            )
            if not rows:
                return removed
            ids = [r["pk"] for r in rows]
            Task.objects.filter(pk__in=ids).update(deleted_at=timezone.now(), deleted_by=actor)
            audit_records(
                actor=actor,
                source=source,
                action=AuditAction.DELETE,
                items=[(Ref("tasks.task", r["pk"], r["title"]), {}) for r in rows],
                batch=batch,
            )
        removed += len(rows)
