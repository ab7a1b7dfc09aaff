"""Every read of contacts and companies starts here, from ``visible_to(user)`` (the cards' read rule)."""

from __future__ import annotations

import datetime
import functools
import operator
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext

from crm.accounts import access
from crm.accounts.models import User
from crm.contacts import search
from crm.contacts.declarations import declared
from crm.contacts.models import (
    Comment,
    Company,
    CompanyEmail,
    CompanyPhone,
    Contact,
    ContactEmail,
    ContactMessenger,
    ContactPhone,
    ContactStatus,
    Employment,
    ListLayout,
    StatusChange,
    Tag,
)
from crm.core import names
from crm.core import normalize as norm
from crm.core.audit import without_keys
from crm.core.errors import NotFound
from crm.core.ids import with_ids
from crm.core.models import AuditEntry
from crm.core.pagination import Count, Page, SortKey, count, paginate
from crm.fields import queries as custom_queries
from crm.fields import values as custom_values
from crm.fields.forms import CustomFilter
from crm.fields.models import AccessLevel
from crm.fields.schema import FieldSpec, Schema, schema_for
from crm.fields.values import ShownGroup, ShownValue

EMAIL_START = re.compile(r"[A-Za-z0-9._%+@-]+")
CONTACT_SORTS = {
    "name": SortKey("name_key"),
    "-name": SortKey("name_key", descending=True),
    "-created": SortKey("created_at", descending=True),
    "created": SortKey("created_at"),
    "-updated": SortKey("updated_at", descending=True),
}
CONTACT_SORTS["completeness"] = SortKey("completeness")
CONTACT_SORTS["-completeness"] = SortKey("completeness", descending=True)
# Longest without contact first (never contacted before everyone), or the most recently contacted first.
CONTACT_SORTS["last_contact"] = SortKey("last_contact_at", nullable=True)
CONTACT_SORTS["-last_contact"] = SortKey("last_contact_at", descending=True, nullable=True)
COMPANY_SORTS = dict(CONTACT_SORTS.items())
TABLES = {"contact": "contacts_contact", "company": "contacts_company"}


@dataclass
class ContactFilters:
    q: str = ""
    owner_id: int | None = None
    base_type: str = ""
    status_id: int | None = None
    tag_id: int | None = None
    city: str = ""
    source: str = ""
    company_id: int | None = None
    is_key: bool | None = None
    created_from: datetime.date | None = None
    created_to: datetime.date | None = None
    record_type_id: int | None = None
    completeness_below: int | None = None
    silent_days: int | None = None
    batch: uuid.UUID | None = None
    custom: list[CustomFilter] = field(default_factory=list)
    where: Q | None = None  # a condition the caller built (a segment's), applied as it is


EQUALITY_KINDS = frozenset({"line", "choice", "flag", "ref"})


def equality_filters(kind: str, filters: Any, hidden: set[str] | frozenset[str]) -> dict[str, Any]:
    """The list's equality filters, one per declared filterable field of a plain kind (the filters object
    carries each under the field's attribute). A filter on a field hidden from the user is ignored (R10.3):
    no filtering on what one cannot see."""
    result = {}
    for decl in declared(kind):
        if not decl.filterable or decl.kind_code not in EQUALITY_KINDS or (decl.config or "") in hidden:
            continue
        value = getattr(filters, decl.attr)
        if value not in (None, ""):
            result[decl.column or decl.attr] = value
    return result


def in_batch(object_type: str, batch: uuid.UUID) -> Q:
    """The cards a batch (an import, its undo) wrote: their journal entries carry its id (indexed)."""
    entries = AuditEntry.objects.filter(batch=batch, object_type=object_type).values("object_id")
    return Q(pk__in=entries)


def silent_for(days: int) -> Q:
    """No contact for ``days``: the last one is older, or there was none and the card is older (both are
    index ranges, so "no contact for 90 days" never reads every card)."""
    cutoff = timezone.now() - datetime.timedelta(days=days)
    return Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True, created_at__lt=cutoff)


