"""A card's phones and e-mails as child rows, for people and companies alike: replaced on every write,
with a verification mark kept for a value that did not change."""

from __future__ import annotations

import datetime
from typing import Any

from crm.accounts.models import User
from crm.contacts.models import ContactEmail, ContactPhone
from crm.core import normalize as norm


def write_lines(
    actor: User,
    card: Any,
    phone_model: Any,
    email_model: Any,
    clean: dict[str, Any],
    now: datetime.datetime,
    creating: bool,
) -> None:
    """Replace the card's phone and e-mail rows with the cleaned ones (one insert each)."""
    write_lines_of(actor, [(card, clean)], phone_model, email_model, now, creating)


def write_lines_of(
    actor: User,
    written: list[tuple[Any, dict[str, Any]]],
    phone_model: Any,
    email_model: Any,
    now: datetime.datetime,
    creating: bool,
) -> None:
    """``write_lines`` for many cards of one kind at once: (card, cleaned values) each; one query per
    table to read the old rows, one to delete them, one insert."""
    if not written:
        return
    field = written[0][0]._meta.model_name  # "contact" or "company"
    ids = [card.pk for card, _clean in written]
    old_phones: dict[tuple[int, str, str], Any] = {}
    old_emails: dict[tuple[int, str], Any] = {}
    if not creating:  # a new card has no rows to keep marks from or to replace
        held = {f"{field}_id__in": ids}
        old_phones = {
            (getattr(p, f"{field}_id"), p.number, p.extension): p for p in phone_model.objects.filter(**held)
        }
        old_emails = {(getattr(e, f"{field}_id"), e.address): e for e in email_model.objects.filter(**held)}
        phone_model.objects.filter(**held).delete()
        email_model.objects.filter(**held).delete()
    phone_model.objects.bulk_create(
        phone_model(
            **{field: card},
            number=p["number"],
            extension=p["extension"],
            tail=norm.phone_tail(p["number"]),
            kind=p["kind"],
            is_primary=p["is_primary"],
            note=p["note"],
            is_shared=p["shared"],
            position=i,
            **_verification(
                old_phones.get((card.pk, p["number"], p["extension"])), p["verification"], actor, now
            ),
        )
        for card, clean in written
        for i, p in enumerate(clean["phones"])
    )
    email_model.objects.bulk_create(
        email_model(
            **{field: card},
            address=e["address"],
            kind=e["kind"],
            is_primary=e["is_primary"],
            position=i,
            **_verification(old_emails.get((card.pk, e["address"])), e["verification"], actor, now),
        )
        for card, clean in written
        for i, e in enumerate(clean["emails"])
    )


def _verification(old: Any, method: str, actor: User, now: datetime.datetime) -> dict[str, Any]:
    if not method:
        return {"verified_at": None, "verified_by": None, "verification_method": ""}
    if old is not None and old.verified_at and old.verification_method == method:
        return {
            "verified_at": old.verified_at,
            "verified_by_id": old.verified_by_id,
            "verification_method": method,
        }
    return {"verified_at": now, "verified_by": actor, "verification_method": method}


# A phone's and an e-mail's stored columns besides the card they belong to (in the order the batch write
# path builds its rows).
PHONE_FIELDS = (
    "number",
    "extension",
    "tail",
    "kind",
    "is_primary",
    "note",
    "verified_at",
    "verified_by_id",
    "verification_method",
    "position",
    "is_shared",
)
EMAIL_FIELDS = (
    "address",
    "kind",
    "is_primary",
    "verified_at",
    "verified_by_id",
    "verification_method",
    "position",
)


def contact_lines_release(contact: Any) -> dict[str, list[dict[str, Any]]]:
    """Take a person's phone and e-mail rows off their card, exactly as they are (verification marks
    included), and return them: a merge hands them to the surviving card, which may hold them only once
    this one lets them go (one phone, one card), and its undo gives them back (``contact_lines_return``)."""
    taken = {
        "phones": list(ContactPhone.objects.filter(contact=contact).values(*PHONE_FIELDS)),
        "emails": list(ContactEmail.objects.filter(contact=contact).values(*EMAIL_FIELDS)),
    }
    ContactPhone.objects.filter(contact=contact).delete()
    ContactEmail.objects.filter(contact=contact).delete()
    return taken


def contact_lines_return(contact_id: int, taken: dict[str, list[dict[str, Any]]]) -> None:
    """Give a card back the rows ``contact_lines_release`` took off it."""
    ContactPhone.objects.bulk_create(ContactPhone(contact_id=contact_id, **p) for p in taken["phones"])
    ContactEmail.objects.bulk_create(ContactEmail(contact_id=contact_id, **e) for e in taken["emails"])
