"""The contact write path as stages over a batch of rows (decision 0006). A single create or update is a
batch of one through the same stages; an import is a batch of thousands.

1. ``clean``: each row alone, no database — normalise and validate every field, collect its errors.
2. ``check``: the rows against the base and each other, one query per kind of check for the whole chunk —
   owners, statuses, companies, and (after the lock on their values) phones and e-mails already on a card
   or on an earlier row of the same batch.
3. ``write``: the new cards and their rows in one set-based insert per table.
4. ``journal``: the journal entries and automatic timeline entries, built from the cleaned values, in bulk,
   under the batch's id.

Each stage leaves a refused row's errors on the row and passes the others on: a bad row never stops the
rest of an import, and nothing of a refused row is stored.
"""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import User
from crm.contacts.declarations import filled, input_attrs, stored_values
from crm.contacts.inputs import ContactInput, contact_input_from
from crm.contacts.models import (
    Company,
    Contact,
    ContactEmail,
    ContactMessenger,
    ContactPhone,
    ContactStatus,
    Employment,
    StatusChange,
)
from crm.contacts.services import search_index, uniqueness
from crm.contacts.services.card_values import assign_columns, clean_row, column_values, snapshot
from crm.contacts.services.common import locked_attrs, owner_in_scope, tags_for_many
from crm.contacts.services.lines import EMAIL_FIELDS, PHONE_FIELDS, write_lines_of
from crm.contacts.signals import cards_written
from crm.core import bulk
from crm.core import normalize as norm
from crm.core.audit import ChangeSource, audit_records, created, diff
from crm.core.errors import DuplicateMatch, FieldError
from crm.core.events import SystemEntry, system_entries
from crm.core.models import AuditAction
from crm.core.names import sound_key
from crm.fields import values as custom_values
from crm.fields.schema import Schema, schema_for


@dataclass
class Row:
    """One card being written: its input, the card it changes (None: a new one), what cleaning made of it,
    and what was wrong with it."""

    data: ContactInput
    current: Contact | None = None
    clean: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)
    matches: list[DuplicateMatch] = field(default_factory=list)
    card: Contact | None = None
    created_at: datetime.datetime | None = None  # a new card's creation in the system it came from

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Batch:
    rows: list[Row]
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def ok(self) -> list[Row]:
        return [row for row in self.rows if row.ok]


# -- 1. clean ---------------------------------------------------------------------------------------------


def clean(actor: User, rows: Iterable[Row]) -> None:
    """Every row alone: normalised and validated, no database (user-type custom fields excepted)."""
    schema = schema_for("contact")
    locked: dict[int | None, list[str]] = {}  # by record type: the same for every row of a type
    plans: dict[int | None, custom_values.WritePlan] = {}
    for row in rows:
        row.clean = _clean_one(actor, schema, row, locked, plans)


def _clean_one(
    actor: User,
    schema: Schema,
    row: Row,
    locked: dict[int | None, list[str]],
    plans: dict[int | None, custom_values.WritePlan],
) -> dict[str, Any]:
    data, current, errors = row.data, row.current, row.errors
    type_id = custom_values.clean_type(
        schema, data.record_type_id, current.record_type_id if current else None, errors
    )
    if type_id not in locked:
        locked[type_id] = locked_attrs(actor, schema, type_id, input_attrs("contact"))
    if locked[type_id]:  # what the actor may not change keeps the card's value (a new card: the default)
        kept = contact_input_from(current) if current is not None else ContactInput()
        for attribute in locked[type_id]:
            setattr(data, attribute, getattr(kept, attribute))
    values = clean_row("contact", data, schema, errors)
    if values["owner_id"] is None:
        values["owner_id"] = current.owner_id if current is not None else actor.pk
    values["name_key"] = norm.name_key(
        " ".join(p for p in (values["last_name"], values["first_name"], values["middle_name"]) if p)
    )
    values["name_sound"] = sound_key(values["last_name"])[:100]
    values["first_sound"] = sound_key(values["first_name"])[:100]
    if values["company_id"] is not None or not values["company_name"]:
        values["company_name"] = ""  # a chosen company wins over a typed name
    if values["company_id"] is None and not values["company_name"]:
        values["position"] = ""  # a position is held at a company
    if not (values["last_name"] or values["first_name"] or values["phones"] or values["emails"]) and not any(
        e.field.startswith(("phones", "emails")) for e in errors
    ):
        errors.append(
            FieldError(
                "last_name",
                "no_identity",
                _("Enter a name, a phone or an e-mail: a card needs at least one."),
            )
        )
    custom_values.clean_configured(
        schema=schema,
        actor=actor,
        type_id=type_id,
        raw=data.custom,
        current=current,
        filled=lambda cleaned, keys: filled("contact", cleaned, keys),
        clean=values,
        errors=errors,
        plans=plans,
    )
    return values


