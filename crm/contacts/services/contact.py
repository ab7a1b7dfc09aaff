"""Writes of contacts: create, update, trash, restore, purge, comment. The only code that saves them."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import User
from crm.contacts.inputs import CompanyInput, ContactInput
from crm.contacts.models import (
    Comment,
    Company,
    Contact,
    Employment,
)
from crm.contacts.selectors import editable_cards
from crm.contacts.services import contact_rows, search_index
from crm.contacts.services.common import (
    ensure_visible_contact,
    locked_trashed_card,
    trash_many,
)
from crm.core import bulk
from crm.core import normalize as norm
from crm.core.audit import ChangeSource, audit_record, diff
from crm.core.errors import DuplicateFound, FieldError, NotFound, ValidationFailed
from crm.core.models import AuditAction
from crm.fields.schema import schema_for

CHUNK = 2000  # rows per transaction of a batch: big enough for set-based checks, short enough to commit often
CHECKPOINT_CHUNKS = 5  # SQLite: chunks between two copies of the write-ahead log into the database


def _raise_for(row: contact_rows.Row) -> None:
    """A refused row as the error a single write raises: the duplicates with their cards, else the rest."""
    if row.matches:
        raise DuplicateFound(row.errors, row.matches)
    if row.errors:
        raise ValidationFailed(row.errors)


def snapshot(contact: Contact) -> dict[str, Any]:
    """What the journal compares for a saved card."""
    primaries = list(contact.employments.select_related("company").filter(is_primary=True).order_by("pk")[:1])
    return contact_rows.stored_snapshot(contact, primaries, schema_for("contact"))


def contacts_create(
    *,
    actor: User,
    rows: list[ContactInput],
    source: ChangeSource,
    batch: uuid.UUID | None = None,
    created_at: Sequence[datetime.datetime | None] | None = None,
) -> contact_rows.Batch:
    """Create many cards through the staged path, chunk by chunk, each chunk in its own transaction (an
    import commits as it goes; its journal entries share the batch id). Refused rows keep their errors
    and store nothing; the others are written. ``created_at`` gives, row by row, when a card was created
    in the system it comes from (an import keeps it; one in the future or before 1900 is not taken)."""
    access.require(actor, "contact", "create")
    result = contact_rows.Batch([contact_rows.Row(data) for data in rows], id=batch or uuid.uuid4())
    if created_at is not None:
        now = timezone.now()
        for row, at in zip(result.rows, created_at, strict=True):
            if at is not None and at.tzinfo is None:
                at = timezone.make_aware(at)
            row.created_at = at if at is not None and at.year >= 1900 and at <= now else None
    with bulk.checkpoints_every(CHECKPOINT_CHUNKS) as chunk_written:
        for start in range(0, len(result.rows), CHUNK):
            chunk = result.rows[start : start + CHUNK]
            contact_rows.clean(actor, chunk)
            with transaction.atomic():
                contact_rows.check(actor, chunk)
                contact_rows.write_new(actor, chunk, source, result.id)
            chunk_written()
    contact_rows.point_in_batch_matches(result.rows)
    return result


def contact_create(*, actor: User, data: ContactInput, source: ChangeSource) -> Contact:
    """Create a card, a batch of one. Refuses a phone or e-mail another card already holds (R7.1)."""
    access.require(actor, "contact", "create")
    row = contact_rows.Row(data)
    contact_rows.clean(actor, [row])
    _raise_for(row)
    with transaction.atomic():
        contact_rows.check(actor, [row])
        _raise_for(row)
        contact_rows.write_new(actor, [row], source, None)
    assert row.card is not None
    return row.card


def contact_update(
    *, actor: User, contact_id: int, data: ContactInput, source: ChangeSource, batch: uuid.UUID | None = None
) -> Contact:
    """Replace a card's values with ``data``; the journal gets only what actually changed (under
    ``batch`` when the change is part of one, an import's update or its undo)."""
    with transaction.atomic():
        contact = _locked(contact_id)
        ensure_visible_contact(actor, contact, "edit")
        row = contact_rows.Row(data, current=contact)
        contact_rows.clean(actor, [row])
        _raise_for(row)
        contact_rows.check(actor, [row])
        _raise_for(row)
        contact_rows.write_changed(actor, [row], source, batch)
    return contact


def locked_editable_cards(actor: User, ids: Iterable[int]) -> dict[int, Contact]:
    """The cards of ``ids`` the actor may edit, with their rows, locked for the rest of the transaction."""
    return editable_cards(user=actor, ids=ids).select_for_update(of=("self",)).in_bulk()


def contacts_update(
    *,
    actor: User,
    changes: Sequence[tuple[int, ContactInput]],
    source: ChangeSource,
    batch: uuid.UUID | None = None,
    locked: Mapping[int, Contact] | None = None,
) -> contact_rows.Batch:
    """Replace many cards' values (card id, new input), chunk by chunk, each chunk in its own transaction
    through the same stages as ``contact_update``: a card gone or one the actor may not edit refuses its
    row (``not_found``), and refused rows keep their errors and change nothing. ``locked``: the cards as
    ``locked_editable_cards`` read them in the caller's transaction (an import compares its rows with
    them first), not read again."""
    if locked is not None and not transaction.get_connection().in_atomic_block:
        raise RuntimeError("cards read beforehand are locked only inside the caller's transaction")
    result = contact_rows.Batch([contact_rows.Row(data) for _pk, data in changes], id=batch or uuid.uuid4())
    for start in range(0, len(result.rows), CHUNK):
        chunk = result.rows[start : start + CHUNK]
        ids = [pk for pk, _data in changes[start : start + CHUNK]]
        with transaction.atomic():
            cards = locked if locked is not None else locked_editable_cards(actor, ids)
            for row, pk in zip(chunk, ids, strict=True):
                row.current = cards.get(pk)
                if row.current is None:
                    row.errors.append(
                        FieldError("contact_id", "not_found", _("No such card, or not yours to edit."))
                    )
            contact_rows.clean(actor, [row for row in chunk if row.ok])
            contact_rows.check(actor, chunk)
            contact_rows.write_changed(actor, chunk, source, result.id)
    return result


