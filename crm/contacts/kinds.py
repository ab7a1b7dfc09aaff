"""The kinds of value a standard card field holds, and what each kind knows how to do.

A field's declaration (``declarations.py``) names its kind; everything the UI, the API, the services and
the journal do with the field comes from the kind: the input's default, how a posted form and the API
carry it, how it is cleaned (pure: no database), how the card's stored state reads back as an input and
as a cleaned value, how the journal writes it, and whether it counts as filled. Kinds that point at
other records (owner, status, company, tags) are cleaned here only as far as the row itself allows; the
set-based checks against the base stay in the services.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core import normalize as norm
from crm.core.errors import FieldError, too_long
from crm.core.ids import Id, form_id

if TYPE_CHECKING:
    from django.http import QueryDict

    from crm.contacts.declarations import Declared


@dataclass
class PhoneInput:
    value: str
    kind: str = "mobile"
    is_primary: bool = False
    verification: str = ""  # "", "call", "reply" or "code"
    shared: bool = False  # several people's (a switchboard, a family phone): not a duplicate's proof


@dataclass
class CompanyPhoneInput(PhoneInput):
    kind: str = "work"  # a company's line is an office one unless said otherwise


@dataclass
class EmailInput:
    value: str
    kind: str = "work"
    is_primary: bool = False
    verification: str = ""


@dataclass
class MessengerInput:
    kind: str
    handle: str


@dataclass
class PhoneOut:
    number: str
    extension: str
    display: str
    kind: str
    is_primary: bool
    shared: bool
    verified_at: datetime.datetime | None
    verification_method: str


@dataclass
class EmailOut:
    address: str
    kind: str
    is_primary: bool
    verified_at: datetime.datetime | None
    verification_method: str


@dataclass(frozen=True)
class Kind:
    """What one kind of standard value does. ``clean`` returns the stored form of the value or appends
    a FieldError; ``stored`` reads the same form back from a saved card, so the journal compares
    like with like and never re-reads what a write has just saved."""

    code: str
    default: Callable[[], Any]  # an empty input
    api_type: Any  # the type the API takes (the value a write receives)
    from_post: Callable[[QueryDict, Declared], Any]
    clean: Callable[[Any, Declared, list[FieldError]], Any]
    stored: Callable[[Any, Declared], Any]  # the card's value in its cleaned form
    as_input: Callable[[Any, Declared], Any]  # the card's value as a form shows it
    journal: Callable[[Any], Any]  # a cleaned value as the journal keeps it
    filled: Callable[[Any], bool] = bool
    api_default: Any = field(default=None)
    # Sets the card's columns from a cleaned value; None: kept on child rows or resolved by the services.
    assign: Callable[[Any, Declared, Any], None] | None = None
    out_type: Any = None  # the type the API answers with; the input's type by default
    out: Callable[[Any, Declared], Any] | None = (
        None  # the card's value in an API answer; as_input by default
    )


_PHONE_INPUTS: dict[str, type[PhoneInput]] = {"phones": PhoneInput, "company_phones": CompanyPhoneInput}

TAG_LIMIT = 64  # Tag.name's column
MESSENGER_HANDLE_LIMIT = 255  # ContactMessenger.handle's column


def _text(raw: Any) -> str:
    return "" if raw is None else str(raw)


def _post_text(post: QueryDict, decl: Declared) -> str:
    return post.get(decl.form_name or decl.attr, decl.empty())


def _post_int(post: QueryDict, decl: Declared) -> int | None:
    return form_id(post.get(decl.form_name or decl.attr))


def _column(card: Any, decl: Declared) -> Any:
    return getattr(card, decl.column or decl.attr)


def _same(value: Any) -> Any:
    return value


def _set_column(card: Any, decl: Declared, value: Any) -> None:
    setattr(card, decl.column or decl.attr, value)


def _set_birthday(card: Any, decl: Declared, value: tuple[int | None, ...]) -> None:
    card.birth_day, card.birth_month, card.birth_year = value


# -- plain text --------------------------------------------------------------------------------------


def _clean_line(raw: Any, decl: Declared, errors: list[FieldError]) -> str:
    """One line: inner white space collapsed; too long is an error at the field."""
    value = " ".join(_text(raw).split())
    if decl.tidy is not None:
        value = decl.tidy(value)
    if decl.limit and len(value) > decl.limit:
        errors.append(too_long(decl.attr, decl.limit))
    return value


def _clean_name(raw: Any, decl: Declared, errors: list[FieldError]) -> str:
    """A person's name part: trimmed and cased; too long is an error at the field (never cut silently)."""
    value = norm.normalize_name(_text(raw))
    if decl.limit and len(value) > decl.limit:
        errors.append(too_long(decl.attr, decl.limit))
    return value