def silent_count(*, user: User, days: int) -> int:
    """How many cards the user sees had no contact for ``days``, exactly: the two disjoint parts of
    ``silent_for`` counted apart, each a range of one index (an OR would read every matching row)."""
    cutoff = timezone.now() - datetime.timedelta(days=days)
    qs = Contact.objects.visible_to(user)
    return (
        qs.filter(last_contact_at__lt=cutoff).count()
        + qs.filter(last_contact_at__isnull=True, created_at__lt=cutoff).count()
    )


def _text_filter(kind: str, query: str, hidden: set[str] | frozenset[str] = frozenset()) -> Q:
    """The list's search box: a phone, an e-mail or the start of any word of the name (never a field the
    user cannot see: a hidden phone neither matches nor tells that it exists)."""
    query = query.strip()
    digits = norm.phone_digits_query(query)
    if kind == "contact" and digits:
        return (
            Q(pk__in=_phone_holders(ContactPhone, "contact_id", digits))
            if "phones" not in hidden
            else Q(pk__in=[])
        )
    if kind == "company" and (digits or query.isdecimal()):
        # Digits are an INN's start or a line's number: a company is found by either.
        conditions = [search.prefix_q("inn", query)] if query.isdecimal() and "inn" not in hidden else []
        if digits and "phone" not in hidden:
            conditions.append(Q(pk__in=_phone_holders(CompanyPhone, "company_id", digits)))
        return functools.reduce(operator.or_, conditions) if conditions else Q(pk__in=[])
    if _looks_like_email(query):
        model, owner, key = (
            (ContactEmail, "contact_id", "emails")
            if kind == "contact"
            else (
                CompanyEmail,
                "company_id",
                "email",
            )
        )
        if key in hidden:
            return Q(pk__in=[])
        return Q(pk__in=model.objects.filter(search.prefix_q("address", query.lower())).values(owner))
    terms = search.words(query)
    if not terms:
        return Q()
    table = search.TABLES[kind]
    if search.is_sqlite():
        return Q(
            pk__in=RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [search.prefix_match(query)])
        )
    condition = Q()
    for term in terms:
        condition &= Q(name_key__regex=r"(^|[\s-])" + _regex_escape(term))
    return condition


def _looks_like_email(query: str) -> bool:
    """ "olga@", "olga.sem" or "@firm.ru": Latin, no spaces, with an "@" or a dot."""
    return bool(EMAIL_START.fullmatch(query)) and ("@" in query or "." in query)


def _regex_escape(text: str) -> str:
    return "".join("\\" + c if not c.isalnum() and c != " " else c for c in text)


def _phone_holders(model: Any, owner: str, digits: str) -> QuerySet[Any]:
    """The ids of the cards (``owner``: "contact_id" or "company_id") whose phone is this number in any
    writing, or ends with these digits."""
    if len(digits) >= 10:
        try:
            phone = norm.normalize_phone(digits)
        except norm.NormalizationError:
            pass
        else:
            return model.objects.filter(number=phone.e164).values(owner)
    tail = digits[-7:]
    rows = model.objects.filter(tail=tail) if len(tail) == 7 else model.objects.filter(tail__endswith=tail)
    return rows.values(owner)


def _primary(model: Any, field: str, owner: str = "contact") -> Subquery:
    return Subquery(model.objects.filter(**{owner: OuterRef("pk")}, is_primary=True).values(field)[:1])


def contact_list(
    *, user: User, filters: ContactFilters, sort: str = "name", cursor: str | None = None, limit: int = 50
) -> Page[Contact]:
    schema = schema_for("contact")
    qs, counted = _contacts_filtered(user, filters, sort)
    # The row's primary phone, e-mail and company come as correlated subqueries on indexed foreign keys:
    # one query for the page instead of a prefetch (and 150 model instances) per column.
    qs = (
        qs.select_related("owner", "status")
        .annotate(
            phone_number=_primary(ContactPhone, "number"),
            phone_extension=_primary(ContactPhone, "extension"),
            email_address=_primary(ContactEmail, "address"),
            company_name=_primary(Employment, "company__name"),
        )
        .prefetch_related("tags")
    )
    few = counted is not None and not counted.estimated
    qs, key = _sort_key(qs, sort, CONTACT_SORTS, schema, user, "contact", few)
    return paginate(qs, key, cursor, limit, narrow=key.nullable, counted=counted)


