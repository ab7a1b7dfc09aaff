"""Every read of contacts and companies starts here, from ``access.visible`` (the read guard)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext

from crm.accounts import access
from crm.accounts.models import User
from crm.contacts import search
from crm.contacts.models import (
    Comment,
    Company,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactStatus,
    Employment,
    StatusChange,
    Tag,
)
from crm.core import normalize as norm
from crm.core.errors import NotFound
from crm.core.models import AuditEntry
from crm.core.pagination import Page, SortKey, paginate

EMAIL_START = re.compile(r"[A-Za-z0-9._%+@-]+")
CONTACT_SORTS = {
    "name": SortKey("name_key"),
    "-name": SortKey("name_key", descending=True),
    "-created": SortKey("created_at", descending=True),
    "created": SortKey("created_at"),
    "-updated": SortKey("updated_at", descending=True),
}
COMPANY_SORTS = dict(CONTACT_SORTS.items())


def contacts_visible(user: User) -> QuerySet[Contact]:
    return access.visible(Contact.objects.filter(deleted_at=None), user, "contact")


def companies_visible(user: User) -> QuerySet[Company]:
    return access.visible(Company.objects.filter(deleted_at=None), user, "company")


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
    extra: dict[str, Any] = field(default_factory=dict)


def _text_filter(kind: str, query: str) -> Q:
    """The list's search box: a phone, an e-mail or the start of any word of the name."""
    query = query.strip()
    digits = norm.phone_digits_query(query)
    if kind == "contact" and digits:
        return Q(pk__in=_phone_contact_ids(digits))
    if kind == "contact" and _looks_like_email(query):
        address = query.lower()
        return Q(pk__in=ContactEmail.objects.filter(search.prefix_q("address", address)).values("contact_id"))
    if kind == "company" and query.isdigit():
        return search.prefix_q("inn", query)
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


def _phone_contact_ids(digits: str) -> QuerySet[Any]:
    if len(digits) >= 10:
        try:
            phone = norm.normalize_phone(digits)
        except norm.NormalizationError:
            pass
        else:
            return ContactPhone.objects.filter(number=phone.e164).values("contact_id")
    tail = digits[-7:]
    rows = (
        ContactPhone.objects.filter(tail=tail)
        if len(tail) == 7
        else ContactPhone.objects.filter(tail__endswith=tail)
    )
    return rows.values("contact_id")


def _primary(model: Any, field: str) -> Subquery:
    return Subquery(model.objects.filter(contact=OuterRef("pk"), is_primary=True).values(field)[:1])


def contact_list(
    *, user: User, filters: ContactFilters, sort: str = "name", cursor: str | None = None, limit: int = 50
) -> Page[Contact]:
    qs = contacts_visible(user)
    f = filters
    if f.q:
        qs = qs.filter(_text_filter("contact", f.q))
    simple = {
        "owner_id": f.owner_id,
        "base_type": f.base_type,
        "status_id": f.status_id,
        "city": f.city,
        "source": f.source,
        "is_key": f.is_key,
    }
    qs = qs.filter(**{k: v for k, v in simple.items() if v not in (None, "")})
    if f.tag_id:
        qs = qs.filter(tags__id=f.tag_id)
    if f.company_id:
        qs = qs.filter(employments__company_id=f.company_id)
    if f.created_from:
        qs = qs.filter(created_at__date__gte=f.created_from)
    if f.created_to:
        qs = qs.filter(created_at__date__lte=f.created_to)
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
    return paginate(qs, CONTACT_SORTS.get(sort, CONTACT_SORTS["name"]), cursor, limit)


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