def _clean_long_text(raw: Any, decl: Declared, errors: list[FieldError]) -> str:
    value = _text(raw).strip()
    if decl.limit and len(value) > decl.limit:
        errors.append(too_long(decl.attr, decl.limit))
    return value


def _clean_flag(raw: Any, decl: Declared, errors: list[FieldError]) -> bool:
    return bool(raw)


def _clean_code(raw: Any, decl: Declared, errors: list[FieldError]) -> str:
    """INN, KPP, OGRN: digits with a valid checksum, or nothing."""
    text = _text(raw).strip()
    if not text:
        return ""
    assert decl.normalise is not None
    try:
        return str(decl.normalise(text))
    except norm.NormalizationError as exc:
        errors.append(FieldError(decl.attr, exc.code, exc.message))
        return ""


def _clean_url(raw: Any, decl: Declared, errors: list[FieldError]) -> str:
    value = _text(raw).strip()
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        errors.append(FieldError(decl.attr, "invalid_url", _("Enter a website address such as example.ru.")))
    if decl.limit and len(value) > decl.limit:
        errors.append(too_long(decl.attr, decl.limit))
    return value


def _clean_choice(raw: Any, decl: Declared, errors: list[FieldError]) -> str:
    value = _text(raw)
    if value not in decl.choices:
        errors.append(FieldError(decl.attr, "invalid_choice", _("Choose a value from the list.")))
    return value


def _clean_ref(raw: Any, decl: Declared, errors: list[FieldError]) -> int | None:
    """An id of another record; whether it exists and may be used is the services' set-based check."""
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


# -- a birthday (the year may be unknown) --------------------------------------------------------------


def _clean_birthday(raw: Any, decl: Declared, errors: list[FieldError]) -> tuple[int | None, ...]:
    """(day, month, year); the year may be None."""
    text = _text(raw).strip()
    if not text:
        return (None, None, None)
    try:
        born = norm.parse_date(text)
    except norm.NormalizationError as exc:
        errors.append(FieldError(decl.attr, exc.code, exc.message))
        return (None, None, None)
    if born.year is not None and born.as_date() and born.as_date() > timezone.localdate():  # type: ignore[operator]
        errors.append(FieldError(decl.attr, "future_date", _("A birthday cannot be in the future.")))
    return (born.day, born.month, born.year)


def birthday_text(value: tuple[int | None, ...]) -> str:
    day, month, year = value
    if not (day and month):
        return ""
    text = f"{day:02d}.{month:02d}"
    return f"{text}.{year}" if year else text


# -- repeated rows: phones, e-mails, messengers ---------------------------------------------------------


def _rows(post: QueryDict, prefix: str, fields: list[str]) -> list[dict[str, Any]]:
    """Repeated form rows: aligned lists ``<prefix>_<field>`` and the chosen primary row's token."""
    tokens = post.getlist(f"{prefix}_row")
    columns = {f: post.getlist(f"{prefix}_{f}") for f in fields}
    primary = post.get(f"{prefix}_primary", "")
    shared = set(post.getlist(f"{prefix}_shared"))  # checkboxes carry their row's token
    rows = []
    for i, token in enumerate(tokens):
        row: dict[str, Any] = {f: (columns[f][i] if i < len(columns[f]) else "") for f in fields}
        row["is_primary"] = "1" if token == primary else ""
        row["shared"] = token in shared
        rows.append(row)
    return rows


def _one_primary(rows: list[dict[str, Any]]) -> None:
    """Exactly one primary among several: the first marked one, else the first."""
    primary = next((r for r in rows if r["is_primary"]), rows[0] if rows else None)
    for row in rows:
        row["is_primary"] = row is primary


