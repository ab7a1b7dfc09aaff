"""What the contact and company services derive from the field declarations: the row's own cleaning,
which configurable fields a card fills, the columns a write sets, and the journal's snapshot.

Cleaned values are keyed by the declared attribute; references to other records (owner, status, company)
are cleaned to ids here and resolved by the services' set-based checks, which add the records under
``refs`` (journal key → record). The journal is written from the same cleaned form whether it describes
what a write is about to store or what a card holds, so a create or update never re-reads its own write.
"""

from __future__ import annotations

import functools
import types
from typing import Any

from crm.contacts.declarations import declared
from crm.contacts.services.common import canonical
from crm.core.errors import FieldError, holds_nul, unstorable
from crm.fields import values as custom_values
from crm.fields.schema import Schema


@functools.cache
def _cleaning(kind: str) -> tuple[tuple[Any, ...], ...]:
    """Per declared field: its attribute, its cleaner, and what its empty input cleans to (when that is
    always the same and no error): an input leaves most fields empty, and those need no cleaning."""
    steps = []
    for decl in declared(kind):
        errors: list[FieldError] = []
        empty = decl.empty()
        cleaned = decl.kind.clean(empty, decl, errors)
        steps.append((decl.attr, decl.kind.clean, decl, empty, not errors, cleaned))
    return tuple(steps)


def clean_row(kind: str, data: Any, schema: Schema, errors: list[FieldError]) -> dict[str, Any]:
    """Every declared field of one input, normalised and validated by its kind (no database)."""
    clean: dict[str, Any] = {}
    for attr, cleaner, decl, empty, constant, cleaned in _cleaning(kind):
        raw = getattr(data, attr)
        if constant and raw == empty:
            clean[attr] = cleaned.copy() if type(cleaned) is list else cleaned
            continue
        if holds_nul(raw):  # an import reaches here without the web's guard (core/middleware.py)
            errors.append(unstorable(attr))
            clean[attr] = cleaner(empty, decl, [])
            continue
        value = cleaner(raw, decl, errors)
        if decl.choice_list and value:
            value = canonical(value, schema.list_labels(decl.choice_list))
        clean[attr] = value
    return clean


@functools.cache
def _assigning(kind: str) -> tuple[tuple[Any, Any, str], ...]:
    return tuple((d.kind.assign, d, d.attr) for d in declared(kind) if d.on_card)


def assign_columns(kind: str, card: Any, clean: dict[str, Any]) -> None:
    """Set the card's own columns from cleaned values (child rows and references are the services')."""
    for assign, decl, attr in _assigning(kind):
        assign(card, decl, clean[attr])


def column_values(kind: str, clean: dict[str, Any]) -> dict[str, Any]:
    """The card's own columns from cleaned values, as ``{attname: value}`` (a new card's row)."""
    columns = types.SimpleNamespace()
    assign_columns(kind, columns, clean)
    return vars(columns)


def snapshot(
    kind: str,
    schema: Schema,
    values: dict[str, Any],
    refs: dict[str, Any],
    record_type_id: int | None,
    custom: dict[str, Any] | None,
    names: dict[int, str] | None = None,
) -> dict[str, Any]:
    """What the journal compares: declared values as readable text, references by name, the record type
    and custom values as readable text (``names``: of the users custom values point at, read once for a
    whole batch; read here when not given)."""
    result: dict[str, Any] = {}
    for key, attr, journal in _journaling(kind):
        if journal is None:
            record = refs.get(key)
            result[key] = str(record) if record is not None else None
        else:
            result[key] = journal(values[attr])
    record_type = schema.types.get(record_type_id) if record_type_id else None
    result["record_type"] = record_type.name_ru if record_type else None
    if names is None:
        names = custom_values.user_names(schema, [custom or {}])
    return result | custom_values.journal_values(schema, custom or {}, names)


@functools.cache
def _journaling(kind: str) -> tuple[tuple[str, str, Any], ...]:
    """Per journaled field: its key, attribute and journal form (None: a reference, named by its record)."""
    return tuple(
        (d.key, d.attr, None if d.kind_code == "ref" else d.kind.journal) for d in declared(kind) if d.key
    )
