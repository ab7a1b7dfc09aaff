"""A row of a file, read through its column mapping, becomes a record: a person's or a company's input
for the services, with what was dropped from it and why.

Values that cannot be a card's (an impossible date, an e-mail without a zone, a phone Excel turned into
3,75296E+11, a placeholder) are dropped as fields with a note naming the column; the row is still
imported. A row is refused whole only when nothing identifies anyone in it (no name, no valid phone, no
valid e-mail) or when its only address is a service one (noreply@). Rows with a company and no person
become companies. Phones and e-mails are normalised here so that rows of one file can be matched to each
other before anything is written; the services normalise them again (the same functions) when writing.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from crm.contacts.inputs import CompanyInput, ContactInput
from crm.contacts.kinds import CompanyPhoneInput, EmailInput, MessengerInput, PhoneInput
from crm.core import normalize as norm
from crm.imports import cells
from crm.imports.mapping import COMPANY_TARGETS, Target
from crm.imports.readers import Row, Table

NO_IDENTITY = _("no identifying data: a name, a phone or an e-mail")
SERVICE_ADDRESS = _("service address (noreply@ and the like): not a person")
PLACEHOLDER = _("a placeholder, not a value")


@dataclass(frozen=True)
class Note:
    """A value left out of a record, and why."""

    row: int
    column: str
    value: str
    message: Any


@dataclass
class Record:
    """What one row (or, after merging, several rows) of a file gives. ``kind`` is "contact", "company",
    "group" (a vCard group: its name becomes a tag of its members), "skipped" (an empty row) or "rejected"
    (``reason`` says why)."""

    numbers: list[int]
    kind: str
    person: ContactInput | None = None
    company: CompanyInput | None = None
    external_ids: list[str] = field(default_factory=list)
    system: str = ""  # where the external ids come from: the export's preset ("hubspot", "vcard"…) or "file"
    derived: bool = False  # a company made from a person's row (its INN…), written before the person
    more_companies: list[str] = field(default_factory=list)  # "Vektor LLC;Vektor Group": the others
    created_at: datetime.datetime | None = None
    name_from_one_cell: bool = False
    website: str = ""
    nickname: str = ""
    owner_text: str = ""
    owner_column: str = ""
    status_text: str = ""
    status_column: str = ""
    members: list[str] = field(default_factory=list)  # a vCard group's members, by their UID
    notes: list[Note] = field(default_factory=list)
    reason: Any = ""

    def keys(self) -> set[str]:
        """What matches this record to another: each phone with its extension, each e-mail."""
        if self.person is None:
            return set()
        phones = {f"phone:{p.value}" for p in self.person.phones}
        return phones | {f"email:{e.value}" for e in self.person.emails}


@dataclass
class _Values:
    """A row's values gathered by target, before they become an input."""

    names: dict[str, str] = field(default_factory=dict)
    full_name: str = ""
    phones: list[PhoneInput] = field(default_factory=list)
    emails: list[EmailInput] = field(default_factory=list)
    service_emails: list[str] = field(default_factory=list)
    messengers: list[MessengerInput] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    scalars: dict[str, str] = field(default_factory=dict)
    custom: dict[str, str] = field(default_factory=dict)
    starred: bool = False
    company: _Values | None = None  # the lines a person's row gives for their company (its switchboard)

    @property
    def company_lines(self) -> _Values:
        if self.company is None:
            self.company = _Values()
        return self.company


def phone_text(phone: norm.Phone) -> str:
    """The normalised number as the services take it back (they read "доб." as the extension)."""
    return f"{phone.e164} доб. {phone.extension}" if phone.extension else phone.e164


def build(
    table: Table,
    columns: Mapping[str, Target | None],
    *,
    date_order: str = "DMY",
    is_company: Callable[[str], bool] | None = None,
) -> list[Record]:
    """One record per row of the table. ``is_company``: whether a record-kind cell (amoCRM's "Тип")
    names a company."""
    mapped = [(header, target) for header, target in columns.items() if target is not None]
    records = [_record(row, mapped, date_order, is_company or _is_company_kind) for row in table.rows]
    tag_group_members(records)
    return records


def _is_company_kind(text: str) -> bool:
    return text.strip().casefold() in {"компания", "company", "организация", "org", "organization"}


def tag_group_members(records: list[Record]) -> None:
    """A vCard group (KIND:group) is no one: its name becomes a tag of each member (matched by UID)."""
    by_uid = {uid: r for r in records if r.person is not None for uid in r.external_ids}
    for group in (r for r in records if r.kind == "group" and r.nickname):
        for uid in group.members:
            member = by_uid.get(uid)
            if member is not None and member.person is not None and group.nickname not in member.person.tags:
                member.person.tags.append(group.nickname)