def _valid_row(item: Any, i: int, decl: Declared, kinds: Any, what: Any, errors: list[FieldError]) -> bool:
    if item.kind not in kinds:
        errors.append(FieldError(f"{decl.attr}.{i}", "invalid_kind", what))
        return False
    if item.verification and item.verification not in _choices("VerificationMethod"):
        errors.append(
            FieldError(f"{decl.attr}.{i}", "invalid_verification", _("Unknown way of confirmation."))
        )
        return False
    return True


_CHOICES: dict[str, frozenset[str]] = {}


def _choices(name: str) -> frozenset[str]:
    """The codes of one of the contacts' choice enums, read once (the models load after this module)."""
    if name not in _CHOICES:
        from crm.contacts import models

        _CHOICES[name] = frozenset(getattr(models, name).values)
    return _CHOICES[name]


def _as_item(value: Any, cls: type) -> Any:
    return cls(**value) if isinstance(value, dict) else value


def _clean_phones(raw: Any, decl: Declared, errors: list[FieldError]) -> list[dict[str, Any]]:

    result: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    item_class = _PHONE_INPUTS[decl.kind_code]
    for i, item in enumerate(_as_item(p, item_class) for p in raw or []):
        if not (item.value or "").strip():
            continue
        try:
            phone = norm.normalize_phone(item.value, settings.CRM_DEFAULT_PHONE_REGION)
        except norm.NormalizationError as exc:
            errors.append(FieldError(f"{decl.attr}.{i}", exc.code, exc.message))
            continue
        if not _valid_row(
            item, i, decl, _choices("PhoneKind"), _("Choose a kind of phone from the list."), errors
        ):
            continue
        key = (phone.e164, phone.extension)
        if key in seen:  # the same number written twice is one phone
            continue
        seen.add(key)
        result.append(
            {
                "number": phone.e164,
                "extension": phone.extension,
                "kind": item.kind,
                "is_primary": item.is_primary,
                "note": phone.note[:100],
                "verification": item.verification,
                "shared": bool(item.shared),
            }
        )
    _one_primary(result)
    return result


def _clean_emails(raw: Any, decl: Declared, errors: list[FieldError]) -> list[dict[str, Any]]:

    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(_as_item(e, EmailInput) for e in raw or []):
        if not (item.value or "").strip():
            continue
        try:
            address = norm.normalize_email(item.value)
        except norm.NormalizationError as exc:
            errors.append(FieldError(f"{decl.attr}.{i}", exc.code, exc.message))
            continue
        if not _valid_row(
            item, i, decl, _choices("EmailKind"), _("Choose a kind of e-mail from the list."), errors
        ):
            continue
        if address in seen:
            continue
        seen.add(address)
        result.append(
            {
                "address": address,
                "kind": item.kind,
                "is_primary": item.is_primary,
                "verification": item.verification,
            }
        )
    _one_primary(result)
    return result


def _clean_messengers(raw: Any, decl: Declared, errors: list[FieldError]) -> list[dict[str, Any]]:

    result = []
    for i, item in enumerate(_as_item(m, MessengerInput) for m in raw or []):
        if not (item.handle or "").strip():
            continue
        if item.kind not in _choices("MessengerKind"):
            errors.append(
                FieldError(f"{decl.attr}.{i}", "invalid_kind", _("Choose a messenger from the list."))
            )
            continue
        handle = item.handle.strip()
        if len(handle) > MESSENGER_HANDLE_LIMIT:
            errors.append(too_long(f"{decl.attr}.{i}.handle", MESSENGER_HANDLE_LIMIT))
            continue
        result.append({"kind": item.kind, "handle": handle})
    return result


def _stored_phones(card: Any, decl: Declared) -> list[dict[str, Any]]:
    return [
        {
            "number": p.number,
            "extension": p.extension,
            "kind": p.kind,
            "is_primary": p.is_primary,
            "note": p.note,
            "verification": p.verification_method if p.verified_at else "",
            "shared": p.is_shared,
        }
        for p in card.phones.all()
    ]