# -- 2. check ---------------------------------------------------------------------------------------------


def check(actor: User, rows: list[Row]) -> None:
    """The rows against the base and each other: one query per kind of reference for all of them, then
    the duplicate guard (inside the caller's transaction, after the lock on the values)."""
    live = [row for row in rows if row.ok]
    _check_owners(actor, live)
    _check_statuses(live)
    _check_companies(actor, live)
    guard_duplicates(actor, [row for row in live if row.ok])


def _check_owners(actor: User, rows: list[Row]) -> None:
    wanted = {row.clean["owner_id"] for row in rows} - {actor.pk}
    users = {u.pk: u for u in User.objects.filter(pk__in=wanted, is_active=True)} if wanted else {}
    users[actor.pk] = actor
    for row in rows:
        row.clean["owner"] = owner_in_scope(actor, users.get(row.clean["owner_id"]), row.errors)


def _check_statuses(rows: list[Row]) -> None:
    wanted = {row.clean["status_id"] for row in rows} - {None}
    statuses = {s.pk: s for s in ContactStatus.objects.filter(pk__in=wanted)} if wanted else {}
    for row in rows:
        status_id = row.clean["status_id"]
        row.clean["status"] = status = statuses.get(status_id) if status_id is not None else None
        unchanged = row.current is not None and row.current.status_id == status_id
        if status_id is not None and (status is None or not (status.is_active or unchanged)):
            row.errors.append(FieldError("status_id", "invalid_choice", _("Choose a status from the list.")))


def _check_companies(actor: User, rows: list[Row]) -> None:
    visible = Company.objects.visible_to(actor)
    by_id_wanted = {row.clean["company_id"] for row in rows} - {None}
    by_id = {c.pk: c for c in visible.filter(pk__in=by_id_wanted)} if by_id_wanted else {}
    keys = {norm.name_key(row.clean["company_name"]) for row in rows if row.clean["company_name"]}
    by_key: dict[str, Company] = {}
    if keys:
        # A typed name means the oldest visible company of that name: only those rows are read (a big base
        # holds thousands of companies sharing a few hundred names).
        firsts = visible.filter(name_key__in=keys).values("name_key").annotate(first=Min("pk"))
        by_key = {c.name_key: c for c in Company.objects.filter(pk__in=firsts.values("first"))}
    may_create = access.has_perm(actor, "company", "create")
    for row in rows:
        values = row.clean
        values["company"], values["new_company_name"] = None, ""
        if values["company_id"] is not None:
            values["company"] = by_id.get(values["company_id"])
            if values["company"] is None:
                row.errors.append(
                    FieldError("company_id", "invalid_company", _("Choose a company you can see."))
                )
        elif values["company_name"]:
            values["company"] = by_key.get(norm.name_key(values["company_name"]))
            if values["company"] is None:
                values["new_company_name"] = values["company_name"]
                if not may_create:
                    row.errors.append(
                        FieldError(
                            "company_id",
                            "cannot_create_company",
                            _("Choose an existing company from the list."),
                        )
                    )


