"""Reads of the duplicate finder: cards as the finder sees them, and the pairs a user may review."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Exists, OuterRef, Q, QuerySet

from crm.accounts.models import User
from crm.contacts.declarations import declared
from crm.contacts.inputs import contact_input_from
from crm.contacts.models import Contact
from crm.core.names import sound_key
from crm.duplicates.models import DuplicatePair, Merge, PairStatus
from crm.duplicates.scoring import Person

CHUNK = 2000


def person_of(card: Contact) -> Person:
    """A card as the finder compares it (its phones as digits, its primary company's name)."""
    employment = next((e for e in card.employments.all() if e.is_primary), None)
    birth = ""
    if card.birth_day and card.birth_month:
        day = f"{card.birth_month:02d}-{card.birth_day:02d}"
        birth = f"{card.birth_year:04d}-{day}" if card.birth_year else day
    return Person(
        key=card.pk,
        last=card.last_name,
        first=card.first_name,
        middle=card.middle_name,
        birth=birth,
        phones=frozenset(_digits(p.number) for p in card.phones.all()),
        shared_phones=frozenset(_digits(p.number) for p in card.phones.all() if p.is_shared),
        emails=frozenset(e.address for e in card.emails.all()),
        company=employment.company.name if employment else "",
        city=card.city,
    )


def _digits(e164: str) -> str:
    """A Russian number as its 10 national digits (as files write them), any other as all its digits."""
    return e164.lstrip("+").removeprefix("7") if e164.startswith("+7") else e164.lstrip("+")


def all_people() -> Iterator[Person]:
    """Every live card, read in chunks with its phones, e-mails and companies (a few queries a chunk)."""
    cards = (
        Contact.objects.filter(deleted_at=None)
        .prefetch_related("phones", "emails", "employments__company")
        .order_by("pk")
    )
    for card in cards.iterator(chunk_size=CHUNK):
        yield person_of(card)


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


def candidates_for(people: list[Person]) -> list[Person]:
    """Stored cards that might be one of ``people``: a surname that sounds the same (Cyrillic or Latin,
    Ё or Е, the wrong layout), the first name written as the surname (swapped), or an e-mail with the same
    name before the @. Index lookups only (``Contact.name_sound``, e-mail addresses); the scoring decides."""
    sounds: set[str] = set()
    locals_: set[str] = set()
    for person in people:
        sounds |= person.last_keys | ({sound_key(person.first)} if person.first else set())
        locals_ |= {e.split("@")[0] for e in person.emails if len(e.split("@")[0]) >= 5}
    sounds.discard("")
    if not sounds and not locals_:
        return []
    condition = Q(name_sound__in=sounds)
    for local in locals_:
        condition |= Q(emails__address__startswith=f"{local}@")
    keys = [int(p.key) for p in people]  # type: ignore[call-overload]  # a card's key is its id
    cards = (
        Contact.objects.filter(condition, deleted_at=None)
        .exclude(pk__in=keys)
        .distinct()
        .prefetch_related("phones", "emails", "employments__company")
        .order_by("pk")[: MAX_CANDIDATES * max(1, len(people))]
    )
    return [person_of(card) for card in cards]
