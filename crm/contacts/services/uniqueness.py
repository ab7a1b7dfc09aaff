"""One client, one card: the duplicate rule for phones, e-mails and INNs, and the lock that makes it hold
when writers race.

The rule lives here, in Python, once: trashed cards count; an office line with another extension is
another person; branches share an INN but differ by KPP. A check is only as good as its isolation, so
every write calls ``serialise_on`` and the lookups inside its own transaction (``guard_company``, and
the contact rows' ``guard_duplicates``), which first serialises the writers of the same
normalised values and then looks them up:

- PostgreSQL: a transaction-scoped advisory lock per value (``pg_advisory_xact_lock``), taken in one
  statement, in ascending order so that two writers sharing several values cannot deadlock. A second
  writer of the same phone waits until the first commits, then its check sees the first card (READ
  COMMITTED takes a new snapshot per statement). Advisory locks live in the server's shared lock table
  (about ``max_locks_per_transaction`` × connections entries for every session together), which an
  import chunk of thousands of values would exhaust ("out of shared memory"). So the locks are two-level:
  a writer of a few values holds the shared ``ALL_VALUES`` lock and one lock per value; a writer of many
  holds ``ALL_VALUES`` alone, exclusively, and so waits for (and holds off) every other writer.
- SQLite: nothing to take. Transactions begin IMMEDIATE (settings), so a write transaction is held
  from BEGIN and writers run one at a time; the check inside it sees every committed card.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import User
from crm.contacts.models import Company, CompanyEmail, CompanyPhone, Contact, ContactEmail, ContactPhone
from crm.core.errors import DuplicateFound, DuplicateMatch, FieldError


def lock_key(kind: str, value: str) -> int:
    """A stable signed 64-bit number for an advisory lock on one normalised value."""
    digest = hashlib.blake2b(f"{kind}:{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


ALL_VALUES = lock_key("all", "values")
MANY_VALUES = 64  # past this, one exclusive lock instead of a lock per value (see the module's note)


def serialise_on(values: Iterable[tuple[str, str]]) -> None:
    """Hold, until the current transaction ends, a lock per (kind, value): writers of the same phone,
    e-mail or INN run their check one after another. Must be called inside ``transaction.atomic``."""
    if connection.vendor != "postgresql":
        return  # SQLite: the IMMEDIATE transaction already serialises every writer
    keys = sorted({lock_key(kind, value) for kind, value in values if value})
    if not keys:
        return
    with connection.cursor() as cursor:
        if len(keys) > MANY_VALUES:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ALL_VALUES])
            return
        # unnest returns the array in order: the shared lock on every value first, then each value's
        # lock in ascending order (no deadlock).
        cursor.execute(
            "SELECT count(CASE WHEN n = 1 THEN pg_advisory_xact_lock_shared(k)"
            " ELSE pg_advisory_xact_lock(k) END) FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(k, n)",
            [[ALL_VALUES, *keys]],
        )


def guard_company(actor: User, clean: dict[str, Any], exclude_id: int | None) -> None:
    """Inside the write's transaction: refuse an INN (and KPP, for branches), a line or an e-mail another
    company holds. A company's line is checked against companies only: people give their office's
    number as their own, so a person holding it is no duplicate of the company."""
    serialise_on(
        [("inn", clean["inn"])]
        + [("company-phone", p["number"]) for p in clean["phones"] if not p["shared"]]
        + [("company-email", e["address"]) for e in clean["emails"]]
    )
    errors, matches = company_duplicates(actor, clean["inn"], clean["kpp"], exclude_id)
    lines_errors, lines_matches = _company_lines_held(actor, clean, exclude_id)
    if errors or lines_errors:
        raise DuplicateFound(errors + lines_errors, matches + lines_matches)


def _company_lines_held(
    actor: User, clean: dict[str, Any], exclude_id: int | None
) -> tuple[list[FieldError], list[DuplicateMatch]]:
    """The company's phones (not marked shared, on either side) and e-mails another company holds."""
    matches: list[DuplicateMatch] = []
    wanted = {(p["number"], p["extension"]): i for i, p in enumerate(clean["phones"]) if not p["shared"]}
    if wanted:
        held = CompanyPhone.objects.filter(
            number__in={number for number, _ext in wanted}, is_shared=False
        ).select_related("company", "company__owner")
        for row in _without(held, "company_id", exclude_id):
            index = wanted.get((row.number, row.extension))
            if index is not None:
                matches.append(duplicate_match(actor, row.company, "company", f"phones.{index}", row.number))
    addresses = {e["address"]: i for i, e in enumerate(clean["emails"])}
    if addresses:
        held_e = CompanyEmail.objects.filter(address__in=addresses).select_related(
            "company", "company__owner"
        )
        for row_e in _without(held_e, "company_id", exclude_id):
            index = addresses[row_e.address]
            matches.append(duplicate_match(actor, row_e.company, "company", f"emails.{index}", row_e.address))
    return [FieldError(m.field, "duplicate", _duplicate_message(m)) for m in matches], matches