def guard_duplicates(actor: User, rows: list[Row]) -> None:
    """One client, one card: phones and e-mails already on another card, or on an earlier row of this
    batch, refuse the row. The values are locked first (uniqueness.serialise_on), so a concurrent writer
    of the same value waits and then sees this batch's cards."""
    uniqueness.serialise_on(
        [("phone", p["number"]) for row in rows for p in row.clean["phones"] if not p.get("shared")]
        + [("email", e["address"]) for row in rows for e in row.clean["emails"]]
    )
    found = uniqueness.contact_duplicates_many(
        actor, [(row.clean, row.current.pk if row.current else None) for row in rows]
    )
    earlier: dict[str, Row] = {}
    for row, (errors, matches) in zip(rows, found, strict=True):
        row.errors += errors
        row.matches += matches
        keys = _value_keys(row.clean)
        if row.ok:
            for name, key in keys:
                first = earlier.get(key)
                if first is not None:
                    match = DuplicateMatch(
                        kind="contact",
                        pk=0,  # the earlier row's card: known once it is written
                        label=_label(first.clean),
                        field=name,
                        value=key.split(":", 1)[1].split("/", 1)[0],
                        visible=True,
                        in_trash=False,
                        owner_name=str(first.clean["owner"]) if first.clean.get("owner") else "",
                    )
                    row.matches.append(match)
                    message = format_lazy(_("Already belongs to «{label}»."), label=match.label)
                    row.errors.append(FieldError(name, "duplicate", message))
        if row.ok:
            for _name, key in keys:
                earlier[key] = row


def _value_keys(values: dict[str, Any]) -> list[tuple[str, str]]:
    """(error field, value key) of each phone and e-mail of a cleaned row."""
    keys = [
        (f"phones.{i}", f"phone:{p['number']}/{p['extension']}")
        for i, p in enumerate(values["phones"])
        if not p.get("shared")  # several people's: never a reason to refuse (R7.1)
    ]
    return keys + [(f"emails.{i}", f"email:{e['address']}") for i, e in enumerate(values["emails"])]


def _label(values: dict[str, Any]) -> str:
    return " ".join(p for p in (values["last_name"], values["first_name"], values["middle_name"]) if p) or "—"


# -- 3. write and 4. journal (new cards) ------------------------------------------------------------------


