"""What an export writes for a person, a company or a deal: one column per declared exportable field the
user may see, then the custom fields they may see. Values are text as the card shows them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext

from crm.contacts.declarations import declared
from crm.contacts.models import BaseType, Company
from crm.contacts.selectors import ExportCard
from crm.core.normalize import format_phone
from crm.deals import standard_fields as deal_fields
from crm.deals.models import StageKind
from crm.fields import values as custom_values
from crm.fields.models import FieldType
from crm.fields.schema import schema_for

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    value: Callable[[Any], str]
    free_text: bool = True  # typed by people (or a file): may start like a formula
    many: Callable[[list[Any]], list[str]] | None = None  # a chunk's values at once, when it pays

    def values(self, cards: list[Any]) -> list[str]:
        """The column's cell for each card of a chunk, neutralised where typed by people: one tight loop
        per column instead of two calls per cell (an export of a million cards has tens of millions)."""
        if self.many is not None:
            found = self.many(cards)
        else:
            get = self.value
            found = [get(card) for card in cards]
        if self.free_text:
            return ["'" + text if text.startswith(FORMULA_START) else text for text in found]
        return found


def neutralised(text: str) -> str:
    """Formula-like text gets a leading apostrophe, so a spreadsheet shows it and never runs it (OWASP)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _phones(card: ExportCard) -> str:
    return "; ".join(format_phone(number, extension) for number, extension, _kind in card.phones)


def _birthday(card: ExportCard) -> str:
    day, month, year = (card.values[k] for k in ("birth_day", "birth_month", "birth_year"))
    if not (day and month):
        return ""
    return f"{day:02d}.{month:02d}.{year}" if year else f"{day:02d}.{month:02d}"


def _person_owner(card: ExportCard) -> str:
    first, last, login = (card.values[f"owner__{k}"] or "" for k in ("first_name", "last_name", "username"))
    return f"{first} {last}".strip() or login


def _value(name: str) -> Callable[[ExportCard], str]:
    return lambda card: card.values[name] or ""


# A person's columns read from an ``ExportCard`` (plain values); (getter, typed by people: may look like
# a formula).
_GETTERS: dict[str, tuple[Callable[[ExportCard], str], bool]] = {
    "last_name": (_value("last_name"), True),
    "first_name": (_value("first_name"), True),
    "middle_name": (_value("middle_name"), True),
    "phones": (_phones, False),
    "emails": (lambda c: "; ".join(c.emails), False),
    "messengers": (lambda c: "; ".join(f"{kind}: {handle}" for kind, handle in c.messengers), True),
    "company_id": (lambda c: c.company, True),
    "position": (lambda c: c.position, True),
    "status_id": (_value("status__name"), True),
    "city": (_value("city"), True),
    "address": (_value("address"), True),
    "birthday": (_birthday, False),
    "source": (_value("source"), True),
    "owner_id": (_person_owner, True),
    "tags": (lambda c: ", ".join(c.tags), True),
    "notes": (_value("notes"), True),
}


def _owner(card: Company) -> str:
    return card.owner.get_full_name() or card.owner.get_username() if card.owner else ""


def _text(attr: str) -> tuple[Callable[[Any], str], bool]:
    return (lambda c: getattr(c, attr) or "", True)


_COMPANY_GETTERS: dict[str, tuple[Callable[[Company], str], bool]] = {
    **{
        attr: _text(attr)
        for attr in ("name", "legal_form", "industry", "size", "city", "address", "legal_address", "source")
    },
    **{attr: (lambda c, attr=attr: getattr(c, attr) or "", False) for attr in ("inn", "kpp", "ogrn")},
    "website": (lambda c: c.website, False),
    "phones": (lambda c: "; ".join(format_phone(p.number, p.extension) for p in c.phones.all()), False),
    "emails": (lambda c: "; ".join(e.address for e in c.emails.all()), False),
    "owner_id": (_owner, True),
    "tags": (lambda c: ", ".join(t.name for t in c.tags.all()), True),
    "notes": (lambda c: c.notes, True),
}


def _worded(kind: str) -> dict[str, tuple[Callable[[Any], str], bool]]:
    """The getters whose text is a translated word, the words looked up once per export in its language:
    a lookup per card (Django's active language is a thread-local) cost a quarter of an export's time."""
    yes = gettext("yes")
    if kind == "company":
        return {"is_key": (lambda c: yes if c.is_key else "", False)}
    base_types = {value: str(label) for value, label in BaseType.choices}
    return {
        "base_type": (lambda c: base_types.get(c.values["base_type"], ""), False),
        "is_key": (lambda c: yes if c.values["is_key"] else "", False),
    }


def contact_columns(user: Any) -> list[Column]:
    """The columns this user's export of people has: nothing hidden from their role (R10.3)."""
    return _columns(user, "contact", _GETTERS | _worded("contact"))


def company_columns(user: Any) -> list[Column]:
    """The columns this user's export of companies has, likewise."""
    return _columns(user, "company", _COMPANY_GETTERS | _worded("company"))


