"""The change journal's one write function and the value object saying where a change came from."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models

from crm.core.models import AuditAction, AuditEntry, ChangeChannel

if TYPE_CHECKING:
    from django.http import HttpRequest


@dataclass(frozen=True)
class ChangeSource:
    """Where a write comes from: the channel and, for requests, the client's IP."""

    channel: str
    ip: str | None = None

    @classmethod
    def from_request(cls, request: HttpRequest, channel: str = ChangeChannel.UI) -> ChangeSource:
        return cls(channel=channel, ip=request.META.get("REMOTE_ADDR") or None)


SYSTEM = ChangeSource(channel=ChangeChannel.SYSTEM)


def jsonable(value: Any) -> Any:
    """Journal values must survive JSON: dates become ISO strings, models their text."""
    kind = type(value)
    if kind is str or value is None or kind is bool or kind is int or kind is float:
        return value
    if kind is list and all(type(v) is str for v in value):
        return value
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)


def _empty(value: Any) -> bool:
    return value in (None, "", [], {}) or value is False


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value changed, as {field: [old, new]}."""
    changes: dict[str, list[Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = jsonable(before.get(key)), jsonable(after.get(key))
        if old != new and not (_empty(old) and _empty(new)):  # "nothing" → "blank" is no change
            changes[key] = [old, new]
    return changes


def _row(
    actor: Any, source: ChangeSource, action: str, obj: models.Model, changes: Any, batch: Any
) -> AuditEntry:
    has_actor = bool(getattr(actor, "pk", None))
    return AuditEntry(
        actor=actor if has_actor else None,
        actor_name=(actor.get_full_name() or actor.get_username()) if has_actor else "",
        channel=source.channel,
        ip=source.ip,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        object_repr=str(obj)[:255],
        changes=jsonable(changes or {}),
        batch=batch,
    )


def created(snapshot: dict[str, Any]) -> dict[str, list[Any]]:
    """``diff({}, snapshot)`` for a snapshot already made of JSON values (text, numbers, flags, lists of
    text): what a create's journal entry holds, without converting each value again."""
    # ``not _empty(value)`` written out: a batch asks it for every field of every row.
    return {
        key: [None, value]
        for key, value in sorted(snapshot.items())
        if value or (value == 0 and value is not False)
    }


def audit_records(
    *,
    actor: Any,
    source: ChangeSource,
    action: AuditAction | str,
    items: Sequence[tuple[models.Model | Ref, dict[str, Any]]],
    batch: Any = None,
) -> None:
    """Many journal entries in one insert, each ``(object, changes)``, under one batch id. The changes are
    what ``diff`` returns (already JSON-safe)."""
    from django.utils import timezone

    from crm.core import bulk

    has_actor = bool(getattr(actor, "pk", None))
    actor_name = (actor.get_full_name() or actor.get_username()) if has_actor else ""
    head = (
        timezone.now(),
        actor.pk if has_actor else None,
        actor_name,
        source.channel,
        source.ip,
        str(action),
    )
    rows = [(*head, obj._meta.label_lower, obj.pk, str(obj)[:255], changes, batch) for obj, changes in items]
    bulk.insert_rows(AuditEntry, AUDIT_COLUMNS, rows)


@dataclass(frozen=True)
class Ref:
    """A record as the journal names it, without loading it: its type ("contacts.contact"), id and label.
    A bulk change journals thousands of cards from a few columns each; a model instance per card cost
    more than the change itself."""

    object_type: str
    pk: int
    label: str

    @property
    def _meta(self) -> Any:
        return _RefMeta(self.object_type)

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class _RefMeta:
    label_lower: str


AUDIT_COLUMNS = (
    *("at", "actor_id", "actor_name", "channel", "ip", "action"),
    *("object_type", "object_id", "object_repr", "changes", "batch"),
)


def audit_record(
    *,
    actor: Any,
    source: ChangeSource,
    action: AuditAction | str,
    obj: models.Model,
    changes: dict[str, Any] | None = None,
    batch: Any = None,
) -> AuditEntry:
    """Write one journal entry. Call it inside the service's transaction."""
    entry = _row(actor, source, action, obj, changes, batch)
    entry.save()
    return entry


def without_keys(entries: list[Any], hidden: set[str]) -> list[Any]:
    """Journal entries with the values of ``hidden`` keys taken out (fields the reader may not see); an
    update left with nothing is dropped."""
    if not hidden:
        return entries
    shown = []
    for entry in entries:
        if entry.changes:
            entry.changes = {k: v for k, v in entry.changes.items() if k not in hidden}
            if not entry.changes and entry.action == "update":
                continue
        shown.append(entry)
    return shown
