"""The shape of what a contact or company write receives, shared by the UI, the API, demo data and tests.

Values are raw text as a person typed them; services normalise and validate them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crm.contacts.models import Company, Contact


@dataclass
class PhoneInput:
    value: str
    kind: str = "mobile"
    is_primary: bool = False
    verification: str = ""  # "", "call", "reply" or "code"


@dataclass
class EmailInput:
    value: str
    kind: str = "work"
    is_primary: bool = False
    verification: str = ""


@dataclass
class MessengerInput:
    kind: str
    handle: str


@dataclass
class ContactInput:
    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    phones: list[PhoneInput] = field(default_factory=list)
    emails: list[EmailInput] = field(default_factory=list)
    messengers: list[MessengerInput] = field(default_factory=list)
    city: str = ""
    address: str = ""
    birthday: str = ""
    source: str = ""
    owner_id: int | None = None
    base_type: str = "lead"
    status_id: int | None = None
    is_key: bool = False
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    company_id: int | None = None
    company_name: str = ""  # used when no company_id: an existing company of that name, or a new one
    position: str = ""
    record_type_id: int | None = None  # None: the card's type (a new card: the first active type)
    # Custom values by key; a key not given keeps the card's value (a new card: the field's default).
    custom: dict[str, Any] = field(default_factory=dict)


@dataclass
class CompanyInput:
    name: str = ""
    legal_form: str = ""
    inn: str = ""
    kpp: str = ""
    ogrn: str = ""
    industry: str = ""
    website: str = ""
    size: str = ""
    phone: str = ""
    email: str = ""
    city: str = ""
    address: str = ""
    source: str = ""
    owner_id: int | None = None
    is_key: bool = False
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    record_type_id: int | None = None
    custom: dict[str, Any] = field(default_factory=dict)


def contact_input_from(contact: Contact) -> ContactInput:
    """The current values of a card, as the edit form shows them."""
    employment = next((e for e in contact.employments.all() if e.is_primary), None)
    from crm.core.normalize import format_phone

    return ContactInput(
        last_name=contact.last_name,
        first_name=contact.first_name,
        middle_name=contact.middle_name,
        phones=[
            PhoneInput(
                value=format_phone(p.number, p.extension),
                kind=p.kind,
                is_primary=p.is_primary,
                verification=p.verification_method,
            )
            for p in contact.phones.all()
        ],
        emails=[
            EmailInput(
                value=e.address, kind=e.kind, is_primary=e.is_primary, verification=e.verification_method
            )
            for e in contact.emails.all()
        ],
        messengers=[MessengerInput(kind=m.kind, handle=m.handle) for m in contact.messengers.all()],
        city=contact.city,
        address=contact.address,
        birthday=contact.birthday_display,
        source=contact.source,
        owner_id=contact.owner_id,
        base_type=contact.base_type,
        status_id=contact.status_id,
        is_key=contact.is_key,
        tags=[t.name for t in contact.tags.all()],
        notes=contact.notes,
        company_id=employment.company_id if employment else None,
        position=employment.position if employment else "",
        record_type_id=contact.record_type_id,
        custom={},  # keys not given keep the stored values
    )


def company_input_from(company: Company) -> CompanyInput:
    from crm.core.normalize import format_phone

    return CompanyInput(
        **{
            name: getattr(company, name)
            for name in (
                "name",
                "legal_form",
                "inn",
                "kpp",
                "ogrn",
                "industry",
                "website",
                "size",
                "email",
                "city",
                "address",
                "source",
                "notes",
                "is_key",
                "owner_id",
            )
        },
        phone=format_phone(company.phone, company.phone_ext) if company.phone else "",
        tags=[t.name for t in company.tags.all()],
        record_type_id=company.record_type_id,
        custom={},
    )
