"""Every write of segments: save (create or rewrite), trash and restore, and the nightly sizes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import User
from crm.contacts.selectors import COMPANY_SORTS, CONTACT_SORTS
from crm.core.audit import SYSTEM, ChangeSource, audit_record, diff
from crm.core.errors import (
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    holds_nul,
    too_long,
    unstorable,
)
from crm.core.models import AuditAction
from crm.segments import kinds, rules, selectors
from crm.segments.models import Segment, SegmentKind, SegmentSize
from crm.segments.visibility import may_change
from crm.tasks.selectors import TASK_SORTS

NAME_LIMIT = 100
SORTS = {
    "contact": CONTACT_SORTS,
    "company": COMPANY_SORTS,
    "deal": ("new", "moved", "amount", "close"),
    "task": tuple(TASK_SORTS),
}


@dataclass
class SegmentInput:
    name: str = ""
    kind: str = SegmentKind.CONTACT
    definition: Any = None
    shared: bool = False
    sort: str = ""
    owner_id: int | None = None  # None: the author (an administrator may give a segment to someone else)


def segment_save(*, actor: User, segment_id: int | None, data: SegmentInput, source: ChangeSource) -> Segment:
    """Create a segment, or rewrite one its actor may change. The conditions are checked as the actor
    would run them: on fields the actor sees, with options that exist."""
    with transaction.atomic():
        segment = None
        if segment_id is not None:
            segment = Segment.objects.visible_to(actor).select_for_update().filter(pk=segment_id).first()
            if segment is None:
                raise NotFound
            if not may_change(actor, segment):
                raise PermissionDenied("change segment")
        kind = segment.kind if segment is not None else data.kind
        values = _clean(actor, data, kind)
        before = _values(segment) if segment is not None else {}
        if segment is None:
            segment = Segment(kind=kind, owner_id=values.pop("owner_id") or actor.pk)
        else:
            owner_id = values.pop("owner_id")
            if owner_id:
                segment.owner_id = owner_id
        for key, value in values.items():
            setattr(segment, key, value)
        segment.updated_at = timezone.now()
        segment.save()
        changes = diff(before, _values(segment))
        action = AuditAction.UPDATE if segment_id else AuditAction.CREATE
        if changes:
            audit_record(actor=actor, source=source, action=action, obj=segment, changes=changes)
    return segment


def _clean(actor: User, data: SegmentInput, kind: str) -> dict[str, Any]:
    errors: list[FieldError] = []
    if kind not in SegmentKind.values:
        raise ValidationFailed(
            [FieldError("kind", "invalid", _("Choose people, companies, deals or tasks."))]
        )
    if not kinds.may(actor, kind, "view"):
        raise PermissionDenied("segment of this kind")
    name = " ".join((data.name or "").split())
    if holds_nul(data.name):
        errors.append(unstorable("name"))
    elif not name:
        errors.append(FieldError("name", "required", _("Name the segment.")))
    elif len(name) > NAME_LIMIT:
        errors.append(too_long("name", NAME_LIMIT))
    sort = (data.sort or "").strip()
    if sort and sort not in SORTS[kind] and not sort.lstrip("-").startswith("cf_"):
        errors.append(FieldError("sort", "invalid", _("Choose a sort the list offers.")))
    owner_id = data.owner_id
    if owner_id is not None and owner_id != actor.pk:
        if not access.can_administer(actor):
            errors.append(
                FieldError("owner_id", "forbidden", _("Only an administrator gives a segment away."))
            )
        elif not User.objects.filter(pk=owner_id, is_active=True).exists():
            errors.append(FieldError("owner_id", "invalid", _("Choose an active colleague.")))
    definition = rules.empty()
    try:
        definition = rules.as_json(rules.check(data.definition or rules.empty(), rules.context(actor, kind)))
    except ValidationFailed as exc:
        errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    return {
        "name": name,
        "definition": definition,
        "shared": bool(data.shared),
        "sort": sort,
        "owner_id": owner_id,
    }


def _values(segment: Segment) -> dict[str, Any]:
    return {
        "name": segment.name,
        "definition": segment.definition,
        "shared": segment.shared,
        "sort": segment.sort,
        "owner": str(segment.owner) if segment.owner_id else None,
    }


def segment_delete(*, actor: User, segment_id: int, source: ChangeSource) -> Segment:
    """To the trash: its conditions and its sizes stay until it is restored or purged."""
    with transaction.atomic():
        segment = _locked(actor, segment_id)
        segment.deleted_at, segment.deleted_by = timezone.now(), actor
        segment.save(update_fields=["deleted_at", "deleted_by"])
        audit_record(actor=actor, source=source, action=AuditAction.DELETE, obj=segment)
    return segment


def segment_restore(*, actor: User, segment_id: int, source: ChangeSource) -> Segment:
    with transaction.atomic():
        segment = _locked(actor, segment_id, trash=True)
        segment.deleted_at, segment.deleted_by = None, None
        segment.save(update_fields=["deleted_at", "deleted_by"])
        audit_record(actor=actor, source=source, action=AuditAction.RESTORE, obj=segment)
    return segment


def _locked(actor: User, segment_id: int, *, trash: bool = False) -> Segment:
    segment = Segment.objects.visible_to(actor, trash=trash).select_for_update().filter(pk=segment_id).first()
    if segment is None:
        raise NotFound
    if not may_change(actor, segment):
        raise PermissionDenied("change segment")
    return segment


def sizes_record(*, source: ChangeSource = SYSTEM) -> int:
    """Today's size of every live segment, counted within its owner's sight (the report's curve); a
    segment its owner can no longer run (a field since hidden, an option removed) is skipped. Returns how
    many were counted."""
    today = timezone.localdate()
    counted = 0
    for segment in Segment.objects.filter(deleted_at__isnull=True).select_related("owner"):
        try:
            size = selectors.member_count(
                user=segment.owner, kind=segment.kind, definition=segment.definition
            )
        except ValidationFailed:
            continue
        SegmentSize.objects.update_or_create(segment=segment, day=today, defaults={"size": size})
        counted += 1
    return counted
