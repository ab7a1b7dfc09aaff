"""The standard fields of a deal an administrator can configure like a custom one: hide it from a type of
deals (a candidate has no amount) or from a role (the amount hidden from support), make it read-only, or
required. The title, the stage, the client and the owner have no such setting: a deal cannot do without
them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from crm.deals.visibility import KIND
from crm.fields.schema import schema_for
from crm.fields.standard import StandardField, register

STANDARD = [
    StandardField("amount", _("Amount")),  # with it go the currency and the lines that make it
    StandardField("expected_close", _("Expected close")),
    StandardField("source", _("Source"), error_field="source_id"),
    StandardField("tags", _("Tags")),
]
KEYS = tuple(f.key for f in STANDARD)


def register_all() -> None:
    register(KIND, STANDARD)


def shown(user: Any, type_id: int | None) -> dict[str, bool]:
    """Which standard fields a deal of this type shows this user (on the type, and not hidden from them)."""
    schema = schema_for(KIND)
    on = {s.key for s in schema.on_type(type_id) if s.standard}
    return {key: key in on and schema.can_see(user, key) for key in KEYS}


def editable(user: Any, type_id: int | None) -> dict[str, bool]:
    """Which of them this user may set on a deal of this type."""
    schema = schema_for(KIND)
    on = {s.key for s in schema.on_type(type_id) if s.standard}
    return {key: key in on and schema.can_edit(user, key) for key in KEYS}


def types_without(key: str) -> list[int]:
    """The types of deals that do not carry this standard field (a candidate has no amount)."""
    return [t.pk for t in schema_for(KIND).types.values() if t.levels.get(key) == "hidden"]