def contacts_for_export(*, user: User, filters: ContactFilters) -> QuerySet[Contact]:
    """The cards a list shows with these filters, whole, for an export: its caller reads them in chunks
    with their phones, e-mails, companies and tags prefetched (a few queries per chunk, none per card)."""
    qs, _counted = _contacts_filtered(user, filters, "name")
    return (
        qs.select_related("owner", "status")
        .prefetch_related("phones", "emails", "messengers", "tags", "employments__company")
        .order_by("name_key", "pk")
    )


@dataclass
class ExportCard:
    """A card as an export writes it: its own columns, and its related rows, as plain values (read a
    chunk at a time in a few queries, no model objects: an export of a million cards reads them all)."""

    pk: int
    values: dict[str, Any]
    phones: list[tuple[str, str, str]] = field(default_factory=list)  # number, extension, kind
    emails: list[str] = field(default_factory=list)
    messengers: list[tuple[str, str]] = field(default_factory=list)  # kind, handle
    tags: list[str] = field(default_factory=list)
    company: str = ""  # the main company's name
    position: str = ""
    custom: dict[str, Any] = field(default_factory=dict)


EXPORT_VALUES = (
    *("pk", "last_name", "first_name", "middle_name", "city", "address", "source", "base_type", "is_key"),
    *("notes", "birth_day", "birth_month", "birth_year", "custom", "status__name"),
    *("owner__first_name", "owner__last_name", "owner__username"),
)


def contact_export_chunks(
    *, user: User, filters: ContactFilters, chunk: int = 5000
) -> Iterator[list[ExportCard]]:
    """The cards a list shows with these filters, whole, in the list's name order, a chunk at a time."""
    batch: list[int] = []
    for pk in _export_ids(user, filters).iterator(chunk_size=chunk):
        batch.append(pk)
        if len(batch) == chunk:
            yield export_cards(user=user, ids=batch)
            batch = []
    if batch:
        yield export_cards(user=user, ids=batch)


def editable_cards(*, user: User, ids: Iterable[int]) -> QuerySet[Contact]:
    """The cards of ``ids`` the user may edit, with what their input and journal are made of (owner,
    status, phones, e-mails, messengers, tags, employments with their companies), read for all of them
    in a few queries: an import compares a chunk's rows with them, a batch update writes them."""
    return (
        Contact.objects.visible_to(user, action="edit")
        .filter(pk__in=list(ids))
        .select_related("owner", "status")
        .prefetch_related(*_card_rows())
    )


def _card_rows() -> tuple[Any, ...]:
    """What a card's values are made of besides its own columns (a fresh Prefetch each time: Django
    keeps state on one while it prefetches)."""
    companies = Employment.objects.select_related("company")
    return ("phones", "emails", "messengers", "tags", Prefetch("employments", queryset=companies))


def contact_export_ids(*, user: User, filters: ContactFilters) -> list[int]:
    """The ids of the cards a list shows with these filters, in the list's name order: what an export
    split over several processes hands out, a chunk each, to be read by ``export_cards``."""
    return list(_export_ids(user, filters))


def _export_ids(user: User, filters: ContactFilters) -> QuerySet[Contact, int]:
    qs, _counted = _contacts_filtered(user, filters, "name")
    return qs.order_by("name_key", "pk").values_list("pk", flat=True)


def _with_ids(model: Any, column: str, ids: list[int], rows: QuerySet[Any] | None = None) -> QuerySet[Any]:
    return with_ids(model.objects.all() if rows is None else rows, column, ids)


