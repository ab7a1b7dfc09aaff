"""The shape of what a contact or company write receives, shared by the UI, the API, demo data and tests.

Values are raw text as a person typed them; services normalise and validate them. The classes are made
from the field declarations (``declarations.py``), plus what every configurable card carries: its record
type and its custom values.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from crm.contacts.declarations import declared
from crm.contacts.kinds import CompanyPhoneInput, EmailInput, MessengerInput, PhoneInput

if TYPE_CHECKING:
    from crm.contacts.models import Company, Contact


def _input_class(name: str, kind: str) -> type:
    fields: list[Any] = [
        (d.attr, d.kind.api_type, dataclasses.field(default_factory=d.empty)) for d in declared(kind)
    ]
    fields += [
        # None: the card's type (a new card: the first active type).
        ("record_type_id", int | None, dataclasses.field(default=None)),
        # Custom values by key; a key not given keeps the card's value (a new card: the field's default).
        ("custom", dict[str, Any], dataclasses.field(default_factory=dict)),
    ]
    cls = dataclasses.make_dataclass(name, fields)
    cls.__module__ = __name__
    return cls


if TYPE_CHECKING:
    # Made at run time from the declarations; the type checker sees inputs with any declared attribute.
    class _CardInput:
        record_type_id: int | None
        custom: dict[str, Any]

        def __init__(self, **values: Any) -> None: ...
        def __getattr__(self, name: str) -> Any: ...
        def __setattr__(self, name: str, value: Any) -> None: ...

    class ContactInput(_CardInput): ...

    class CompanyInput(_CardInput): ...

else:
    ContactInput = _input_class("ContactInput", "contact")
    CompanyInput = _input_class("CompanyInput", "company")

INPUT_CLASSES: dict[str, Any] = {"contact": ContactInput, "company": CompanyInput}


def input_from(kind: str, card: Any) -> Any:
    """The current values of a card, as the edit form shows them (custom values: none, so a write that
    does not name a custom key keeps it)."""
    values = {d.attr: d.as_input(card) for d in declared(kind)}
    return INPUT_CLASSES[kind](**values, record_type_id=card.record_type_id, custom={})


_ROW_CLASSES: dict[str, dict[str, type]] = {
    "contact": {"phones": PhoneInput, "emails": EmailInput, "messengers": MessengerInput},
    "company": {"phones": CompanyPhoneInput, "emails": EmailInput},
}


def _input_of(kind: str, values: dict[str, Any]) -> Any:
    """A card's input back from its plain form (``dataclasses.asdict``, as an import's undo or a merge
    keeps it in JSON)."""
    values = dict(values)
    for name, cls in _ROW_CLASSES[kind].items():
        values[name] = [cls(**item) for item in values.get(name, [])]
    return INPUT_CLASSES[kind](**values)


def contact_input_of(values: dict[str, Any]) -> ContactInput:
    return _input_of("contact", values)  # type: ignore[no-any-return]


def company_input_of(values: dict[str, Any]) -> CompanyInput:
    """As ``contact_input_of``. Kept before a company's lines became rows, it holds one ``phone`` and one
    ``email``: they become its first rows."""
    values = dict(values)
    phone, email = values.pop("phone", ""), values.pop("email", "")
    values.setdefault("phones", [{"value": phone, "is_primary": True}] if phone else [])
    values.setdefault("emails", [{"value": email, "is_primary": True}] if email else [])
    return _input_of("company", values)  # type: ignore[no-any-return]


def contact_input_from(contact: Contact) -> ContactInput:
    return input_from("contact", contact)  # type: ignore[no-any-return]


def company_input_from(company: Company) -> CompanyInput:
    return input_from("company", company)  # type: ignore[no-any-return]


__all__ = [
    "CompanyInput",
    "CompanyPhoneInput",
    "ContactInput",
    "EmailInput",
    "MessengerInput",
    "PhoneInput",
    "company_input_from",
    "company_input_of",
    "contact_input_from",
    "contact_input_of",
    "input_from",
]