def duplicate_match(actor: User, record: Any, kind: str, field: str, value: str) -> DuplicateMatch:
    """The card holding ``value`` as a refusal names it: to the actor, only as much as they may see."""
    return DuplicateMatch(
        kind=kind,
        pk=record.pk,
        label=str(record),
        field=field,
        value=value,
        visible=access.may_touch(actor, record, kind, "view"),
        in_trash=record.deleted_at is not None,
        owner_name=str(record.owner) if record.owner_id else "",
    )


def _without(queryset: Any, field: str, value: int | None) -> Any:
    """The queryset without the record being edited, if any."""
    return queryset.exclude(**{field: value}) if value is not None else queryset


def contact_duplicates_many(
    actor: User, rows: list[tuple[dict[str, Any], int | None]]
) -> list[tuple[list[FieldError], list[DuplicateMatch]]]:
    """``contact_duplicates`` for many cleaned rows (each with the id of the card it edits, if any): two
    queries for all of them, whatever their number."""
    # A phone marked shared (a switchboard, a family phone), on the row or on the card holding it, is
    # several people's: never a reason to refuse (R7.1).
    numbers = {p["number"] for values, _pk in rows for p in values["phones"] if not p.get("shared")}
    addresses = {e["address"] for values, _pk in rows for e in values["emails"]}
    # Who holds each value, as plain ids first: a re-import's rows find their own cards' values, which
    # are no duplicates, and only the cards holding someone else's are read whole.
    phones: dict[str, list[tuple[str, int]]] = {}
    emails: dict[str, list[int]] = {}
    if numbers:
        held_phones = ContactPhone.objects.filter(number__in=numbers, is_shared=False)
        for number, extension, card_id in held_phones.values_list("number", "extension", "contact_id"):
            phones.setdefault(number, []).append((extension, card_id))
    if addresses:
        for address, card_id in ContactEmail.objects.filter(address__in=addresses).values_list(
            "address", "contact_id"
        ):
            emails.setdefault(address, []).append(card_id)
    found: list[list[tuple[str, str, int]]] = []
    others: set[int] = set()
    for values, exclude_id in rows:
        hits = [
            (f"phones.{index}", phone["number"], card_id)
            for index, phone in enumerate(values["phones"])
            for extension, card_id in phones.get(phone["number"], ())
            if card_id != exclude_id and extension == phone["extension"]
        ]
        hits += [
            (f"emails.{index}", email["address"], card_id)
            for index, email in enumerate(values["emails"])
            for card_id in emails.get(email["address"], ())
            if card_id != exclude_id
        ]
        found.append(hits)
        others.update(card_id for _field, _value, card_id in hits)
    cards = Contact.objects.select_related("owner").in_bulk(others) if others else {}
    result = []
    for hits in found:
        matches = [  # a card purged between the two reads holds nothing any more
            duplicate_match(actor, cards[card_id], "contact", field, value)
            for field, value, card_id in hits
            if card_id in cards
        ]
        errors = [FieldError(m.field, "duplicate", _duplicate_message(m)) for m in matches]
        result.append((errors, matches))
    return result


def company_duplicates(
    actor: User, inn: str, kpp: str, exclude_id: int | None
) -> tuple[list[FieldError], list[DuplicateMatch]]:
    """A company is one card per INN; branches share the INN but differ by KPP."""
    if not inn:
        return [], []
    rows = _without(Company.objects.filter(inn=inn), "pk", exclude_id).select_related("owner")
    matches = [
        duplicate_match(actor, c, "company", "inn", inn) for c in rows if not (kpp and c.kpp and kpp != c.kpp)
    ]
    return [FieldError("inn", "duplicate", _duplicate_message(m)) for m in matches], matches


def _duplicate_message(match: DuplicateMatch) -> Any:
    if match.in_trash:
        return format_lazy(_("Already belongs to «{label}», which is in the trash."), label=match.label)
    if match.visible:
        return format_lazy(_("Already belongs to «{label}»."), label=match.label)
    return format_lazy(
        _("Already belongs to a card of another manager ({owner})."), owner=match.owner_name or "—"
    )
