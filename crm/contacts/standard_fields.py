"""The standard fields of contacts and companies that an administrator can configure (R1.3, R10.3).

Names, the base type and the responsible manager are not here: a card cannot do without them.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from crm.fields.standard import StandardField, register

CONTACT_FIELDS = [
    StandardField("phones", _("Phones")),
    StandardField("emails", _("E-mails")),
    StandardField("messengers", _("Messengers")),
    StandardField("company", _("Company and position"), error_field="company_id"),
    StandardField("status", _("Status"), error_field="status_id"),
    StandardField("city", _("City")),
    StandardField("address", _("Address")),
    StandardField("birthday", _("Birthday")),
    StandardField("source", _("Source")),
    StandardField("tags", _("Tags")),
    StandardField("notes", _("Notes")),
    StandardField("is_key", _("Key client"), can_require=False),
]
COMPANY_FIELDS = [
    StandardField("legal_form", _("Legal form")),
    StandardField("inn", _("INN")),
    StandardField("kpp", _("KPP")),
    StandardField("ogrn", _("OGRN")),
    StandardField("industry", _("Industry")),
    StandardField("website", _("Website")),
    StandardField("size", _("Size")),
    StandardField("phone", _("Phone")),
    StandardField("email", _("E-mail")),
    StandardField("city", _("City")),
    StandardField("address", _("Address")),
    StandardField("source", _("Source")),
    StandardField("tags", _("Tags")),
    StandardField("notes", _("Notes")),
    StandardField("is_key", _("Key client"), can_require=False),
]
# The input attributes behind each configurable standard field (what a form or the API writes).
CONTACT_INPUTS: dict[str, tuple[str, ...]] = {
    "phones": ("phones",),
    "emails": ("emails",),
    "messengers": ("messengers",),
    "company": ("company_id", "company_name", "position"),
    "status": ("status_id",),
    "city": ("city",),
    "address": ("address",),
    "birthday": ("birthday",),
    "source": ("source",),
    "tags": ("tags",),
    "notes": ("notes",),
    "is_key": ("is_key",),
}
COMPANY_INPUTS: dict[str, tuple[str, ...]] = {f.key: (f.key,) for f in COMPANY_FIELDS}
# The API's output keys of the same fields (absent from a response when hidden for the role).
CONTACT_OUTPUTS = {
    key: tuple(a for a in names if a != "company_name") for key, names in CONTACT_INPUTS.items()
}
COMPANY_OUTPUTS = COMPANY_INPUTS | {"phone": ("phone", "phone_extension")}
# Journal keys that belong to a standard field of another name (hidden together with it).
JOURNAL_ALIASES = {"position": "company"}


def register_all() -> None:
    register("contact", CONTACT_FIELDS)
    register("company", COMPANY_FIELDS)


def contact_filled(clean: dict[str, Any]) -> dict[str, bool]:
    """Which standard fields a contact's cleaned values fill (completeness, required checks)."""
    return {
        "phones": bool(clean.get("phones")),
        "emails": bool(clean.get("emails")),
        "messengers": bool(clean.get("messengers")),
        "company": clean.get("company") is not None or bool(clean.get("new_company_name")),
        "status": clean.get("status") is not None,
        "city": bool(clean.get("city")),
        "address": bool(clean.get("address")),
        "birthday": bool(clean.get("birth_day")),
        "source": bool(clean.get("source")),
        "tags": bool(clean.get("tags")),
        "notes": bool(clean.get("notes")),
        "is_key": True,
    }


def company_filled(clean: dict[str, Any]) -> dict[str, bool]:
    keys = [f.key for f in COMPANY_FIELDS]
    return {key: bool(clean.get(key)) for key in keys} | {"is_key": True}


def contact_filled_from(contact: Any) -> dict[str, bool]:
    """The same as ``contact_filled`` for a saved card (uses the card's prefetched rows)."""
    primary = next((e for e in contact.employments.all() if e.is_primary), None)
    values = {name: getattr(contact, name) for name in ("city", "address", "birth_day", "source", "notes")}
    return contact_filled(
        values
        | {
            "phones": list(contact.phones.all()),
            "emails": list(contact.emails.all()),
            "messengers": list(contact.messengers.all()),
            "company": primary,
            "status": contact.status_id,
            "tags": list(contact.tags.all()),
        }
    )


def company_filled_from(company: Any) -> dict[str, bool]:
    """The same as ``company_filled`` for a saved card."""
    values = {f.key: getattr(company, f.key, "") for f in COMPANY_FIELDS if f.key != "tags"}
    return company_filled(values | {"tags": list(company.tags.all())})