def write_new(actor: User, rows: list[Row], source: ChangeSource, batch: uuid.UUID | None) -> None:
    """Insert the new cards of the rows that passed every check, their child rows, the journal and the
    automatic timeline entries: one statement per table for the whole chunk."""
    rows = [row for row in rows if row.ok]
    if not rows:
        return
    now = timezone.now()
    schema = schema_for("contact")
    _create_new_companies(actor, rows, source, batch)
    ids = bulk.allocate_ids(Contact, len(rows))
    tags = tags_for_many([row.clean["tags"] for row in rows])
    records, phones, emails, messengers, employments, changes, links = [], [], [], [], [], [], []
    for row, pk in zip(rows, ids, strict=True):
        values = row.clean
        owner, status = values["owner"], values["status"]
        record = {
            "id": pk,
            "owner_id": owner.pk if owner else None,
            "department_id": owner.department_id if owner else None,
            "created_at": row.created_at or now,
            "updated_at": now,
            "created_by_id": actor.pk,
            "deleted_at": None,
            "deleted_by_id": None,
            "record_type_id": values["record_type_id"],
            "custom": values["custom"],
            "completeness": values["completeness"],
            "last_contact_at": None,
            "orders_count": None,  # the purchase history: kept by the orders' services
            "orders_total": None,
            "orders_max": None,
            "last_order_at": None,
            "name_key": values["name_key"],
            "name_sound": values["name_sound"],
            "first_sound": values["first_sound"],
            "status_id": status.pk if status else None,
            "status_changed_at": now if status else None,
        } | column_values("contact", values)
        records.append(record)
    contacts = bulk.built(Contact, records)
    for row, card, pk in zip(rows, contacts, ids, strict=True):
        values = row.clean
        card._state.fields_cache.update(owner=values["owner"], status=values["status"])
        row.card = card
        for i, p in enumerate(values["phones"]):
            verified = bool(p["verification"])
            phones.append(
                (
                    pk,
                    p["number"],
                    p["extension"],
                    norm.phone_tail(p["number"]),
                    p["kind"],
                    p["is_primary"],
                    p["note"],
                    now if verified else None,
                    actor.pk if verified else None,
                    p["verification"],
                    i,
                    p["shared"],
                )
            )
        for i, e in enumerate(values["emails"]):
            verified = bool(e["verification"])
            emails.append(
                (
                    pk,
                    e["address"],
                    e["kind"],
                    e["is_primary"],
                    now if verified else None,
                    actor.pk if verified else None,
                    e["verification"],
                    i,
                )
            )
        messengers += [(pk, m["kind"], m["handle"], i) for i, m in enumerate(values["messengers"])]
        if values["company"] is not None:
            employments.append((pk, values["company"].pk, values["position"], True))
        if values["status"] is not None:
            changes.append((pk, None, values["status"].pk, now, actor.pk))
        links += [(pk, tags[name.casefold()].pk) for name in values["tags"]]
    bulk.insert_records(Contact, records)
    bulk.insert_rows(ContactPhone, PHONE_COLUMNS, phones)
    bulk.insert_rows(ContactEmail, EMAIL_COLUMNS, emails)
    bulk.insert_rows(ContactMessenger, ("contact_id", "kind", "handle", "position"), messengers)
    bulk.insert_rows(Employment, ("contact_id", "company_id", "position", "is_primary"), employments)
    bulk.insert_rows(StatusChange, ("contact_id", "from_status_id", "to_status_id", "at", "by_id"), changes)
    bulk.insert_rows(Contact.tags.through, ("contact_id", "tag_id"), links)
    search_index.index_contacts(contacts, new=True)
    written = [int(pk) for pk in ids]
    transaction.on_commit(lambda: cards_written.send(sender=Contact, kind="contact", ids=written))
    names = custom_values.user_names(schema, [row.clean["custom"] for row in rows])
    audit_records(
        actor=actor,
        source=source,
        action=AuditAction.CREATE,
        batch=batch,
        items=[
            (card, created(journal_of(row.clean, schema, names)))
            for row, card in zip(rows, contacts, strict=True)
        ],
    )
    system_entries(
        [
            SystemEntry(
                summary=_("Status: %(from)s → %(to)s") % {"from": "—", "to": str(row.clean["status"])},
                actor=actor,
                contact_id=row.card.pk,
                about_field="contact.status",
            )
            for row in rows
            if row.card is not None and row.card.status_id
        ]
    )


# -- 3. write and 4. journal (changed cards) --------------------------------------------------------------


def write_changed(actor: User, rows: list[Row], source: ChangeSource, batch: uuid.UUID | None) -> None:
    """Write the cards the rows change (each row's ``current``, locked by the caller) that passed every
    check: their columns, child rows, employment, tags, status history, search entries, the journal of
    what changed and the automatic timeline entries, a few statements per table for the whole chunk.
    Verification marks survive for values that did not change."""
    written = [(row, row.current) for row in rows if row.ok and row.current is not None]
    if not written:
        return
    now = timezone.now()
    schema = schema_for("contact")
    ids = [card.pk for _row, card in written]
    primaries: dict[int, list[Employment]] = {}
    for employment in (
        Employment.objects.filter(contact_id__in=ids, is_primary=True)
        .select_related("company")
        .order_by("pk")
    ):
        primaries.setdefault(employment.contact_id, []).append(employment)
    customs = [card.custom or {} for _row, card in written] + [row.clean["custom"] for row, _card in written]
    names = custom_values.user_names(schema, customs)
    before = [stored_snapshot(card, primaries.get(card.pk, []), schema, names) for _row, card in written]
    _create_new_companies(actor, [row for row, _card in written], source, batch)
    previous = {card.pk: card.status_id for _row, card in written}
    columns = [*column_values("contact", written[0][0].clean), *_CHANGED_FIELDS]
    # Each card's UPDATE sets only the columns whose value changed (an import changes one or two): a
    # column set, even to its own value, makes the database rewrite that column's index entries.
    by_change: dict[tuple[str, ...], list[Contact]] = {}
    for row, card in written:
        old = [getattr(card, name) for name in columns]
        _assign(card, row.clean, now)
        moved = tuple(name for name, was in zip(columns, old, strict=True) if getattr(card, name) != was)
        by_change.setdefault(moved, []).append(card)
    for moved, cards in by_change.items():
        bulk.update_objects(Contact, cards, moved)
    write_lines_of(
        actor, [(card, row.clean) for row, card in written], ContactPhone, ContactEmail, now, False
    )
    ContactMessenger.objects.filter(contact_id__in=ids).delete()
    messengers = [
        (card.pk, m["kind"], m["handle"], i)
        for row, card in written
        for i, m in enumerate(row.clean["messengers"])
    ]
    bulk.insert_rows(ContactMessenger, ("contact_id", "kind", "handle", "position"), messengers)
    _replace_tags(written)
    _replace_primary_companies(written, primaries)
    _status_changes(actor, written, previous, now)
    search_index.index_contacts([card for _row, card in written])
    for _row, card in written:  # rows read with the cards (``contacts_update``) are not theirs any more
        card.__dict__.pop("_prefetched_objects_cache", None)
    changed = []
    for (row, card), stored in zip(written, before, strict=True):
        changes = diff(stored, journal_of(row.clean, schema, names))
        if changes:
            changed.append((card, changes))
    audit_records(actor=actor, source=source, action=AuditAction.UPDATE, batch=batch, items=changed)
    touched = [card.pk for card, _changes in changed]
    if touched:
        transaction.on_commit(lambda: cards_written.send(sender=Contact, kind="contact", ids=touched))


