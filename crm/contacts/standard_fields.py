"""The standard fields of contacts and companies that an administrator can configure (R1.3, R10.3),
derived from the field declarations (``declarations.py``): every declared field with a ``config`` key.

Names, the base type and the responsible manager have none: a card cannot do without them.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from crm.contacts.declarations import (
    configurable,
    filled,
    input_attrs,
    journal_aliases,
    output_attrs,
    stored_values,
)
from crm.fields.standard import StandardField, register


def standard_fields_of(kind: str) -> list[StandardField]:
    group_labels = {"company": _("Company and position")}
    fields = []
    for key, decls in configurable(kind).items():
        first = decls[0]
        fields.append(
            StandardField(
                key,
                group_labels.get(key, first.label) if kind == "contact" else first.label,
                error_field=first.attr if first.attr != key else "",
                can_require=first.kind_code != "flag",  # a flag has no "empty" to require against
            )
        )
    return fields


CONTACT_INPUTS = input_attrs("contact")
COMPANY_INPUTS = input_attrs("company")
CONTACT_OUTPUTS = output_attrs("contact")
COMPANY_OUTPUTS = output_attrs("company")
JOURNAL_ALIASES = journal_aliases("contact") | journal_aliases("company")


def register_all() -> None:
    register("contact", standard_fields_of("contact"))
    register("company", standard_fields_of("company"))


def contact_filled_from(contact: Any) -> dict[str, bool]:
    """Which configurable fields a saved card fills (uses the card's prefetched rows)."""
    return filled("contact", stored_values("contact", contact))


def company_filled_from(company: Any) -> dict[str, bool]:
    return filled("company", stored_values("company", company))
