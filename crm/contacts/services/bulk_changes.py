"""One change on many cards at once (a segment's bulk actions and their undo): a tag added or removed, the
responsible manager, the status or the base type. Set-based: a few statements per chunk of cards whatever
its size, never a card's full rewrite; each card changed is journaled under the caller's batch id, with
the field's old and new value as a single edit would journal it.

A tag is not a column of the card: adding or removing one leaves the card's row (and its "changed" time)
as it is, the journal tells the change. Setting ``updated_at`` as well rewrote every index entry of each
row on PostgreSQL (70 s for 100,000 cards where the tags themselves took 5 s).

Only cards the actor may edit are touched (the others are left out, not refused); a card already holding
the value is not touched either. Each function returns the cards it changed grouped by the value they had
before: what the undo puts back (``expect``: only where the card still holds what the change set, so an
edit made since is never overwritten)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import User
from crm.contacts.models import BaseType, Company, Contact, ContactStatus, StatusChange, Tag
from crm.contacts.services.common import owner_in_scope, tags_for_many
from crm.core import bulk
from crm.core.audit import ChangeSource, Ref, audit_records
from crm.core.errors import FieldError, ValidationFailed, too_long
from crm.core.ids import with_ids
from crm.core.models import AuditAction
from crm.fields.schema import schema_for

MODELS: dict[str, Any] = {"contact": Contact, "company": Company}
NAMES = {"contact": ("last_name", "first_name", "middle_name"), "company": ("name",)}
CHUNK = 5000
TAG_LIMIT = 64
FIELDS = {  # what ``cards_set`` may set: the column, and the kinds that have it
    "owner": ("owner_id", ("contact", "company")),
    "status": ("status_id", ("contact",)),
    "base_type": ("base_type", ("contact",)),
}


@dataclass
class Changed:
    """The cards a bulk change changed, by the value each had before (for the undo)."""

    before: dict[Any, list[int]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(ids) for ids in self.before.values())

    def add(self, value: Any, pk: int) -> None:
        self.before.setdefault(value, []).append(pk)


def chunks(ids: Sequence[int], size: int = CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def _editable(actor: User, kind: str, ids: list[int]) -> QuerySet[Any]:
    """The cards of ``ids`` the actor may edit, locked for the chunk's transaction."""
    rows = MODELS[kind].objects.visible_to(actor, action="edit")
    return with_ids(rows, "id", ids).select_for_update(of=("self",))


def card_ref(kind: str, row: dict[str, Any]) -> Ref:
    """The card as the journal names it (its type, id and label), from the columns read."""
    if kind == "contact":
        label = " ".join(p for p in (row["last_name"], row["first_name"], row["middle_name"]) if p) or "—"
        return Ref("contacts.contact", row["pk"], label)
    if kind == "company":
        return Ref("contacts.company", row["pk"], row["name"])
    return Ref(MODELS[kind]._meta.label_lower, row["pk"], str(row[NAMES[kind][0]]))


def register_kind(kind: str, model: Any, names: tuple[str, ...], settable: tuple[str, ...]) -> None:
    """Another app's records these bulk changes also apply to (deals: their tags and owner), without this
    app importing it: the model (with ``visible_to``, an owner, a department and tags), the columns that
    name a record in the journal, and which of ``FIELDS`` it has."""
    MODELS[kind] = model
    NAMES[kind] = names
    for name in settable:
        column, kinds = FIELDS[name]
        FIELDS[name] = (column, tuple(dict.fromkeys((*kinds, kind))))


def clean_tag_name(name: str) -> str:
    clean = " ".join((name or "").split())
    if not clean:
        raise ValidationFailed([FieldError("tag", "required", _("Name the tag."))])
    if len(clean) > TAG_LIMIT:
        raise ValidationFailed([too_long("tag", TAG_LIMIT)])
    return clean


def _held_tags(kind: str, ids: list[int]) -> dict[int, list[str]]:
    through = MODELS[kind].tags.through
    column = f"{kind}_id"
    held: dict[int, list[str]] = {}
    for pk, name in with_ids(through.objects.all(), column, ids).values_list(column, "tag__name"):
        held.setdefault(pk, []).append(name)
    return held


def _sorted(names: list[str]) -> list[str]:
    return sorted(names, key=str.casefold)


def cards_tag(
    *, actor: User, kind: str, ids: Sequence[int], tag_name: str, source: ChangeSource, batch: uuid.UUID
) -> tuple[Tag, Changed]:
    """Add the tag (made if new, one spelling for everyone) to the cards that lack it."""
    name = clean_tag_name(tag_name)
    tag = tags_for_many([[name]])[name.casefold()]
    through = MODELS[kind].tags.through
    changed = Changed()
    for chunk in chunks(ids):
        with transaction.atomic():
            rows = list(_editable(actor, kind, chunk).values("pk", *NAMES[kind]))
            held = _held_tags(kind, [r["pk"] for r in rows])
            key = tag.name.casefold()
            targets = [r for r in rows if key not in {n.casefold() for n in held.get(r["pk"], [])}]
            if not targets:
                continue
            bulk.insert_rows(through, (f"{kind}_id", "tag_id"), [(r["pk"], tag.pk) for r in targets])
            items = []
            for row in targets:
                old = _sorted(held.get(row["pk"], []))
                items.append((card_ref(kind, row), {"tags": [old, _sorted([*old, tag.name])]}))
                changed.add(False, row["pk"])
            audit_records(actor=actor, source=source, action=AuditAction.UPDATE, batch=batch, items=items)
    return tag, changed