_CHANGED_FIELDS = (
    *("record_type_id", "custom", "completeness", "status_id", "owner_id", "department_id", "name_key"),
    *("name_sound", "first_sound", "updated_at", "status_changed_at"),
)


def _assign(card: Contact, clean: dict[str, Any], now: datetime.datetime) -> None:
    assign_columns("contact", card, clean)
    for name in ("record_type_id", "custom", "completeness"):
        setattr(card, name, clean[name])
    status_changed = card.status_id != (clean["status"].pk if clean["status"] else None)
    card.status = clean["status"]
    card.owner = clean["owner"]
    card.department_id = clean["owner"].department_id if clean["owner"] else None
    card.name_key, card.name_sound = clean["name_key"], clean["name_sound"]
    card.first_sound = clean["first_sound"]
    card.updated_at = now
    if status_changed and card.status_id:
        card.status_changed_at = now


def stored_snapshot(
    card: Contact, primaries: list[Employment], schema: Schema, names: dict[int, str] | None = None
) -> dict[str, Any]:
    """What the journal compares for a card as stored (its first primary employment's company)."""
    refs = {
        "owner": card.owner,
        "status": card.status,
        "company": primaries[0].company if primaries else None,
    }
    values = stored_values("contact", card)
    return snapshot("contact", schema, values, refs, card.record_type_id, card.custom, names)


def _replace_tags(written: list[tuple[Row, Contact]]) -> None:
    """Each card's tags become the row's: links no longer wanted removed, new ones added."""
    tags = tags_for_many([row.clean["tags"] for row, _card in written])
    wanted = {(card.pk, tags[name.casefold()].pk) for row, card in written for name in row.clean["tags"]}
    links = Contact.tags.through.objects
    ids = [card.pk for _row, card in written]
    held = {
        (c, t): pk for pk, c, t in links.filter(contact_id__in=ids).values_list("pk", "contact_id", "tag_id")
    }
    links.filter(pk__in=[pk for link, pk in held.items() if link not in wanted]).delete()
    bulk.insert_rows(Contact.tags.through, ("contact_id", "tag_id"), sorted(wanted - set(held)))


