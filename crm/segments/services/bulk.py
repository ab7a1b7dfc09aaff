"""Bulk actions on a segment's members or on cards chosen by hand (R5): tag, untag, hand to a manager, set
the status or the base type, create a task for each; move deals to a stage; on tasks, set their status,
hand them to a colleague or move their due date (``crm/tasks/services/bulk.py``). Started in a request,
run by the worker a slice at a time with its progress saved, journaled under the action's id as one batch,
and undone the same way.

A run is safe to repeat: a card already holding the value is skipped, so a run the worker dropped (a
killed process) is simply taken up again from the start by ``bulk_resume_stalled``."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import User
from crm.contacts.models import Tag
from crm.contacts.services import bulk_changes
from crm.core.audit import ChangeSource
from crm.core.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from crm.deals import services as deal_services
from crm.segments import kinds, selectors
from crm.segments.models import BulkAction, BulkPart, BulkStatus, BulkVerb, SegmentKind
from crm.tasks import services as task_services
from crm.tasks.models import Priority
from crm.tasks.services import bulk as task_bulk

log = logging.getLogger(__name__)

SLICE = 20_000  # cards between two progress saves
MAX_SELECTION = 100_000
STALLED_AFTER = datetime.timedelta(minutes=3)
SETS = {BulkVerb.ASSIGN: "owner", BulkVerb.STATUS: "status", BulkVerb.BASE_TYPE: "base_type"}
# The actions only some kinds take: a stage is a deal's, a due date a task's, a task is on a person or a
# company. Tasks take only their own (``TASK_SETS``).
ONLY_FOR: dict[str, set[str]] = {
    BulkVerb.STAGE: {SegmentKind.DEAL},
    BulkVerb.DUE: {SegmentKind.TASK},
    BulkVerb.TASK: {SegmentKind.CONTACT, SegmentKind.COMPANY},
}
# What a bulk action on tasks sets, and the bulk form's field that names the value.
TASK_SETS = {
    BulkVerb.STATUS: (task_bulk.STATUS, "task_status"),
    BulkVerb.ASSIGN: (task_bulk.ASSIGNEE, "assignee_id"),
    BulkVerb.DUE: (task_bulk.DUE, "due"),
}


def bulk_start(
    *,
    actor: User,
    verb: str,
    params: dict[str, Any],
    source: ChangeSource,
    segment_id: int | None = None,
    kind: str = SegmentKind.CONTACT,
    ids: list[int] | None = None,
) -> BulkAction:
    """Check the action and queue it for the worker: on a segment's members as the actor sees them, or
    on the cards ``ids`` (those of them the actor may edit)."""
    segment = None
    if segment_id is not None:
        segment = selectors.segment_get(user=actor, pk=segment_id)
        kind = segment.kind
        selectors.where(user=actor, kind=kind, definition=segment.definition)  # runs for this user?
    elif ids is None:
        raise ValidationFailed([FieldError("ids", "required", _("Choose the cards."))])
    if kind not in SegmentKind.values:
        raise NotFound
    if not kinds.may(actor, kind, "edit"):
        raise PermissionDenied(f"edit {kind}")
    clean = _clean_params(actor, kind, verb, params)
    selection = None
    if segment is None:
        selection = sorted({int(pk) for pk in ids or []})
        if not selection:
            raise ValidationFailed([FieldError("ids", "required", _("Choose the cards."))])
        if len(selection) > MAX_SELECTION:
            raise ValidationFailed(
                [FieldError("ids", "too_many", _("At most %(n)d cards at once.") % {"n": MAX_SELECTION})]
            )
    with transaction.atomic():
        action = BulkAction.objects.create(
            kind=kind,
            verb=verb,
            params=clean,
            segment=segment,
            selection=selection,
            created_by=actor,
            channel=source.channel,
            ip=source.ip,
        )
        transaction.on_commit(lambda: _enqueue("run", action.pk))
    return action


def _clean_params(actor: User, kind: str, verb: str, params: dict[str, Any]) -> dict[str, Any]:
    if (verb in ONLY_FOR and kind not in ONLY_FOR[verb]) or (
        kind == SegmentKind.TASK and verb not in TASK_SETS
    ):
        message = _("This change does not apply to these cards.")
        raise ValidationFailed([FieldError("verb", "invalid", message)])
    if verb == BulkVerb.STAGE:
        return deal_services.deals_to_stage_clean(
            stage_id=_int(params.get("stage_id")), loss_reason_id=params.get("loss_reason_id")
        )
    if kind == SegmentKind.TASK:
        name, field = TASK_SETS[BulkVerb(verb)]
        return task_bulk.tasks_set_clean(actor=actor, name=name, raw=params.get(field))
    if verb in (BulkVerb.TAG, BulkVerb.UNTAG):
        bulk_changes.check_editable(actor, kind, "tags")
    if verb == BulkVerb.TAG:
        return {"tag": bulk_changes.clean_tag_name(str(params.get("tag") or ""))}
    if verb == BulkVerb.UNTAG:
        tag_id = _int(params.get("tag_id"))
        tag = Tag.objects.filter(pk=tag_id).first() if tag_id is not None else None
        if tag is None:
            raise ValidationFailed([FieldError("tag_id", "invalid", _("Choose a tag from the list."))])
        return {"tag_id": tag.pk, "tag": tag.name}
    if verb in SETS:
        name = SETS[BulkVerb(verb)]
        raw = params.get({"owner": "owner_id", "status": "status_id", "base_type": "base_type"}[name])
        value = raw if name == "base_type" else _int(raw)
        return {"value": bulk_changes.check_value(actor, kind, name, value)}
    if verb == BulkVerb.TASK:
        return task_services.tasks_for_cards_clean(actor=actor, data=_task_input(params))
    raise ValidationFailed([FieldError("verb", "invalid", _("Choose an action from the list."))])


def _task_input(params: dict[str, Any]) -> task_services.TasksForCards:
    raw_due = params.get("due")
    due = None
    if isinstance(raw_due, datetime.date):
        due = raw_due
    elif raw_due:
        try:
            due = datetime.date.fromisoformat(str(raw_due))
        except ValueError:
            raise ValidationFailed(
                [FieldError("due", "invalid", _("Enter the date as 24.11.2026."))]
            ) from None
    priority = _int(params.get("priority"))
    assignee = params.get("assignee_id")
    return task_services.TasksForCards(
        title=str(params.get("title") or ""),
        due=due,
        priority=priority if priority is not None else Priority.NORMAL,
        description=str(params.get("description") or ""),
        assignee_id=None if assignee in (None, "", "owner") else _int(assignee) or -1,
    )


def _int(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _enqueue(what: str, action_id: Any) -> None:
    from crm.segments import jobs

    (jobs.run_bulk if what == "run" else jobs.undo_bulk)(str(action_id))


def _targets(action: BulkAction, actor: User) -> list[int]:
    if action.segment_id is not None and action.segment is not None:
        members = selectors.members(user=actor, kind=action.kind, definition=action.segment.definition)
        return list(members.order_by("pk").values_list("pk", flat=True))
    return list(action.selection or [])


def _beat(action: BulkAction, **fields: Any) -> None:
    fields["heartbeat_at"] = timezone.now()
    BulkAction.objects.filter(pk=action.pk).update(**fields)
    for key, value in fields.items():
        setattr(action, key, value)


def _source(action: BulkAction) -> ChangeSource:
    return ChangeSource(channel=action.channel, ip=action.ip)


def bulk_run(*, action_id: Any) -> BulkAction:
    """Do the action, a slice of cards at a time (each slice its own transactions and progress save)."""
    action = BulkAction.objects.select_related("created_by", "segment").filter(pk=action_id).first()
    if action is None or action.status not in (BulkStatus.QUEUED, BulkStatus.RUNNING):
        raise NotFound
    actor, source = action.created_by, _source(action)
    try:
        _beat(action, status=BulkStatus.RUNNING)
        ids = _targets(action, actor)
        _beat(action, total=len(ids), done=0)
        changed = BulkPart.objects.filter(action=action).values_list("ids", flat=True)
        count = sum(len(part) for part in changed)
        touched: list[int] = []
        for start in range(0, len(ids), SLICE):
            piece = ids[start : start + SLICE]
            result = _apply(action, actor, piece, source)
            _keep_parts(action, result)
            count += result.count
            touched += [pk for part in result.before.values() for pk in part]
            _beat(action, done=min(start + SLICE, len(ids)), changed=count)
        _beat(action, status=BulkStatus.DONE, finished_at=timezone.now())
    except Exception as exc:
        log.exception("bulk action %s failed", action.pk)
        _beat(action, status=BulkStatus.FAILED, error=str(exc)[:1000], finished_at=timezone.now())
        return action
    if action.verb in (BulkVerb.TAG, BulkVerb.UNTAG) and touched:
        transaction.on_commit(lambda: _recount(action.kind, touched))
    return action


def _recount(kind: str, ids: list[int]) -> None:
    from crm.contacts import jobs as contact_jobs

    contact_jobs.recount_completeness(kind, ids)


def _apply(action: BulkAction, actor: User, ids: list[int], source: ChangeSource) -> bulk_changes.Changed:
    params, batch = action.params, action.pk
    if action.verb == BulkVerb.STAGE:
        moved = deal_services.deals_to_stage(
            actor=actor,
            ids=ids,
            stage_id=params["value"],
            loss_reason_id=params.get("loss_reason_id"),
            source=source,
            batch=batch,
        )
        return bulk_changes.Changed(before=dict(moved))
    if action.kind == SegmentKind.TASK:
        name = TASK_SETS[BulkVerb(action.verb)][0]
        return task_bulk.tasks_set(
            actor=actor, ids=ids, name=name, value=params["value"], source=source, batch=batch
        )
    if action.verb == BulkVerb.TAG:
        tag, result = bulk_changes.cards_tag(
            actor=actor, kind=action.kind, ids=ids, tag_name=params["tag"], source=source, batch=batch
        )
        if params.get("tag_id") != tag.pk:
            params["tag_id"] = tag.pk
            BulkAction.objects.filter(pk=action.pk).update(params=params)
        return result
    if action.verb == BulkVerb.UNTAG:
        return bulk_changes.cards_untag(
            actor=actor, kind=action.kind, ids=ids, tag_id=params["tag_id"], source=source, batch=batch
        )
    if action.verb == BulkVerb.TASK:
        made = task_services.tasks_for_cards(
            actor=actor, kind=action.kind, ids=ids, params=params, source=source, batch=batch
        )
        return bulk_changes.Changed(before={None: made} if made else {})
    return bulk_changes.cards_set(
        actor=actor,
        kind=action.kind,
        ids=ids,
        name=SETS[BulkVerb(action.verb)],
        value=params["value"],
        source=source,
        batch=batch,
    )


def _keep_parts(action: BulkAction, result: bulk_changes.Changed) -> None:
    BulkPart.objects.bulk_create(
        [BulkPart(action=action, before=before, ids=ids) for before, ids in result.before.items()]
    )


def bulk_undo(*, actor: User, action_id: Any, source: ChangeSource) -> BulkAction:
    """Queue the undo of a finished (or failed) action: its author or an administrator."""
    with transaction.atomic():
        action = BulkAction.objects.select_for_update().filter(pk=action_id).first()
        if action is None or not (action.created_by_id == actor.pk or access.can_administer(actor)):
            raise NotFound
        if action.status in (BulkStatus.UNDOING, BulkStatus.UNDONE):
            return action
        if action.status not in (BulkStatus.DONE, BulkStatus.FAILED):
            raise ValidationFailed(
                [FieldError("status", "running", _("Wait until the action has finished."))]
            )
        action.status, action.undone_by, action.done = BulkStatus.UNDOING, actor, 0
        action.heartbeat_at, action.channel, action.ip = timezone.now(), source.channel, source.ip
        action.save(update_fields=["status", "undone_by", "done", "heartbeat_at", "channel", "ip"])
        transaction.on_commit(lambda: _enqueue("undo", action.pk))
    return action


def bulk_undo_run(*, action_id: Any) -> BulkAction:
    """Put back what the action changed, where the card still holds what the action set (an edit made
    since wins), under the same journal batch."""
    action = BulkAction.objects.select_related("undone_by").filter(pk=action_id).first()
    if action is None or action.status != BulkStatus.UNDOING or action.undone_by is None:
        raise NotFound
    actor, source = action.undone_by, _source(action)
    params, batch, kind = action.params, action.pk, action.kind
    done = 0
    try:
        if action.verb == BulkVerb.TASK:
            done = task_services.tasks_for_cards_undo(actor=actor, batch=batch, source=source)
            _beat(action, done=done, status=BulkStatus.UNDONE, undone_at=timezone.now())
            return action
        if kind == SegmentKind.TASK and action.verb == BulkVerb.STATUS:  # many parts: put back at once
            parts = list(BulkPart.objects.filter(action=action).values_list("before", "ids"))
            done = task_bulk.tasks_status_restore(
                actor=actor, parts=parts, expect=params["value"], source=source, batch=batch
            )
            _beat(action, done=done, status=BulkStatus.UNDONE, undone_at=timezone.now())
            return action
        for part in BulkPart.objects.filter(action=action).order_by("pk"):
            ids = list(part.ids)
            if action.verb == BulkVerb.STAGE:  # back to the stage (and the loss reason) each left
                stage_id, reason = part.before or (0, None)
                deal_services.deals_to_stage(
                    actor=actor,
                    ids=ids,
                    stage_id=stage_id,
                    loss_reason_id=reason,
                    expect=params["value"],
                    source=source,
                    batch=batch,
                )
            elif kind == SegmentKind.TASK:
                name = TASK_SETS[BulkVerb(action.verb)][0]
                task_bulk.tasks_set(
                    actor=actor,
                    ids=ids,
                    name=name,
                    value=part.before,
                    expect=params["value"],
                    source=source,
                    batch=batch,
                )
            elif action.verb == BulkVerb.TAG:
                bulk_changes.cards_untag(
                    actor=actor, kind=kind, ids=ids, tag_id=params["tag_id"], source=source, batch=batch
                )
            elif action.verb == BulkVerb.UNTAG:
                bulk_changes.cards_tag(
                    actor=actor, kind=kind, ids=ids, tag_name=params["tag"], source=source, batch=batch
                )
            else:
                bulk_changes.cards_set(
                    actor=actor,
                    kind=kind,
                    ids=ids,
                    name=SETS[BulkVerb(action.verb)],
                    value=part.before,
                    expect=params["value"],
                    checked=True,  # the value the card had: put back even if no longer offered
                    source=source,
                    batch=batch,
                )
            done += len(ids)
            _beat(action, done=done)
        _beat(action, status=BulkStatus.UNDONE, undone_at=timezone.now())
    except Exception as exc:
        log.exception("undo of bulk action %s failed", action.pk)
        _beat(action, status=BulkStatus.FAILED, error=str(exc)[:1000])
    return action


def bulk_resume_stalled() -> int:
    """Take up again the runs and undos whose worker stopped beating (a killed process): both are safe to
    repeat. Returns how many were queued again."""
    cutoff = timezone.now() - STALLED_AFTER
    stalled = list(
        BulkAction.objects.filter(
            status__in=(BulkStatus.RUNNING, BulkStatus.UNDOING, BulkStatus.QUEUED), heartbeat_at__lt=cutoff
        ).values_list("pk", "status")
    )
    queued_long_ago = BulkAction.objects.filter(
        status=BulkStatus.QUEUED, heartbeat_at__isnull=True, created_at__lt=cutoff
    ).values_list("pk", "status")
    for pk, status in [*stalled, *queued_long_ago]:
        BulkAction.objects.filter(pk=pk).update(heartbeat_at=timezone.now())
        _enqueue("undo" if status == BulkStatus.UNDOING else "run", pk)
    return len(stalled) + len(queued_long_ago)