def cards_untag(
    *, actor: User, kind: str, ids: Sequence[int], tag_id: int, source: ChangeSource, batch: uuid.UUID
) -> Changed:
    """Take the tag off the cards that hold it."""
    tag = Tag.objects.filter(pk=tag_id).first()
    if tag is None:
        raise ValidationFailed([FieldError("tag", "invalid", _("Choose a tag from the list."))])
    through = MODELS[kind].tags.through
    column = f"{kind}_id"
    changed = Changed()
    for chunk in chunks(ids):
        with transaction.atomic():
            rows = {r["pk"]: r for r in _editable(actor, kind, chunk).values("pk", *NAMES[kind])}
            held = _held_tags(kind, list(rows))
            targets = [pk for pk in rows if tag.name in held.get(pk, [])]
            if not targets:
                continue
            with_ids(through.objects.filter(tag_id=tag.pk), column, targets).delete()
            items = []
            for pk in targets:
                old = _sorted(held[pk])
                new = [n for n in old if n != tag.name]
                items.append((card_ref(kind, rows[pk]), {"tags": [old, new]}))
                changed.add(True, pk)
            audit_records(actor=actor, source=source, action=AuditAction.UPDATE, batch=batch, items=items)
    return changed


SECURED = {"tags": "tags", "status": "status"}  # what field-level security may make read-only or hidden


def allowed(actor: User, kind: str) -> set[str]:
    """The changes this actor may make in bulk to this kind of card: none without the right to edit it;
    tags and the status only where their field is editable for the actor's role."""
    if not access.has_perm(actor, kind, "edit"):
        return set()
    schema = schema_for(kind)
    names = {"tags", "owner"} | ({"status", "base_type"} if kind == "contact" else set())
    return {n for n in names if n not in SECURED or schema.can_edit(actor, SECURED[n])}


def check_editable(actor: User, kind: str, name: str) -> None:
    if name not in allowed(actor, kind):
        field_name = {"tags": "tag", "status": "status_id"}.get(name, name)
        raise ValidationFailed([FieldError(field_name, "read_only", _("This field is read-only for you."))])


def check_value(actor: User, kind: str, name: str, value: Any) -> Any:
    """The value ``cards_set`` would set, checked as a card's form checks it (an active manager within
    the actor's scope, an active status, a base type of the list), or ``ValidationFailed`` naming it."""
    if name not in FIELDS or kind not in FIELDS[name][1]:
        raise ValidationFailed(
            [FieldError("action", "invalid", _("This change does not apply to these cards."))]
        )
    check_editable(actor, kind, name)
    errors: list[FieldError] = []
    if name == "owner":
        owner = User.objects.filter(pk=value, is_active=True).first() if value else None
        checked = owner_in_scope(actor, owner, errors)
        value = checked.pk if checked else None
    elif name == "status":
        if value is not None and not ContactStatus.objects.filter(pk=value, is_active=True).exists():
            errors.append(FieldError("status_id", "invalid_choice", _("Choose a status from the list.")))
    elif value not in BaseType.values:
        errors.append(FieldError("base_type", "invalid_choice", _("Choose a base type from the list.")))
    if errors:
        raise ValidationFailed(errors)
    return value


def cards_set(
    *,
    actor: User,
    kind: str,
    ids: Sequence[int],
    name: str,
    value: Any,
    source: ChangeSource,
    batch: uuid.UUID,
    expect: Any = ...,
    checked: bool = False,
) -> Changed:
    """Set the manager (``owner``: the department follows), the ``status`` (its history is kept) or the
    ``base_type`` of the cards that hold another value (and, with ``expect``, still hold that one)."""
    if not checked:
        value = check_value(actor, kind, name, value)
    column = FIELDS[name][0]
    model = MODELS[kind]
    labels = _labels(name, [value])
    department_id = (
        User.objects.filter(pk=value).values_list("department_id", flat=True).first()
        if name == "owner"
        else None
    )
    changed = Changed()
    for chunk in chunks(ids):
        with transaction.atomic():
            rows = [
                r
                for r in _editable(actor, kind, chunk).values("pk", column, *NAMES[kind])
                if r[column] != value and (expect is ... or r[column] == expect)
            ]
            if not rows:
                continue
            now = timezone.now()
            updates: dict[str, Any] = {column: value, "updated_at": now}
            if name == "owner":
                updates["department_id"] = department_id
            if name == "status":
                updates["status_changed_at"] = now
            with_ids(model.objects.all(), "id", [r["pk"] for r in rows]).update(**updates)
            if name == "status":
                bulk.insert_rows(
                    StatusChange,
                    ("contact_id", "from_status_id", "to_status_id", "at", "by_id"),
                    [(r["pk"], r[column], value, now, actor.pk) for r in rows],
                )
            labels |= _labels(name, {r[column] for r in rows} - set(labels))
            items = [(card_ref(kind, r), {name: [labels.get(r[column]), labels.get(value)]}) for r in rows]
            for r in rows:
                changed.add(r[column], r["pk"])
            audit_records(actor=actor, source=source, action=AuditAction.UPDATE, batch=batch, items=items)
    return changed


def _labels(name: str, values: Any) -> dict[Any, Any]:
    """How the journal names each value: a manager and a status by their names, a base type by its code
    (as a card's own journal does)."""
    wanted = [v for v in values if v is not None]
    if name == "owner":
        return {u.pk: str(u) for u in User.objects.filter(pk__in=wanted)}
    if name == "status":
        return dict(ContactStatus.objects.filter(pk__in=wanted).values_list("pk", "name"))
    return {v: v for v in wanted}


def may_bulk_edit(actor: User, kind: str) -> bool:
    return access.has_perm(actor, kind, "edit")