def _record(
    row: Row,
    mapped: list[tuple[str, Target]],
    date_order: str,
    is_company: Callable[[str], bool],
) -> Record:
    if row.problem:
        return Record([row.number], "rejected", reason=row.problem)
    if row.empty:
        return Record([row.number], "skipped")
    record = Record([row.number], "contact")
    values = _Values()
    company_kind = False
    for header, target in mapped:
        text = row.cells.get(header, "").strip()
        if not text:
            continue
        if target.field not in ("phones", "emails", "tags") and cells.is_placeholder(text, target.field):
            record.notes.append(Note(row.number, header, text, PLACEHOLDER))
            continue
        if target.field == "record_kind":
            company_kind = is_company(text)
            record.kind = "group" if text.strip().casefold() == "group" else record.kind
        else:
            _take(record, values, row, header, target, text, date_order)
    if record.kind == "group":
        record.person = None
        record.nickname = values.full_name or values.names.get("last_name", "")
        return record
    return _finish(record, values, company_kind)


def _take(
    record: Record, values: _Values, row: Row, header: str, target: Target, text: str, date_order: str
) -> None:
    name = target.field
    if name in ("last_name", "first_name", "middle_name"):
        values.names.setdefault(name, " ".join(text.split()))
    elif name == "full_name":
        values.full_name = values.full_name or " ".join(text.split())
    elif name == "phones":
        _take_phones(record, values, row, header, target, text)
    elif name == "emails":
        _take_emails(record, values, row, header, target, text)
    elif name == "company_phones":
        _take_phones(record, values.company_lines, row, header, target, text)
    elif name == "company_emails":
        _take_emails(record, values.company_lines, row, header, target, text)
    elif name == "messengers":
        label = row.cells.get(target.label_column, "") if target.label_column else ""
        kind, handle = cells.messenger_of(text, label, target.kind)
        if handle and handle not in [m.handle for m in values.messengers]:
            values.messengers.append(MessengerInput(kind=kind, handle=handle))
    elif name == "members":
        record.members.append(text)
    elif name == "tags":
        values.tags += [t for t in cells.tags_of(text) if t not in values.tags]
        values.starred = values.starred or cells.is_starred(text)
    elif name == "notes":
        values.notes.append(cells.strip_bbcode(text).strip())
    elif name == "birthday":
        try:
            born = cells.partial_date(text, date_order)
        except norm.NormalizationError as exc:
            record.notes.append(Note(row.number, header, text, exc.message))
        else:
            day = f"{born.day:02d}.{born.month:02d}"
            values.scalars.setdefault("birthday", f"{day}.{born.year}" if born.year else day)
    elif name == "created_at":
        _take_created(record, row, header, text, date_order)
    elif name == "external_id":
        record.external_ids.append(text)
    elif name == "website":
        record.website = record.website or text
    elif name == "nickname":
        record.nickname = record.nickname or text
    elif name == "owner_id":
        if not record.owner_text:
            record.owner_text, record.owner_column = text, header
    elif name == "status_id":
        if not record.status_text:
            record.status_text, record.status_column = text, header
    elif name.startswith("custom:"):
        values.custom.setdefault(name.removeprefix("custom:"), text)
    else:
        values.scalars.setdefault(name, text)


def _take_phones(record: Record, values: _Values, row: Row, header: str, target: Target, text: str) -> None:
    kind, primary = target.kind, False
    if target.label_column:
        label_kind, primary = cells.label_kind(row.cells.get(target.label_column, ""), "phones")
        kind = label_kind or kind
    for raw in cells.split_values(text, "phones"):
        try:
            phone = norm.normalize_phone(raw)
        except norm.NormalizationError as exc:
            record.notes.append(Note(row.number, header, raw, exc.message))
            continue
        value = phone_text(phone)
        if value not in [p.value for p in values.phones]:
            item = PhoneInput(value=value, kind=kind or "mobile", is_primary=primary and not values.phones)
            values.phones.append(item)


def _take_emails(record: Record, values: _Values, row: Row, header: str, target: Target, text: str) -> None:
    kind, primary = target.kind, False
    if target.label_column:
        label_kind, primary = cells.label_kind(row.cells.get(target.label_column, ""), "emails")
        kind = label_kind or kind
    for raw in cells.split_values(text, "emails"):
        try:
            address = norm.normalize_email(raw)
        except norm.NormalizationError as exc:
            record.notes.append(Note(row.number, header, raw, exc.message))
            continue
        if norm.is_service_email(address):
            values.service_emails.append(address)
            record.notes.append(Note(row.number, header, raw, SERVICE_ADDRESS))
            continue
        if address not in [e.value for e in values.emails]:
            item = EmailInput(value=address, kind=kind or "work", is_primary=primary and not values.emails)
            values.emails.append(item)


def _take_created(record: Record, row: Row, header: str, text: str, date_order: str) -> None:
    try:
        day = cells.partial_date(text, date_order)
    except norm.NormalizationError as exc:
        record.notes.append(Note(row.number, header, text, exc.message))
        return
    if day.year is None:
        return
    clock = cells.time_of(text)
    at = datetime.datetime.combine(day.as_date(), clock or datetime.time())  # type: ignore[arg-type]
    record.created_at = at if record.created_at is None else min(record.created_at, at)