def company_list(
    *, user: User, filters: CompanyFilters, sort: str = "name", cursor: str | None = None, limit: int = 50
) -> Page[Company]:
    qs = companies_visible(user)
    f = filters
    if f.q:
        qs = qs.filter(_text_filter("company", f.q))
    simple = {
        "owner_id": f.owner_id,
        "city": f.city,
        "industry": f.industry,
        "source": f.source,
        "is_key": f.is_key,
    }
    qs = qs.filter(**{k: v for k, v in simple.items() if v not in (None, "")})
    if f.tag_id:
        qs = qs.filter(tags__id=f.tag_id)
    if f.created_from:
        qs = qs.filter(created_at__date__gte=f.created_from)
    if f.created_to:
        qs = qs.filter(created_at__date__lte=f.created_to)
    qs = qs.select_related("owner").prefetch_related("tags")
    return paginate(qs, COMPANY_SORTS.get(sort, COMPANY_SORTS["name"]), cursor, limit)


def contact_get(*, user: User, pk: int) -> Contact:
    """The card with everything it shows, in a fixed number of queries; NotFound if missing or not visible."""
    contact = (
        contacts_visible(user)
        .select_related("owner", "status", "created_by")
        .prefetch_related(
            "phones",
            "emails",
            "messengers",
            "tags",
            Prefetch("employments", queryset=Employment.objects.select_related("company")),
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
        companies_visible(user)
        .select_related("owner", "created_by")
        .prefetch_related(
            "tags",
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
    visible_ids = contacts_visible(user).values("pk")
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
    qs = companies_visible(user)
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
    digits = norm.phone_digits_query(query)
    visible_contacts = contacts_visible(user).select_related("owner")
    visible_companies = companies_visible(user)
    if digits:
        contacts = list(visible_contacts.filter(pk__in=_phone_contact_ids(digits))[:limit])
        if len(digits) in (10, 12) or not contacts:
            by_inn = search.prefix_q("inn", digits)
            companies = list(visible_companies.filter(by_inn | Q(ogrn=digits))[:limit])
    elif _looks_like_email(query):
        address = query.lower()
        ids = ContactEmail.objects.filter(search.prefix_q("address", address)).values("contact_id")
        contacts = list(visible_contacts.filter(pk__in=ids)[:limit])
        companies = list(visible_companies.filter(email=address)[:limit])
    else:
        contacts = _name_search(visible_contacts, "contact", query, limit)
        companies = _name_search(visible_companies, "company", query, limit)
    hits = [
        SearchHit(
            "contact",
            c.pk,
            c.full_name,
            _contact_subtitle(c),
            reverse("contacts:contact_detail", args=[c.pk]),
        )
        for c in contacts
    ]
    hits += [
        SearchHit(
            "company",
            c.pk,
            c.name,
            " · ".join(x for x in (c.inn and f"{gettext('INN')} {c.inn}", c.city) if x),
            reverse("contacts:company_detail", args=[c.pk]),
        )
        for c in companies
    ]
    return hits[: limit * 2]


def _contact_subtitle(contact: Contact) -> str:
    return " · ".join(x for x in (contact.city, str(contact.owner) if contact.owner_id else "") if x)


def _name_search(qs: QuerySet[Any], kind: str, query: str, limit: int) -> list[Any]:
    """Names starting with the query first (surname first), then any word starting with it; if nothing
    matched, the names starting with the query's closest spellings, and only then any word of the best one
    (the any-word search is the expensive part, so it runs once, not once per spelling)."""
    found = _name_prefix_search(qs, kind, query, limit)
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
    contacts = [
        c
        for c in access.visible(Contact.objects.exclude(deleted_at=None), user, "contact")
        .select_related("deleted_by")
        .order_by("-deleted_at")[:limit]
        if access.may_touch(user, c, "contact", "delete")
    ]
    companies = [
        c
        for c in access.visible(Company.objects.exclude(deleted_at=None), user, "company")
        .select_related("deleted_by")
        .order_by("-deleted_at")[:limit]
        if access.may_touch(user, c, "company", "delete")
    ]
    return contacts, companies


def journal_for(*, record: Contact | Company, limit: int = 100) -> list[AuditEntry]:
    """A card's journal; the caller has already fetched the card through the read guard."""
    return list(
        AuditEntry.objects.filter(object_type=record._meta.label_lower, object_id=record.pk).select_related(
            "actor"
        )[:limit]
    )


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