def export_cards(*, user: User, ids: list[int]) -> list[ExportCard]:
    """These cards whole (their phones, e-mails, messengers, tags, company and position), in this order,
    those the user sees (a card trashed or handed away since its id was listed is left out)."""
    if not ids:
        return []
    cards = {
        row["pk"]: ExportCard(row["pk"], row, custom=row["custom"] or {})
        for row in _with_ids(Contact, "id", ids, Contact.objects.visible_to(user)).values(*EXPORT_VALUES)
    }
    if len(cards) < len(ids):
        ids = [pk for pk in ids if pk in cards]
    for card_id, number, extension, kind in _with_ids(ContactPhone, "contact_id", ids).values_list(
        "contact_id", "number", "extension", "kind"
    ):
        cards[card_id].phones.append((number, extension, kind))
    for card_id, address in _with_ids(ContactEmail, "contact_id", ids).values_list("contact_id", "address"):
        cards[card_id].emails.append(address)
    for card_id, kind, handle in _with_ids(ContactMessenger, "contact_id", ids).values_list(
        "contact_id", "kind", "handle"
    ):
        cards[card_id].messengers.append((kind, handle))
    tagged = _with_ids(Contact.tags.through, "contact_id", ids).order_by("tag__name", "tag_id")
    for card_id, name in tagged.values_list("contact_id", "tag__name"):
        cards[card_id].tags.append(name)
    # The companies' names by their ids, apart: joined in, PostgreSQL's planner scans every company per chunk.
    held = list(
        _with_ids(Employment, "contact_id", ids)
        .filter(is_primary=True)
        .order_by("-id")
        .values_list("contact_id", "company_id", "position")
    )
    names = dict(_with_ids(Company, "id", list({c for _p, c, _pos in held})).values_list("id", "name"))
    for card_id, company_id, position in held:
        cards[card_id].company, cards[card_id].position = (
            names.get(company_id, ""),
            position,
        )  # the first primary
    return [cards[pk] for pk in ids if pk in cards]


def _contacts_filtered(
    user: User, filters: ContactFilters, sort: str
) -> tuple[QuerySet[Contact], Count | None]:
    qs: QuerySet[Contact] = Contact.objects.visible_to(user)
    f = filters
    schema = schema_for("contact")
    hidden = schema.hidden_keys(user)
    if f.q:
        qs = qs.filter(_text_filter("contact", f.q, hidden))
    # No filtering on what the user cannot see (R10.3): filters on hidden fields are ignored.
    qs = qs.filter(**equality_filters("contact", f, hidden))
    if f.record_type_id:
        qs = qs.filter(record_type_id=f.record_type_id)
    if f.tag_id and "tags" not in hidden:
        qs = qs.filter(tags__id=f.tag_id)
    if f.company_id and "company" not in hidden:
        qs = qs.filter(employments__company_id=f.company_id)
    if f.created_from:
        qs = qs.filter(created_at__date__gte=f.created_from)
    if f.created_to:
        qs = qs.filter(created_at__date__lte=f.created_to)
    if f.silent_days:
        qs = qs.filter(silent_for(f.silent_days))
    if f.batch:
        qs = qs.filter(in_batch("contacts.contact", f.batch))
    if f.where is not None:
        qs = qs.filter(f.where)
    return _completeness_and_custom(qs, f.completeness_below, f.custom, schema, user, "contact", sort)


def _completeness_and_custom(
    qs: QuerySet[Any],
    below: int | None,
    custom: list[CustomFilter],
    schema: Schema,
    user: User,
    kind: str,
    sort: str = "",
) -> tuple[QuerySet[Any], Count | None]:
    """The list narrowed by completeness and custom filters and, under a custom sort, its count (exact up
    to ``CRM_EXACT_COUNT_LIMIT``, else an estimate), which chooses the plan and which the page reuses."""
    if below is not None and not schema.completeness_hides_from(user):
        qs = qs.filter(completeness__lt=below)
    usable = []
    for item in custom:
        spec = schema.fields.get(item.spec.key)
        if spec is None or spec.standard or not spec.filterable or not schema.can_see(user, spec.key):
            continue
        usable.append((spec, item))

    def narrowed(indexed: bool) -> QuerySet[Any]:
        result = qs
        for spec, item in usable:
            result = result.filter(
                custom_queries.filter_q(spec, TABLES[kind], item.op, item.value, schema, indexed=indexed)
            )
        return result

    filtered = narrowed(indexed=True)
    if usable and sort.lstrip("-").startswith("cf_"):
        counted = count(filtered)
        if counted.estimated and db_vendor() == "sqlite":
            # Many matches: walk the sort's index and check the filter row by row (see filter_q).
            return narrowed(indexed=False), counted
        return filtered, counted
    return filtered, None