def _columns(user: Any, kind: str, getters: dict[str, tuple[Callable[[Any], str], bool]]) -> list[Column]:
    schema = schema_for(kind)
    hidden = schema.hidden_keys(user)
    columns = []
    for decl in declared(kind):
        if not decl.exportable or (decl.config or "") in hidden or decl.attr not in getters:
            continue
        getter, free_text = getters[decl.attr]
        columns.append(Column(decl.attr, str(decl.label), getter, free_text))
    for spec in schema.visible_custom(user):
        value, many = _custom_value(spec, schema)
        columns.append(Column(f"custom:{spec.key}", str(spec.label), value, many=many))
    return columns


def _custom_value(spec: Any, schema: Any) -> tuple[Callable[[Any], str], Callable[[list[Any]], list[str]]]:
    """A custom field's cell for one card and for a chunk. The same option, flag or amount comes back on
    thousands of cards: each value is shown once (a list's options are keyed as a tuple)."""
    shown: dict[Any, str] = {}
    key = spec.key
    names = custom_values.every_user_name() if spec.field_type == FieldType.USER else None

    def show(raw: Any) -> str:
        if raw is None:
            return ""
        cache_key = tuple(raw) if isinstance(raw, list) else raw
        try:
            return shown[cache_key]
        except KeyError:
            pass
        except TypeError:  # not hashable (a value of an unexpected shape): shown each time
            return custom_values.display(spec, raw, schema, names)
        if len(shown) > 100_000:
            shown.clear()
        text = shown[cache_key] = custom_values.display(spec, raw, schema, names)
        return text

    def value(card: Any) -> str:
        return show((card.custom or {}).get(key))

    def many(cards: list[Any]) -> list[str]:
        raws = [card.custom.get(key) for card in cards]  # a card's custom values are a dict, never null
        if spec.field_type == FieldType.MULTI_CHOICE:  # lists: keyed as tuples by ``show``
            return [show(raw) for raw in raws]
        # The common case inline (a million cards, a few dozen fields): a value already shown is looked up.
        return ["" if raw is None else shown[raw] if raw in shown else show(raw) for raw in raws]

    return value, many


def rows_of(cards: list[ExportCard] | list[Company], columns: list[Column]) -> list[tuple[str, ...]]:
    """A chunk's rows: built column by column."""
    return list(zip(*(column.values(cards) for column in columns), strict=True))


def _day(value: Any) -> str:
    return f"{value:%d.%m.%Y}" if value else ""


def _moment(value: Any) -> str:
    return f"{timezone.localtime(value):%d.%m.%Y %H:%M}" if value else ""


def deal_columns(user: Any) -> list[Column]:
    """The columns this user's export of deals has: the deal's own, the standard fields their role sees
    (a field a deal's type does not carry, like a candidate's amount, is left empty on that deal), then
    the custom deal fields they see. An amount is a plain number beside its currency, for a spreadsheet
    to sum."""
    schema = schema_for("deal")
    options = schema_for("contact")  # the central choice lists: sources, loss reasons
    seen = deal_fields.shown(user, None)
    without = {key: set(deal_fields.types_without(key)) for key in deal_fields.KEYS}
    outcomes = {value: str(label) for value, label in StageKind.choices}

    def carried(key: str, getter: Callable[[Any], str]) -> Callable[[Any], str]:
        hidden_on = without[key]
        return lambda d: "" if d.record_type_id in hidden_on else getter(d)

    def option(pk: Any) -> str:
        found = options.option(pk) if pk else None
        return found.label if found else ""

    def person(d: Any) -> str:
        return str(d.contact) if d.contact_id else ""

    columns = [
        Column("title", gettext("Title"), lambda d: d.title),
        Column("pipeline", gettext("Pipeline"), lambda d: d.pipeline.name),
        Column("stage", gettext("Stage"), lambda d: d.stage.name),
        Column("status", gettext("Outcome"), lambda d: outcomes.get(d.status, d.status), free_text=False),
    ]
    if seen["amount"]:
        columns += [
            Column("amount", gettext("Amount"), carried("amount", lambda d: f"{d.amount:.2f}"), False),
            Column("currency", gettext("Currency"), carried("amount", lambda d: d.currency), False),
        ]
    if seen["expected_close"]:
        close = carried("expected_close", lambda d: _day(d.expected_close))
        columns.append(Column("expected_close", gettext("Expected close"), close, free_text=False))
    columns += [
        Column("contact", gettext("Person"), person),
        Column("company", gettext("Company"), lambda d: d.company.name if d.company_id else ""),
        Column("owner", gettext("Responsible manager"), _owner),
    ]
    if seen["source"]:
        columns.append(Column("source", gettext("Source"), carried("source", lambda d: option(d.source_id))))
    if seen["tags"]:
        tags = carried("tags", lambda d: ", ".join(t.name for t in d.tags.all()))
        columns.append(Column("tags", gettext("Tags"), tags))
    columns += [
        Column("loss_reason", gettext("Loss reason"), lambda d: option(d.loss_reason_id)),
        Column("created", gettext("Created"), lambda d: _moment(d.created_at), free_text=False),
        Column("stage_since", gettext("At the stage since"), lambda d: _moment(d.stage_entered_at), False),
        Column("closed", gettext("Closed"), lambda d: _moment(d.closed_at), free_text=False),
    ]
    for spec in schema.visible_custom(user):
        value, many = _custom_value(spec, schema)
        columns.append(Column(f"custom:{spec.key}", str(spec.label), value, many=many))
    return columns
