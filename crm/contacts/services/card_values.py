"""What the contact and company services derive from the field declarations: the row's own cleaning,
which configurable fields a card fills, the columns a write sets, and the journal's snapshot.

Cleaned values are keyed by the declared attribute; references to other records (owner, status, company)
are cleaned to ids here and resolved by the services' set-based checks, which add the records under
``refs`` (journal key → record). The journal is written from the same cleaned form whether it describes
what a write is about to store or what a card holds, so a create or update never re-reads its own write.
"""

from __future__ import annotations

from typing import Any

from crm.contacts.declarations import declared
from crm.contacts.services.common import canonical
from crm.core.errors import FieldError
from crm.fields import values as custom_values
from crm.fields.schema import Schema


def clean_row(kind: str, data: Any, schema: Schema, errors: list[FieldError]) -> dict[str, Any]:
    """Every declared field of one input, normalised and validated by its kind (no database)."""
    clean: dict[str, Any] = {}
    for decl in declared(kind):
        value = decl.kind.clean(getattr(data, decl.attr), decl, errors)
        if decl.choice_list and value:
            value = canonical(value, schema.list_labels(decl.choice_list))
        clean[decl.attr] = value
    return clean


def assign_columns(kind: str, card: Any, clean: dict[str, Any]) -> None:
    """Set the card's own columns from cleaned values (child rows and references are the services')."""
    for decl in declared(kind):
        if decl.on_card:
            decl.kind.assign(card, decl, clean[decl.attr])  # type: ignore[misc]


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
    for decl in declared(kind):
        if not decl.key:
            continue
        if decl.kind_code == "ref":
            record = refs.get(decl.key)
            result[decl.key] = str(record) if record is not None else None
        else:
            result[decl.key] = decl.kind.journal(values[decl.attr])
    record_type = schema.types.get(record_type_id) if record_type_id else None
    result["record_type"] = record_type.name_ru if record_type else None
    if names is None:
        names = custom_values.user_names(schema, [custom or {}])
    return result | custom_values.journal_values(schema, custom or {}, names)