def contact_companies_add(
    *,
    actor: User,
    contact_id: int,
    names: list[str],
    source: ChangeSource,
    batch: uuid.UUID | None = None,
) -> Contact:
    """Link a card to more companies than its main one (a file's "Vektor LLC; Vektor Group"): each the
    company of that name the actor sees, or a new one with the card's owner; journaled on the card."""
    from crm.contacts.services.company import company_create

    with transaction.atomic():
        contact = _locked(contact_id)
        ensure_visible_contact(actor, contact, "edit")
        held = list(contact.employments.select_related("company").order_by("-is_primary", "pk"))
        before = [e.company.name for e in held]
        known = {norm.name_key(e.company.name) for e in held}
        visible = Company.objects.visible_to(actor).order_by("pk")
        after = list(before)
        for name in dict.fromkeys(" ".join(n.split()) for n in names):
            key = norm.name_key(name)
            if not key or key in known:
                continue
            company = visible.filter(name_key=key).first() or company_create(
                actor=actor,
                data=CompanyInput(name=name, owner_id=contact.owner_id),
                source=source,
                batch=batch,
            )
            Employment.objects.create(contact=contact, company=company, is_primary=not known)
            known.add(key)
            after.append(company.name)
        if after != before:
            audit_record(
                actor=actor,
                source=source,
                action=AuditAction.UPDATE,
                obj=contact,
                changes={"company": ["; ".join(before) or None, "; ".join(after)]},
                batch=batch,
            )
    return contact


def contact_delete(
    *, actor: User, contact_id: int, source: ChangeSource, batch: uuid.UUID | None = None
) -> Contact:
    """Move a card to the trash with everything attached to it; nothing is removed yet."""
    with transaction.atomic():
        contact = _locked(contact_id)
        ensure_visible_contact(actor, contact, "delete")
        contact.deleted_at = timezone.now()
        contact.deleted_by = actor
        contact.save(update_fields=["deleted_at", "deleted_by"])
        audit_record(actor=actor, source=source, action=AuditAction.DELETE, obj=contact, batch=batch)
    return contact


def contacts_delete(
    *, actor: User, contact_ids: list[int], source: ChangeSource, batch: uuid.UUID | None = None
) -> int:
    """Move many cards to the trash at once (an import's undo, a bulk action): those of ``contact_ids``
    the actor sees and may delete, the others left as they are. Returns how many went."""
    names = ("last_name", "first_name", "middle_name")  # what the journal names each card by
    return trash_many(Contact, actor, contact_ids, names, source, batch)


def contact_restore(*, actor: User, contact_id: int, source: ChangeSource) -> Contact:
    """Bring a trashed card back whole: its phones, e-mails, tags and links never left."""
    with transaction.atomic():
        contact = locked_trashed_card(Contact, actor, contact_id)
        contact.deleted_at = None
        contact.deleted_by = None
        contact.save(update_fields=["deleted_at", "deleted_by"])
        audit_record(actor=actor, source=source, action=AuditAction.RESTORE, obj=contact)
    return contact


def contact_purge(*, contact_id: int, source: ChangeSource, actor: User | None = None) -> None:
    """Delete a trashed card for good, leaving its last state in the journal."""
    with transaction.atomic():
        contact = _locked(contact_id)
        if contact.deleted_at is None:
            raise NotFound
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.PURGE,
            obj=contact,
            changes=diff(snapshot(contact), {}),
        )
        search_index.unindex_contacts([contact.pk])
        contact.delete()


def contact_comment(*, actor: User, contact_id: int, text: str, source: ChangeSource) -> Comment:
    """Add a comment to a card (anyone who may see the card may comment)."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed([FieldError("text", "required", _("Write the comment first."))])
    with transaction.atomic():
        contact = _locked(contact_id)
        ensure_visible_contact(actor, contact, "view")
        comment = Comment.objects.create(contact=contact, author=actor, text=text)
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.UPDATE,
            obj=contact,
            changes={"comment": [None, text]},
        )
    return comment


def _locked(contact_id: int) -> Contact:
    contact = Contact.objects.select_for_update().filter(pk=contact_id).first()
    if contact is None:
        raise NotFound
    return contact


def comments_move(
    *, from_contact_id: int, to_contact_id: int, comment_ids: list[int] | None = None
) -> list[int]:
    """A card's comments go to another card (a merge, or its undo). The caller checks the rights."""
    comments = Comment.objects.filter(contact_id=from_contact_id)
    if comment_ids is not None:
        comments = comments.filter(pk__in=comment_ids)
    moved = list(comments.values_list("pk", flat=True))
    Comment.objects.filter(pk__in=moved).update(contact_id=to_contact_id)
    return moved
