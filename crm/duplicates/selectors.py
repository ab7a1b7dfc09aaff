"""Reads of the duplicate finder: cards as the finder sees them, and the pairs a user may review."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator

from django.db.models import Exists, OuterRef, Q, QuerySet

from crm.accounts.models import User
from crm.contacts.declarations import declared
from crm.contacts.inputs import contact_input_from
from crm.contacts.models import Company, Contact, ContactEmail, ContactPhone, Employment
from crm.contacts.search import prefix_q
from crm.core import parallel
from crm.core.ids import with_ids
from crm.core.names import first_name_keys
from crm.core.plain_rows import plain_rows
from crm.duplicates.models import DuplicatePair, Merge, PairStatus
from crm.duplicates.scoring import Person

CHUNK = 2000
SPLIT_FROM = 20_000  # cards: a smaller base is read by this process alone


def _digits(e164: str) -> str:
    """A Russian number as its 10 national digits (as files write them), any other as all its digits."""
    return e164[2:] if e164.startswith("+7") else e164.lstrip("+")


_NONE: frozenset[str] = frozenset()

# A card as the finder reads it: id, last, first and middle name, birthday, phones, shared phones,
# e-mails, company, city. Plain values, cheap to send between processes.
Row = tuple[int, str, str, str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...], str, str]


def people_of(ids: Iterable[int]) -> list[Person]:
    """The live cards of ``ids`` as the finder compares them (phones as digits, the first primary
    company's name), in the order of their ids."""
    return [_person(row) for row in _rows_of(ids)]


def _person(row: Row) -> Person:
    key, last, first, middle, birth, phones, shared, emails, company, city = row
    intern = sys.intern  # names, companies and cities repeat over a base: one string each, not one per card
    return Person(
        key=key,
        last=intern(last),
        first=intern(first),
        middle=intern(middle),
        birth=birth,
        phones=frozenset(phones) if phones else _NONE,
        shared_phones=frozenset(shared) if shared else _NONE,
        emails=frozenset(emails) if emails else _NONE,
        company=intern(company),
        city=intern(city),
    )


def _rows_of(ids: Iterable[int]) -> list[Row]:
    """The live cards of ``ids``, read as the driver's plain rows in five queries (no model objects, no
    converters: the finder reads the whole base this way)."""
    ids = sorted(set(ids))
    if not ids:
        return []
    phones: dict[int, list[str]] = {}
    shared: dict[int, list[str]] = {}
    # No ordering (the models' default sorts every chunk): a card's phones and e-mails are a set here.
    for card_id, number, is_shared in plain_rows(
        with_ids(ContactPhone.objects.order_by(), "contact_id", ids).values_list(
            "contact_id", "number", "is_shared"
        )
    ):
        digits = _digits(number)
        phones.setdefault(card_id, []).append(digits)
        if is_shared:
            shared.setdefault(card_id, []).append(digits)
    emails: dict[int, list[str]] = {}
    for card_id, address in plain_rows(
        with_ids(ContactEmail.objects.order_by(), "contact_id", ids).values_list("contact_id", "address")
    ):
        emails.setdefault(card_id, []).append(address)
    employer: dict[int, int] = {}
    for card_id, company_id in plain_rows(
        with_ids(Employment.objects.filter(is_primary=True), "contact_id", ids)
        .order_by("-id")
        .values_list("contact_id", "company_id")
    ):
        employer[card_id] = company_id  # the last written is the first primary one
    # The companies' names by their ids: joined in one query, PostgreSQL read every company for each chunk.
    names = dict(
        plain_rows(
            with_ids(Company.objects.order_by(), "id", set(employer.values())).values_list("id", "name")
        )
    )
    companies = {card_id: names.get(company_id, "") for card_id, company_id in employer.items()}
    cards = with_ids(Contact.objects.filter(deleted_at=None), "id", ids).order_by("pk")
    rows: list[Row] = []
    for pk, last, first, middle, day, month, year, city in plain_rows(
        cards.values_list(
            "pk", "last_name", "first_name", "middle_name", "birth_day", "birth_month", "birth_year", "city"
        )
    ):
        birth = ""
        if day and month:
            birth = f"{year:04d}-{month:02d}-{day:02d}" if year else f"{month:02d}-{day:02d}"
        rows.append(
            (
                pk,
                last,
                first,
                middle,
                birth,
                tuple(phones.get(pk, ())),
                tuple(shared.get(pk, ())),
                tuple(emails.get(pk, ())),
                companies.get(pk, ""),
                city,
            )
        )
    return rows


def all_people(*, split: bool = False) -> Iterator[Person]:
    """Every live card, a chunk of ids at a time. ``split``: the chunks are read by one forked process
    per core (a 1M base: 21 s on one), this one making their cards as they come back."""
    if split and parallel.available():
        ids = list(Contact.objects.filter(deleted_at=None).order_by("pk").values_list("pk", flat=True))
        chunks = [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]
        if len(ids) < SPLIT_FROM:  # starting the processes would cost more than they save
            for chunk in chunks:
                yield from people_of(chunk)
            return
        for rows in parallel.in_order(_rows_of, chunks):
            yield from map(_person, rows)
        return
    last = 0
    while True:
        ids = list(
            Contact.objects.filter(pk__gt=last, deleted_at=None)
            .order_by("pk")
            .values_list("pk", flat=True)[:CHUNK]
        )
        if not ids:
            return
        yield from people_of(ids)
        last = ids[-1]


def queue(*, user: User, owner_id: int | None = None) -> QuerySet[DuplicatePair]:
    """Pairs to review whose two cards the user sees, best first; ``owner_id``: one manager's cards."""
    visible = Contact.objects.visible_to(user).values("pk")
    pairs = DuplicatePair.objects.filter(status=PairStatus.OPEN, first__in=visible, second__in=visible)
    if owner_id:
        pairs = pairs.filter(Q(first__owner_id=owner_id) | Q(second__owner_id=owner_id))
    return pairs.select_related("first__owner", "second__owner").order_by("-score", "pk")


def pairs_of_card(*, user: User, contact: Contact) -> list[tuple[DuplicatePair, Contact]]:
    """The card's possible duplicates the user may see: (pair, the other card). The other card's
    visibility is a correlated EXISTS per pair (a card has few), never a scan of every card the user sees."""
    visible = Contact.objects.visible_to(user)
    pairs = DuplicatePair.objects.filter(status=PairStatus.OPEN).filter(
        (Q(first=contact) & Q(Exists(visible.filter(pk=OuterRef("second_id")))))
        | (Q(second=contact) & Q(Exists(visible.filter(pk=OuterRef("first_id")))))
    )
    found = pairs.select_related("first", "second").order_by("-score")[:10]
    return [(p, p.second if p.first_id == contact.pk else p.first) for p in found]


def pair_get(*, user: User, pair_id: int) -> DuplicatePair | None:
    visible = Contact.objects.visible_to(user, action="edit").values("pk")
    return DuplicatePair.objects.filter(pk=pair_id, first__in=visible, second__in=visible).first()


def merge_fields(first: Contact, second: Contact) -> list[tuple[str, str, str, str]]:
    """The single values the two cards hold differently, as (field, label, first's, second's) text; lists
    (phones, e-mails, messengers, tags) are not here: a merge keeps them all."""
    a, b = contact_input_from(first), contact_input_from(second)
    rows = []
    for decl in declared("contact"):
        if decl.attr in ("phones", "emails", "messengers", "tags", "company_name"):
            continue
        x, y = getattr(a, decl.attr), getattr(b, decl.attr)
        if x != y and not (x in ("", None) and y in ("", None)):
            rows.append(
                (decl.attr, str(decl.label), _shown(first, decl.attr, x), _shown(second, decl.attr, y))
            )
    return rows


def _shown(card: Contact, attr: str, value: object) -> str:
    if attr == "owner_id":
        return str(card.owner or "")
    if attr == "status_id":
        return str(card.status or "")
    if attr == "company_id":
        employment = next((e for e in card.employments.all() if e.is_primary), None)
        return employment.company.name if employment else ""
    return "" if value in (None, "") else str(value)


def merges_of_card(*, user: User, contact: Contact) -> list[Merge]:
    """The merges this card survived that can still be undone, if the user may edit it (one query)."""
    editable = Contact.objects.visible_to(user, action="edit").filter(pk=contact.pk).values("pk")
    merges = Merge.objects.filter(survivor_id__in=editable, undone_at=None).select_related("merged")
    return list(merges[:5])


MAX_CANDIDATES = 200
NAMESAKES = 50  # more cards than this with one name: the name is no reason to compare them all


def _not_too_common(held: Iterable[tuple[object, int]]) -> set[int]:
    """The cards holding each value, leaving out a value held by more than ``NAMESAKES`` cards (an office
    switchboard, a shared mailbox): it says nothing about any two of them."""
    holders: dict[object, set[int]] = {}
    for value, card_id in held:
        holders.setdefault(value, set()).add(card_id)
    return {c for cards in holders.values() if len(cards) <= NAMESAKES for c in cards}


def candidates_for(people: list[Person]) -> list[Person]:
    """Stored cards that might be one of ``people``, found as the finder's blocks find them, by index
    lookups only: a phone or an e-mail they share, an e-mail with the same name before the @, a surname
    that sounds the same (Cyrillic or Latin, Ё or Е, the wrong layout) with a first name of the same
    family (Саша / Александр) or none, and the same two names swapped. The scoring decides."""
    numbers: set[str] = set()
    addresses: set[str] = set()
    locals_: set[str] = set()
    name_pairs: set[tuple[str, str]] = set()
    for person in people:
        numbers |= {f"+7{p}" if len(p) == 10 else f"+{p}" for p in person.phones}
        addresses |= set(person.emails)
        locals_ |= {e.split("@")[0] for e in person.emails if len(e.split("@")[0]) >= 5}
        firsts = {"", *(first_name_keys(person.first) if person.first else ())}
        name_pairs |= {(last, first) for last in person.last_keys for first in firsts}
        if person.first and person.last:  # the first name written as the surname, and the other way
            name_pairs |= {
                (first, last) for first in first_name_keys(person.first) for last in person.last_keys
            }
    keys = [int(p.key) for p in people]  # type: ignore[call-overload]  # a card's key is its id
    ids: set[int] = set()
    if numbers:
        held = ContactPhone.objects.filter(number__in=numbers).values_list("number", "contact_id")
        ids |= _not_too_common(held[: NAMESAKES * len(numbers) + 1])
    if addresses or locals_:
        by_address = Q(address__in=addresses)
        for local in locals_:
            by_address |= prefix_q("address", f"{local}@")
        limit = NAMESAKES * (len(addresses) + len(locals_)) + 1
        mail = ContactEmail.objects.filter(by_address).values_list("address", "contact_id")[:limit]
        ids |= _not_too_common((address.split("@")[0], card_id) for address, card_id in mail)
    by_name = Q()
    lasts = sorted({last for last, _first in name_pairs})
    for last in lasts:
        by_name |= Q(name_sound=last, first_sound__in={first for other, first in name_pairs if other == last})
    if lasts:
        named = Contact.objects.filter(by_name, deleted_at=None).values_list(
            "name_sound", "first_sound", "pk"
        )
        ids |= _not_too_common(((s, f), pk) for s, f, pk in named[: NAMESAKES * len(name_pairs) + 1])
    ids -= set(keys)
    if not ids:
        return []
    return people_of(sorted(ids)[: MAX_CANDIDATES * max(1, len(people))])