def sortable_fields(schema: Schema, user: User) -> list[FieldSpec]:
    """Custom fields a list can be sorted by for this user: filterable (indexed) and visible."""
    return [
        s
        for s in schema.visible_custom(user)
        if s.filterable and s.field_type not in ("multi_choice", "long_text")
    ]


def _sort_key(
    qs: QuerySet[Any],
    sort: str,
    sorts: dict[str, SortKey],
    schema: Schema,
    user: User,
    kind: str,
    few: bool = False,
) -> tuple[QuerySet[Any], SortKey]:
    """A standard sort, or ``cf_<key>`` / ``-cf_<key>`` by a sortable custom field (empty values first)."""
    key = sort.lstrip("-")
    if key == "completeness" and schema.completeness_hides_from(user):
        sort = key = "name"  # the stored percent counts a field hidden from this user
    if key.startswith("cf_"):
        spec = next((s for s in sortable_fields(schema, user) if s.key == key[3:]), None)
        if spec is not None:
            expression = custom_queries.sort_expression(spec, TABLES[kind], indexed=not few)
            qs = qs.annotate(cf_sort=expression)
            return qs, SortKey("cf_sort", descending=sort.startswith("-"), nullable=True)
    return qs, sorts.get(sort, sorts["name"])


@dataclass
class CompanyFilters:
    q: str = ""
    owner_id: int | None = None
    tag_id: int | None = None
    city: str = ""
    industry: str = ""
    source: str = ""
    is_key: bool | None = None
    created_from: datetime.date | None = None
    created_to: datetime.date | None = None
    record_type_id: int | None = None
    completeness_below: int | None = None
    silent_days: int | None = None
    batch: uuid.UUID | None = None
    custom: list[CustomFilter] = field(default_factory=list)
    where: Q | None = None  # a condition the caller built (a segment's), applied as it is


def company_list(
    *, user: User, filters: CompanyFilters, sort: str = "name", cursor: str | None = None, limit: int = 50
) -> Page[Company]:
    qs, counted = _companies_filtered(user, filters, sort)
    qs = (
        qs.select_related("owner")
        .annotate(
            phone_number=_primary(CompanyPhone, "number", "company"),
            phone_extension=_primary(CompanyPhone, "extension", "company"),
            email_address=_primary(CompanyEmail, "address", "company"),
        )
        .prefetch_related("tags")
    )
    few = counted is not None and not counted.estimated
    qs, key = _sort_key(qs, sort, COMPANY_SORTS, schema_for("company"), user, "company", few)
    return paginate(qs, key, cursor, limit, narrow=key.nullable, counted=counted)


def companies_for_export(*, user: User, filters: CompanyFilters) -> QuerySet[Company]:
    """The companies a list shows with these filters, whole, for an export (read in chunks by its
    caller, tags prefetched per chunk)."""
    qs, _counted = _companies_filtered(user, filters, "name")
    return qs.select_related("owner").prefetch_related("tags", "phones", "emails").order_by("name_key", "pk")


def _companies_filtered(
    user: User, filters: CompanyFilters, sort: str
) -> tuple[QuerySet[Company], Count | None]:
    qs: QuerySet[Company] = Company.objects.visible_to(user)
    f = filters
    schema = schema_for("company")
    hidden = schema.hidden_keys(user)
    if f.q:
        qs = qs.filter(_text_filter("company", f.q, hidden))
    qs = qs.filter(**equality_filters("company", f, hidden))
    if f.record_type_id:
        qs = qs.filter(record_type_id=f.record_type_id)
    if f.tag_id and "tags" not in hidden:
        qs = qs.filter(tags__id=f.tag_id)
    if f.created_from:
        qs = qs.filter(created_at__date__gte=f.created_from)
    if f.created_to:
        qs = qs.filter(created_at__date__lte=f.created_to)
    if f.silent_days:
        qs = qs.filter(silent_for(f.silent_days))
    if f.batch:
        qs = qs.filter(in_batch("contacts.company", f.batch))
    if f.where is not None:
        qs = qs.filter(f.where)
    return _completeness_and_custom(qs, f.completeness_below, f.custom, schema, user, "company", sort)


