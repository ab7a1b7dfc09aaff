"""What an export writes for a person or a company: one column per declared exportable field the user may
see, then the custom fields they may see. Values are text as the card shows them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext

from crm.contacts.declarations import declared
from crm.contacts.models import BaseType, Company, Contact
from crm.core.normalize import format_phone
from crm.fields import values as custom_values
from crm.fields.schema import schema_for

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    value: Callable[[Any], str]
    free_text: bool = True  # typed by people (or a file): may start like a formula


def neutralised(text: str) -> str:
    """Formula-like text gets a leading apostrophe, so a spreadsheet shows it and never runs it (OWASP)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _employment(card: Contact) -> Any:
    return next((e for e in card.employments.all() if e.is_primary), None)


def _phones(card: Contact) -> str:
    return "; ".join(format_phone(p.number, p.extension) for p in card.phones.all())


def _emails(card: Contact) -> str:
    return "; ".join(e.address for e in card.emails.all())


def _messengers(card: Contact) -> str:
    return "; ".join(f"{m.kind}: {m.handle}" for m in card.messengers.all())


def _company(card: Contact) -> str:
    employment = _employment(card)
    return employment.company.name if employment else ""


def _position(card: Contact) -> str:
    employment = _employment(card)
    return employment.position if employment else ""


_GETTERS: dict[str, tuple[Callable[[Contact], str], bool]] = {
    "last_name": (lambda c: c.last_name, True),
    "first_name": (lambda c: c.first_name, True),
    "middle_name": (lambda c: c.middle_name, True),
    "phones": (_phones, False),
    "emails": (_emails, False),
    "messengers": (_messengers, True),
    "company_id": (_company, True),
    "position": (_position, True),
    "status_id": (lambda c: c.status.name if c.status else "", True),
    "city": (lambda c: c.city, True),
    "address": (lambda c: c.address, True),
    "birthday": (lambda c: c.birthday_display if c.birth_day else "", False),
    "source": (lambda c: c.source, True),
    "base_type": (lambda c: str(BaseType(c.base_type).label) if c.base_type else "", False),
    "is_key": (lambda c: gettext("yes") if c.is_key else "", False),
    "tags": (lambda c: ", ".join(t.name for t in c.tags.all()), True),
    "notes": (lambda c: c.notes, True),
}


def _owner(card: Contact | Company) -> str:
    return card.owner.get_full_name() or card.owner.get_username() if card.owner else ""


def _text(attr: str) -> tuple[Callable[[Any], str], bool]:
    return (lambda c: getattr(c, attr) or "", True)


_COMPANY_GETTERS: dict[str, tuple[Callable[[Company], str], bool]] = {
    **{
        attr: _text(attr)
        for attr in ("name", "legal_form", "industry", "size", "city", "address", "legal_address", "source")
    },
    **{attr: (lambda c, attr=attr: getattr(c, attr) or "", False) for attr in ("inn", "kpp", "ogrn")},
    "website": (lambda c: c.website, False),
    "phone": (lambda c: format_phone(c.phone, c.phone_ext) if c.phone else "", False),
    "email": (lambda c: c.email, False),
    "owner_id": (_owner, True),
    "is_key": (lambda c: gettext("yes") if c.is_key else "", False),
    "tags": (lambda c: ", ".join(t.name for t in c.tags.all()), True),
    "notes": (lambda c: c.notes, True),
}
_GETTERS["owner_id"] = (_owner, True)


def contact_columns(user: Any) -> list[Column]:
    """The columns this user's export of people has: nothing hidden from their role (R10.3)."""
    return _columns(user, "contact", _GETTERS)


def company_columns(user: Any) -> list[Column]:
    """The columns this user's export of companies has, likewise."""
    return _columns(user, "company", _COMPANY_GETTERS)


def _columns(user: Any, kind: str, getters: dict[str, tuple[Callable[[Any], str], bool]]) -> list[Column]:
    schema = schema_for(kind)
    hidden = schema.hidden_keys(user)
    columns = []
    for decl in declared(kind):
        if not decl.exportable or (decl.config or "") in hidden or decl.attr not in getters:
            continue
        getter, free_text = getters[decl.attr]
        columns.append(Column(decl.attr, str(decl.label), getter, free_text))
    for spec in schema.visible_custom(user):

        def custom(card: Any, spec: Any = spec) -> str:
            return custom_values.display(spec, (card.custom or {}).get(spec.key), schema)

        columns.append(Column(f"custom:{spec.key}", str(spec.label), custom))
    return columns


def row_of(card: Contact | Company, columns: list[Column]) -> list[str]:
    return [neutralised(c.value(card)) if c.free_text else c.value(card) for c in columns]