def _replace_primary_companies(
    written: list[tuple[Row, Contact]], primaries: dict[int, list[Employment]]
) -> None:
    """Each card works at the row's company (its primary employment, with the row's position): another
    primary employment is removed, one at that company kept and updated, or made."""
    company_of = {card.pk: row.clean["company"] for row, card in written}
    gone = [
        e.pk
        for card_id, held in primaries.items()
        for e in held
        if company_of[card_id] is None or e.company_id != company_of[card_id].pk
    ]
    Employment.objects.filter(pk__in=gone).delete()
    wanted = {
        (card.pk, row.clean["company"].pk): row.clean["position"]
        for row, card in written
        if row.clean["company"] is not None
    }
    if not wanted:
        return
    existing: dict[tuple[int, int], Employment] = {}
    for held_at in Employment.objects.filter(
        contact_id__in={card for card, _company in wanted},
        company_id__in={company for _card, company in wanted},
    ).order_by("pk"):
        existing.setdefault((held_at.contact_id, held_at.company_id), held_at)
    for key, employment in existing.items():
        employment.position, employment.is_primary = wanted[key], True
    bulk.update_objects(Employment, list(existing.values()), ["position", "is_primary"])
    new = [
        (card, company, position, True)
        for (card, company), position in wanted.items()
        if (card, company) not in existing
    ]
    bulk.insert_rows(Employment, ("contact_id", "company_id", "position", "is_primary"), new)


def _status_changes(
    actor: User, written: list[tuple[Row, Contact]], previous: dict[int, int | None], now: datetime.datetime
) -> None:
    """A status history row and an automatic timeline entry for each card whose status changed."""
    moved = [
        (card.pk, previous[card.pk], card.status_id)
        for _row, card in written
        if previous[card.pk] != card.status_id
    ]
    if not moved:
        return
    bulk.insert_rows(
        StatusChange,
        ("contact_id", "from_status_id", "to_status_id", "at", "by_id"),
        [(card_id, old, new, now, actor.pk) for card_id, old, new in moved],
    )
    wanted = {s for _card, old, new in moved for s in (old, new) if s is not None}
    names: dict[int | None, str] = dict(ContactStatus.objects.filter(pk__in=wanted).values_list("pk", "name"))
    system_entries(
        [
            SystemEntry(
                summary=_("Status: %(from)s → %(to)s")
                % {"from": names.get(old, "—"), "to": names.get(new, "—")},
                actor=actor,
                contact_id=card_id,
                about_field="contact.status",
            )
            for card_id, old, new in moved
        ]
    )


PHONE_COLUMNS = ("contact_id", *PHONE_FIELDS)
EMAIL_COLUMNS = ("contact_id", *EMAIL_FIELDS)


def _create_new_companies(
    actor: User, rows: list[Row], source: ChangeSource, batch: uuid.UUID | None
) -> None:
    """Companies typed by name that do not exist yet: one per name, created (and journaled) with the first
    row's owner in one insert, then linked to every row that named it."""
    from crm.contacts.services.company import companies_named

    first: dict[str, tuple[str, Any]] = {}
    for row in rows:
        name = row.clean["new_company_name"]
        if name:
            first.setdefault(norm.name_key(name), (name, row.clean["owner"]))
    if not first:
        return
    made = dict(
        zip(
            first,
            companies_named(actor=actor, names=list(first.values()), source=source, batch=batch),
            strict=True,
        )
    )
    for row in rows:
        if row.clean["new_company_name"]:
            row.clean["company"] = made[norm.name_key(row.clean["new_company_name"])]


def journal_of(
    values: dict[str, Any], schema: Schema | None = None, names: dict[int, str] | None = None
) -> dict[str, Any]:
    """The journal's snapshot of what a write stores, from its cleaned values (nothing is read back)."""
    refs = {"owner": values["owner"], "status": values["status"], "company": values["company"]}
    schema = schema or schema_for("contact")
    return snapshot("contact", schema, values, refs, values["record_type_id"], values["custom"], names)


def point_in_batch_matches(rows: list[Row]) -> None:
    """A row refused for a value an earlier row of its batch holds names that row's card, now written."""
    written = {key: row.card.pk for row in rows if row.card is not None for _f, key in _value_keys(row.clean)}
    for row in rows:
        if any(match.pk == 0 for match in row.matches):
            keys = dict(_value_keys(row.clean))
            row.matches = [
                dataclasses.replace(m, pk=written.get(keys[m.field], 0)) if m.pk == 0 else m
                for m in row.matches
            ]