def contact_get(*, user: User, pk: int) -> Contact:
    """The card with everything it shows, in a fixed number of queries; NotFound if missing or not visible."""
    contact = (
        Contact.objects.visible_to(user)
        .select_related("owner", "status", "created_by")
        .prefetch_related(
            *_card_rows(),
            Prefetch("comments", queryset=Comment.objects.select_related("author")),
            Prefetch(
                "status_changes",
                queryset=StatusChange.objects.select_related("from_status", "to_status", "by"),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if contact is None:
        raise NotFound
    return contact


def company_get(*, user: User, pk: int) -> Company:
    company = (
        Company.objects.visible_to(user)
        .select_related("owner", "created_by")
        .prefetch_related(
            "tags",
            "phones",
            "emails",
            Prefetch("comments", queryset=Comment.objects.select_related("author")),
        )
        .filter(pk=pk)
        .first()
    )
    if company is None:
        raise NotFound
    return company


def company_people(*, user: User, company: Company) -> list[Employment]:
    """The company's people that the user may see (others are counted, not shown)."""
    visible_ids = Contact.objects.visible_to(user).values("pk")
    return list(
        Employment.objects.filter(company=company, contact_id__in=visible_ids, contact__deleted_at=None)
        .select_related("contact")
        .prefetch_related(
            Prefetch(
                "contact__phones",
                queryset=ContactPhone.objects.filter(is_primary=True),
                to_attr="primary_phones",
            )
        )
        .order_by("contact__name_key")[:200]
    )


def companies_for_choice(*, user: User, query: str, limit: int = 10) -> list[Company]:
    qs = Company.objects.visible_to(user)
    if query.strip():
        qs = qs.filter(_text_filter("company", query))
    return list(qs.order_by("name_key", "id")[:limit])


@dataclass(frozen=True)
class SearchHit:
    kind: str
    pk: int
    title: str
    subtitle: str
    url: str


def global_search(*, user: User, query: str, limit: int = 8) -> list[SearchHit]:
    """Ctrl+K: a phone in any writing or its last 7 digits, an e-mail, a name (typos forgiven), an INN."""
    from django.urls import reverse

    query = " ".join(query.split())
    if len(query) < 2:
        return []
    contacts: list[Contact] = []
    companies: list[Company] = []
    hidden_c = schema_for("contact").hidden_keys(user)
    hidden_co = schema_for("company").hidden_keys(user)
    digits = norm.phone_digits_query(query)
    visible_contacts = Contact.objects.visible_to(user).select_related("owner")
    visible_companies = Company.objects.visible_to(user)
    if digits:
        # Only by what the user can see: a hidden phone or INN must not find (and so reveal) a card.
        if "phones" not in hidden_c:
            contacts = list(
                visible_contacts.filter(pk__in=_phone_holders(ContactPhone, "contact_id", digits))[:limit]
            )
        conditions = []
        if "phone" not in hidden_co:
            conditions.append(Q(pk__in=_phone_holders(CompanyPhone, "company_id", digits)))
        if len(digits) in (10, 12) or not contacts:
            conditions += [search.prefix_q("inn", digits)] if "inn" not in hidden_co else []
            conditions += [Q(ogrn=digits)] if "ogrn" not in hidden_co else []
        if conditions:
            companies = list(visible_companies.filter(functools.reduce(operator.or_, conditions))[:limit])
    elif _looks_like_email(query):
        contacts = list(visible_contacts.filter(_text_filter("contact", query, hidden_c))[:limit])
        companies = list(visible_companies.filter(_text_filter("company", query, hidden_co))[:limit])
    else:
        contacts = _name_search(visible_contacts, "contact", query, limit)
        companies = _name_search(visible_companies, "company", query, limit)
    hits = [
        SearchHit(
            "contact",
            c.pk,
            c.full_name,
            _contact_subtitle(c, hidden_c),
            reverse("contacts:contact_detail", args=[c.pk]),
        )
        for c in contacts
    ]
    hits += [
        SearchHit(
            "company",
            c.pk,
            c.name,
            " · ".join(
                x
                for x in (
                    c.inn and "inn" not in hidden_co and f"{gettext('INN')} {c.inn}",
                    c.city if "city" not in hidden_co else "",
                )
                if x
            ),
            reverse("contacts:company_detail", args=[c.pk]),
        )
        for c in companies
    ]
    return hits[: limit * 2]


def _contact_subtitle(contact: Contact, hidden: set[str]) -> str:
    city = contact.city if "city" not in hidden else ""
    return " · ".join(x for x in (city, str(contact.owner) if contact.owner_id else "") if x)


def _name_search(qs: QuerySet[Any], kind: str, query: str, limit: int) -> list[Any]:
    """Names starting with the query first (surname first); for people, the names that sound like it
    (a surname in Latin or in the wrong layout, a first name in any of its forms); then any word starting
    with it. If nothing matched, the names starting with the query's closest spellings, and only then any
    word of the best one (the any-word search is the expensive part, so it runs once, not per spelling)."""
    found = _name_prefix_search(qs, kind, query, limit, any_word=False)
    if kind == "contact":
        sounding = _sound_search(qs, query, limit)
        if sounding:
            # Half the places to what starts with the query, so "Александр" shows the Александрs as
            # well as the Александровs; the rest fills from either.
            half = min(limit // 2, len(found))
            found = _unique([*found[:half], *sounding, *found[half:]])[:limit]
    # Any word starting with the query: only when such words exist at all, which the vocabulary answers
    # at once (otherwise the trigram index would recheck thousands of rows to find nothing).
    if len(found) < limit and search.has_words_starting(kind, query):
        others = qs.filter(_text_filter(kind, query)).exclude(pk__in=[r.pk for r in found])
        found += others.order_by("name_key", "id")[: limit - len(found)]
    if found:
        return found
    spellings = search.corrections(kind, query)
    for corrected in spellings:
        known = {r.pk for r in found}
        found += [
            r
            for r in _name_prefix_search(qs, kind, corrected, limit - len(found), any_word=False)
            if r.pk not in known
        ]
        if len(found) >= limit:
            return found
    if spellings and not found:
        found = _name_prefix_search(qs, kind, spellings[0], limit)
    return found


def _unique(records: list[Any]) -> list[Any]:
    return list({r.pk: r for r in records}.values())  # each card once, where it first came


def _sound_search(qs: QuerySet[Any], query: str, limit: int) -> list[Contact]:
    """People whose names sound like the query: one word as a surname ("Zaytsev", "Pfqwtd" for Зайцев)
    or a first name in any form ("Саша" for Александр); two words as a surname and a first name in either
    order. One index lookup per sound key, each already in name order, merged."""
    words = query.split()
    if len(words) == 1:
        lookups = [Q(name_sound=k) for k in sorted(names.spellings(words[0]))]
        lookups += [Q(first_sound=k) for k in sorted(names.first_name_keys(words[0]))]
    elif len(words) == 2:
        lookups = [
            Q(name_sound=k, first_sound__in=names.first_name_keys(first))
            for last, first in (words, words[::-1])
            for k in sorted(names.spellings(last))
        ]
    else:
        return []
    found: list[Contact] = []
    for lookup in lookups:
        found += qs.filter(lookup).order_by("name_key", "id")[:limit]
    return _unique(sorted(found, key=lambda c: (c.name_key, c.pk)))[:limit]


def _name_prefix_search(
    qs: QuerySet[Any], kind: str, query: str, limit: int, any_word: bool = True
) -> list[Any]:
    terms = search.words(query)
    if not terms or limit <= 0:
        return []
    found = list(qs.filter(search.prefix_q("name_key", " ".join(terms))).order_by("name_key", "id")[:limit])
    # Any word starting with the query: only when such words exist at all, which the vocabulary answers
    # at once (otherwise the trigram index would recheck thousands of rows to find nothing).
    if any_word and len(found) < limit and search.has_words_starting(kind, query):
        others = qs.filter(_text_filter(kind, query)).exclude(pk__in=[r.pk for r in found])
        found += list(others.order_by("name_key", "id")[: limit - len(found)])
    return found


def trash_list(*, user: User, limit: int = 200) -> tuple[list[Contact], list[Company]]:
    """Trashed cards the user could delete (and so may restore)."""
    contacts = Contact.objects.visible_to(user, trash=True, action="delete")
    companies = Company.objects.visible_to(user, trash=True, action="delete")
    return (
        list(contacts.select_related("deleted_by").order_by("-deleted_at")[:limit]),
        list(companies.select_related("deleted_by").order_by("-deleted_at")[:limit]),
    )


def journal_for(*, record: Contact | Company, limit: int = 100, user: User | None = None) -> list[AuditEntry]:
    """A card's journal; the caller has already fetched the card through the read guard. Values of fields
    hidden from ``user`` are taken out of each entry (and an entry left with nothing is not shown)."""
    entries = list(
        AuditEntry.objects.filter(object_type=record._meta.label_lower, object_id=record.pk).select_related(
            "actor"
        )[:limit]
    )
    if user is None:
        return entries
    return without_keys(entries, _hidden_journal_keys(schema_for(record._meta.model_name or "contact"), user))


def _hidden_journal_keys(schema: Schema, user: User) -> set[str]:
    from crm.contacts.standard_fields import JOURNAL_ALIASES

    hidden = {schema.fields[k].journal_key for k in schema.hidden_keys(user)}
    return hidden | {alias for alias, key in JOURNAL_ALIASES.items() if key in hidden}


@dataclass
class CardFields:
    """What a card shows of its configured fields to one user."""

    schema: Schema
    type_id: int | None
    type_name: str
    show: dict[str, bool]  # standard field → shown (in use, on this type, not hidden for the role)
    groups: list[ShownGroup]
    off_type: list[ShownValue]
    completeness: int
    missing: list[FieldSpec]


def card_fields(*, user: User, kind: str, record: Contact | Company, filled: dict[str, bool]) -> CardFields:
    schema = schema_for(kind)
    names = custom_values.user_names(schema, [record.custom])
    type_id = record.record_type_id
    on_type = {s.key for s in schema.on_type(type_id)}
    show = {k: k in on_type and schema.can_see(user, k) for k, s in schema.fields.items() if s.standard}
    # The share of the fields this user can see: a hidden field must not move the percent.
    seen = [s for s in schema.wanted(type_id) if schema.can_see(user, s.key)]
    percent, missing = custom_values.completeness(schema, type_id, filled, record.custom or {}, seen)
    record_type = schema.types.get(type_id) if type_id else None
    return CardFields(
        schema=schema,
        type_id=type_id,
        type_name=record_type.name if record_type else "",
        show=show,
        groups=custom_values.shown_groups(schema, user, type_id, record.custom or {}, names),
        off_type=custom_values.off_type_values(schema, user, type_id, record.custom or {}, names),
        completeness=percent,
        missing=[m for m in missing if schema.can_see(user, m.key)],
    )


def standard_shown(*, user: User, kind: str, type_id: int | None = None) -> dict[str, bool]:
    """Standard fields shown to the user (for a type, or anywhere when no type is given)."""
    schema = schema_for(kind)
    keys = {s.key for s in schema.on_type(type_id)} if type_id else {s.key for s in schema.active()}
    return {k: k in keys and schema.can_see(user, k) for k, s in schema.fields.items() if s.standard}


def field_editable(*, user: User, kind: str) -> dict[str, bool]:
    schema = schema_for(kind)
    return {k: schema.level(user, k) == AccessLevel.EDIT for k in schema.fields}


def field_users() -> list[User]:
    """People a "user" field can point at."""
    return list(User.objects.filter(is_active=True).order_by("last_name", "first_name"))


def statuses() -> list[ContactStatus]:
    return list(ContactStatus.objects.filter(is_active=True))


def tags() -> list[Tag]:
    return list(Tag.objects.all()[:500])


def owners_for_filter(*, user: User) -> list[User]:
    scope = access.scope_of(user)
    qs = User.objects.filter(is_active=True)
    if scope == "own":
        qs = qs.filter(pk=user.pk)
    elif scope == "department" and user.department_id is not None:
        qs = qs.filter(department_id=user.department_id)
    elif scope == "department":
        qs = qs.filter(pk=user.pk)
    elif scope != "all":
        qs = qs.none()
    return list(qs.order_by("last_name", "first_name"))


def db_vendor() -> str:
    return connection.vendor


def list_layout(*, user: User, kind: str) -> list[str] | None:
    """The columns the user chose for this list, or None (the defaults)."""
    return ListLayout.objects.filter(user=user, kind=kind).values_list("columns", flat=True).first()