def _stored_emails(card: Any, decl: Declared) -> list[dict[str, Any]]:
    return [
        {
            "address": e.address,
            "kind": e.kind,
            "is_primary": e.is_primary,
            "verification": e.verification_method if e.verified_at else "",
        }
        for e in card.emails.all()
    ]


def _stored_messengers(card: Any, decl: Declared) -> list[dict[str, Any]]:
    return [{"kind": m.kind, "handle": m.handle} for m in card.messengers.all()]


def _phones_input(card: Any, decl: Declared) -> list[PhoneInput]:
    return [
        _PHONE_INPUTS[decl.kind_code](
            value=norm.format_phone(p.number, p.extension),
            kind=p.kind,
            is_primary=p.is_primary,
            verification=p.verification_method,
            shared=p.is_shared,
        )
        for p in card.phones.all()
    ]


def _emails_input(card: Any, decl: Declared) -> list[EmailInput]:
    return [
        EmailInput(value=e.address, kind=e.kind, is_primary=e.is_primary, verification=e.verification_method)
        for e in card.emails.all()
    ]


def _phones_out(card: Any, decl: Declared) -> list[dict[str, Any]]:
    return [
        {
            "number": p.number,
            "extension": p.extension,
            "display": norm.format_phone(p.number, p.extension),
            "kind": p.kind,
            "is_primary": p.is_primary,
            "shared": p.is_shared,
            "verified_at": p.verified_at,
            "verification_method": p.verification_method,
        }
        for p in card.phones.all()
    ]


def _emails_out(card: Any, decl: Declared) -> list[dict[str, Any]]:
    return [
        {
            "address": e.address,
            "kind": e.kind,
            "is_primary": e.is_primary,
            "verified_at": e.verified_at,
            "verification_method": e.verification_method,
        }
        for e in card.emails.all()
    ]


def _messengers_input(card: Any, decl: Declared) -> list[MessengerInput]:
    return [MessengerInput(kind=m.kind, handle=m.handle) for m in card.messengers.all()]


def _post_phones(post: QueryDict, decl: Declared) -> list[PhoneInput]:
    item_class = _PHONE_INPUTS[decl.kind_code]
    return [
        item_class(
            value=r["value"],
            kind=r["kind"] or item_class.kind,
            is_primary=bool(r["is_primary"]),
            verification=r["verification"],
            shared=r["shared"],
        )
        for r in _rows(post, "phone", ["value", "kind", "verification"])
    ]


def _post_emails(post: QueryDict, decl: Declared) -> list[EmailInput]:
    return [
        EmailInput(
            value=r["value"],
            kind=r["kind"] or "work",
            is_primary=bool(r["is_primary"]),
            verification=r["verification"],
        )
        for r in _rows(post, "email", ["value", "kind", "verification"])
    ]


def _post_messengers(post: QueryDict, decl: Declared) -> list[MessengerInput]:
    return [
        MessengerInput(kind=r["kind"], handle=r["handle"])
        for r in _rows(post, "messenger", ["kind", "handle"])
    ]


def _primary_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The order a card lists its rows in, so a write's journal and a card's read agree."""
    return sorted(rows, key=lambda row: not row["is_primary"])


def phone_text(number: str, extension: str) -> str:
    """A phone as the journal keeps it: E.164 and the extension in RFC 3966 style. Canonical, so a write is
    journaled without formatting; the journal's reader shows it in the national format."""
    return number + (f";ext={extension}" if extension else "")


def _journal_phones(rows: list[dict[str, Any]]) -> list[str]:
    return [
        phone_text(p["number"], p["extension"])
        + (f" [{p['kind']}]" if p["kind"] else "")
        + (" *" if p["is_primary"] else "")
        + (f" ✓{p['verification']}" if p["verification"] else "")
        + (" (shared)" if p.get("shared") else "")
        for p in _primary_first(rows)
    ]


def _journal_emails(rows: list[dict[str, Any]]) -> list[str]:
    return [
        e["address"]
        + f" [{e['kind']}]"
        + (" *" if e["is_primary"] else "")
        + (f" ✓{e['verification']}" if e["verification"] else "")
        for e in _primary_first(rows)
    ]


def _journal_messengers(rows: list[dict[str, Any]]) -> list[str]:
    return [f"{m['kind']}: {m['handle']}" for m in rows]


