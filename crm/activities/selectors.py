"""Reads of the timeline, always from the `visible_to(user)` of entries and files (visibility.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from crm.accounts import access
from crm.accounts.models import User
from crm.activities.models import CATEGORY_LIST, REFUSAL_LIST, Attachment, Entry, EntryKind
from crm.contacts.models import Company, Contact, Employment
from crm.core.errors import NotFound
from crm.core.pagination import Page, SortKey, paginate
from crm.fields.schema import Option, schema_for

TIMELINE_ORDER = SortKey("occurred_at", descending=True)
PAGE_SIZE = 20


@dataclass(frozen=True)
class TimelineFilter:
    kinds: tuple[str, ...] = ()
    category_id: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.kinds or self.category_id)


@dataclass
class Choices:
    kinds: list[tuple[str, Any]] = field(default_factory=list)
    categories: list[Option] = field(default_factory=list)
    refusal_reasons: list[Option] = field(default_factory=list)


def choices() -> Choices:
    schema = schema_for("contact")
    return Choices(
        kinds=[(k, label) for k, label in EntryKind.choices if k != EntryKind.EVENT],
        categories=schema.list_choices(CATEGORY_LIST),
        refusal_reasons=schema.list_choices(REFUSAL_LIST),
    )


def card_entries(*, user: User, kind: str, record: Contact | Company) -> QuerySet[Entry]:
    """Entries shown on a card the user already sees: a person's own; a company's own and those of its
    people the user may see (all of them visible by the rule, which still starts the query)."""
    live = Entry.objects.visible_to(user)
    if kind == "contact":
        return live.filter(contact_id=record.pk)
    people = Contact.objects.visible_to(user).filter(
        pk__in=Employment.objects.filter(company_id=record.pk).values("contact_id")
    )
    people_ids = list(people.values_list("pk", flat=True))
    return live.filter(Q(company_id=record.pk) | Q(contact_id__in=people_ids))


def timeline(
    *,
    user: User,
    kind: str,
    record: Contact | Company,
    filters: TimelineFilter | None = None,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    count_total: bool = True,
) -> Page[Entry]:
    """One page of a card's timeline, newest first (keyset: page 50 costs what page 1 does). The card
    itself needs no total (it scrolls on), so it passes ``count_total=False`` and saves a query."""
    qs = card_entries(user=user, kind=kind, record=record)
    filters = filters or TimelineFilter()
    if filters.kinds:
        qs = qs.filter(kind__in=filters.kinds)
    if filters.category_id:
        qs = qs.filter(category_id__in=schema_for("contact").ids_meaning(filters.category_id))
    qs = qs.select_related("author", "contact", "company")
    page = paginate(qs, TIMELINE_ORDER, cursor, limit, count_total=count_total)
    with_files(page.items)
    return page


def with_files(entries: list[Entry]) -> list[Entry]:
    """Sets ``entry.files``: one query for the page's entries that have files, none when no entry has."""
    ids = [e.pk for e in entries if e.has_files]
    found: dict[int, list[Attachment]] = {}
    if ids:
        for attachment in Attachment.objects.filter(entry_id__in=ids, deleted_at=None).order_by("id"):
            found.setdefault(attachment.entry_id or 0, []).append(attachment)
    for entry in entries:
        entry.files = found.get(entry.pk, [])  # type: ignore[attr-defined]
    return entries


def card_for(*, user: User, kind: str, pk: int) -> Contact | Company:
    """The card a timeline belongs to, if the user may see it."""
    model: Any = Contact if kind == "contact" else Company
    record = model.objects.visible_to(user).filter(pk=pk).first()
    if record is None:
        raise NotFound
    return record


def entry_get(*, user: User, pk: int, deleted: bool = False) -> Entry:
    """An entry the user sees (at least one of its cards); NotFound otherwise."""
    entry = (
        Entry.objects.visible_to(user, trash=deleted)
        .filter(pk=pk)
        .select_related("author", "contact", "company")
        .first()
    )
    if entry is None:
        raise NotFound
    return with_files([entry])[0]


def entries_for_api(
    *,
    user: User,
    contact_id: int | None,
    company_id: int | None,
    filters: TimelineFilter,
    cursor: str | None,
    limit: int,
) -> Page[Entry]:
    if contact_id is not None:
        return timeline(
            user=user,
            kind="contact",
            record=card_for(user=user, kind="contact", pk=contact_id),
            filters=filters,
            cursor=cursor,
            limit=limit,
        )
    if company_id is not None:
        return timeline(
            user=user,
            kind="company",
            record=card_for(user=user, kind="company", pk=company_id),
            filters=filters,
            cursor=cursor,
            limit=limit,
        )
    raise NotFound


def attachment_for_download(*, user: User, pk: int) -> Attachment:
    """A file the user may download: on an entry they see, or on a card they see."""
    attachment = Attachment.objects.visible_to(user).filter(pk=pk).select_related("entry").first()
    if attachment is None:
        raise NotFound
    return attachment


def trashed_entries(*, user: User, limit: int = 100) -> list[Entry]:
    """Entries in the trash that this person may restore: seen by them (at least one card) and theirs to
    change (their own; an administrator's: all) — one query, not a check per entry."""
    qs = Entry.objects.visible_to(user, trash=True).filter(automatic=False)
    if not access.can_administer(user):
        qs = qs.filter(author_id=user.pk)
    return list(qs.select_related("contact", "company").order_by("-deleted_at", "-id")[:limit])