def _person_names(values: _Values, record: Record) -> tuple[str, str, str]:
    last = values.names.get("last_name", "")
    first = values.names.get("first_name", "")
    middle = values.names.get("middle_name", "")
    if not (last or first or middle) and values.full_name:
        record.name_from_one_cell = True
        return cells.split_full_name(values.full_name)
    given = [n for n in (last, first, middle) if n]
    if len(given) == 1 and len(given[0].split()) > 1:
        # A whole name typed into one of the name columns ("First Name: Иванова Ольга Сергеевна").
        record.name_from_one_cell = True
        return cells.split_full_name(given[0])
    if last and first and not middle and len(first.split()) == 2 and cells.is_patronymic(first.split()[1]):
        return last, *first.split()  # type: ignore[return-value]  # "Алексей Викторович" as the first name
    if last and first and cells.looks_like_surname(first) and not cells.looks_like_surname(last):
        return first, last, middle  # "First Name: Семенов, Last Name: Алексей"
    return last, first, middle


def _company_values(scalars: dict[str, str]) -> dict[str, str]:
    """The company's own values a row gives (INN, KPP…), by the company's field."""
    found = {name: scalars.get(target, "") for target, name in COMPANY_TARGETS.items()}
    for name in ("inn", "kpp", "ogrn"):  # "7707 083 893": the digits are the number
        found[name] = "".join(found[name].split())
    return {k: v for k, v in found.items() if v}


def _company_lines(phones: list[PhoneInput], emails: list[EmailInput]) -> dict[str, Any]:
    """A company's phones and e-mails from a row, only those it gives: office lines unless the file says
    otherwise."""
    lines: dict[str, Any] = {}
    if phones:
        lines["phones"] = [
            CompanyPhoneInput(value=p.value, kind="work" if p.kind == "mobile" else p.kind, shared=p.shared)
            for p in phones
        ]
    if emails:
        lines["emails"] = list(emails)
    return lines


def _finish(record: Record, values: _Values, company_kind: bool) -> Record:
    last, first, middle = _person_names(values, record)
    scalars = values.scalars
    company_name = scalars.get("company_name", "")
    # No one's name, a company's, and no e-mail but a role mailbox (info@, sales@): the row is the company.
    only_roles = all(norm.is_role_email(e.value) for e in values.emails)
    if company_kind or (not (last or first or middle) and company_name and only_roles):
        return _as_company(record, values, company_name or values.full_name)
    if ";" in company_name:  # a person at several companies (HubSpot's "Vektor LLC;Vektor Group")
        company_name, *others = [n for n in (" ".join(p.split()) for p in company_name.split(";")) if n] or [
            ""
        ]
        record.more_companies = others
    company = values.company
    details = _company_values(scalars) | (_company_lines(company.phones, company.emails) if company else {})
    if company_name and details:  # a person's company with its INN…: a company of its own, found by it
        record.company = CompanyInput(name=company_name, **details)
    if not (values.phones or values.emails) and values.service_emails:
        return dataclasses.replace(record, kind="rejected", reason=SERVICE_ADDRESS)
    if not (last or first or middle or values.phones or values.emails):
        return dataclasses.replace(record, kind="rejected", reason=NO_IDENTITY)
    for phone in values.phones[:1]:
        phone.is_primary = not any(p.is_primary for p in values.phones) or phone.is_primary
    for email in values.emails[:1]:
        email.is_primary = not any(e.is_primary for e in values.emails) or email.is_primary
    notes = values.notes + ([f"{_('Nickname')}: {record.nickname}"] if record.nickname else [])
    record.person = ContactInput(
        last_name=last,
        first_name=first,
        middle_name=middle,
        phones=values.phones,
        emails=values.emails,
        messengers=values.messengers,
        company_name=company_name,
        position=scalars.get("position", "") if company_name else "",
        city=scalars.get("city", ""),
        address=scalars.get("address", ""),
        birthday=scalars.get("birthday", ""),
        source=scalars.get("source", ""),
        tags=values.tags,
        notes="\n".join(n for n in notes if n),
        is_key=values.starred,
        custom=dict(values.custom),
    )
    return record


def _as_company(record: Record, values: _Values, name: str) -> Record:
    if not name:
        return dataclasses.replace(record, kind="rejected", reason=NO_IDENTITY)
    # A company's lines are office ones unless the file says otherwise; its info@ and sales@ are its own.
    own = values.company or _Values()
    lines = _company_lines(
        values.phones + own.phones,
        values.emails + [EmailInput(value=a) for a in values.service_emails] + own.emails,
    )
    record.kind = "company"
    record.company = CompanyInput(
        name=name,
        phones=lines.get("phones", []),
        emails=lines.get("emails", []),
        website=record.website,
        city=values.scalars.get("city", ""),
        address=values.scalars.get("address", ""),
        source=values.scalars.get("source", ""),
        tags=values.tags,
        notes="\n".join(values.notes),
        is_key=values.starred,
        **_company_values(values.scalars),
    )
    return record