# -- tags ----------------------------------------------------------------------------------------------


def clean_tags(raw: Any, decl: Declared | None = None, errors: list[FieldError] | None = None) -> list[str]:
    """One spelling per tag: trimmed, inner spaces collapsed, duplicates (case-insensitive) dropped; a tag
    longer than the column is an error at its place (cut, when no errors are collected)."""
    seen: dict[str, str] = {}
    for i, name in enumerate(raw or []):
        tag = " ".join((name or "").split())
        if len(tag) > TAG_LIMIT:
            if errors is not None:
                errors.append(too_long(f"{decl.attr if decl else 'tags'}.{i}", TAG_LIMIT))
                continue
            tag = tag[:TAG_LIMIT]
        if tag and tag.casefold() not in seen:
            seen[tag.casefold()] = tag
    return list(seen.values())


def _post_tags(post: QueryDict, decl: Declared) -> list[str]:
    return [t for t in post.get(decl.attr, "").split(",") if t.strip()]


def _stored_tags(card: Any, decl: Declared) -> list[str]:
    return [t.name for t in card.tags.all()]


def _post_flag(post: QueryDict, decl: Declared) -> bool:
    return post.get(decl.attr) == "1"


def _str(value: Any) -> str:
    return _text(value)


def _text_kind(code: str, clean: Callable[[Any, Declared, list[FieldError]], Any]) -> Kind:
    """A value kept as text in one column of the card."""
    return Kind(
        code, str, str, _post_text, clean, _column, _column, _same, api_default="", assign=_set_column
    )


def _rows_kind(code: str, item: type, **hooks: Any) -> Kind:
    """Repeated rows kept as child rows of the card (written by the services)."""
    return Kind(code, list, list[item], api_default=[], **hooks)  # type: ignore[valid-type]


def _phones_kind(code: str) -> Kind:
    """A person's phones or a company's lines: the same rows, each with its own input (its default kind)."""
    return _rows_kind(
        code,
        _PHONE_INPUTS[code],
        from_post=_post_phones,
        clean=_clean_phones,
        stored=_stored_phones,
        as_input=_phones_input,
        journal=_journal_phones,
        out_type=list[PhoneOut],
        out=_phones_out,
    )


KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        _text_kind("name", _clean_name),
        _text_kind("line", _clean_line),
        _text_kind("long_text", _clean_long_text),
        _text_kind("code", _clean_code),
        _text_kind("url", _clean_url),
        _text_kind("choice", _clean_choice),
        Kind(
            "flag",
            bool,
            bool,
            _post_flag,
            _clean_flag,
            _column,
            _column,
            _same,
            filled=lambda v: True,  # a flag has no "empty": always filled
            api_default=False,
            assign=_set_column,
        ),
        Kind(
            "birthday",
            str,
            str,
            _post_text,
            _clean_birthday,
            stored=lambda card, decl: (card.birth_day, card.birth_month, card.birth_year),
            as_input=lambda card, decl: card.birthday_display,
            journal=birthday_text,
            filled=lambda v: bool(v[0]),
            api_default="",
            assign=_set_birthday,
        ),
        Kind(
            "ref",
            lambda: None,
            Id | None,
            _post_int,
            _clean_ref,
            _column,
            _column,
            _same,
            filled=lambda v: v is not None,
            out_type=int | None,
        ),
        Kind(
            "tags",
            list,
            list[str],
            _post_tags,
            clean_tags,
            _stored_tags,
            _stored_tags,
            sorted,
            api_default=[],
        ),
        *(_phones_kind(code) for code in _PHONE_INPUTS),
        _rows_kind(
            "emails",
            EmailInput,
            from_post=_post_emails,
            clean=_clean_emails,
            stored=_stored_emails,
            as_input=_emails_input,
            journal=_journal_emails,
            out_type=list[EmailOut],
            out=_emails_out,
        ),
        _rows_kind(
            "messengers",
            MessengerInput,
            from_post=_post_messengers,
            clean=_clean_messengers,
            stored=_stored_messengers,
            as_input=_messengers_input,
            journal=_journal_messengers,
        ),
    )
}
