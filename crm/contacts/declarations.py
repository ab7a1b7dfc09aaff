"""Every standard field of a contact and a company, declared once.

The input dataclasses, the form and API parsing, the API's schemas, the services' cleaning of plain
values, the journal's snapshot and labels, which fields fill a card, which ones an administrator can
configure, and the field-level security test's cases are all derived from these lists. Adding a plain
standard field is one ``Declared`` here, a model column with its migration and, if the card shows it, a
template line (docs/architecture.md, "Adding a standard field").
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from crm.contacts.kinds import KINDS, Kind
from crm.contacts.models import BaseType
from crm.core import normalize as norm


@dataclass(frozen=True)
class Declared:
    """One standard field.

    ``attr`` is its name in inputs, forms and the API; ``column`` the model column when it differs (none
    for values kept on child rows or elsewhere); ``config`` the key an administrator configures it by
    (switch off, require, hide from a role): several inputs may share one (the company, its typed name
    and the position); None for what a card cannot do without. ``journal_key`` names it in the journal
    (None: not journaled by itself). ``example`` is a recognisable value the field-level security test
    stores and then looks for in every response a role may reach, with the text that would betray it."""

    attr: str
    label: Any
    kind_code: str
    config: str | None = None
    column: str | None = None
    limit: int | None = None
    journal_key: str | None = ""  # "" means the attr
    tidy: Callable[[str], str] | None = None
    normalise: Callable[[str], Any] | None = None
    choices: tuple[str, ...] = ()
    choice_list: str = ""  # a central list whose spelling a typed value takes
    description: str = ""
    initial: Any = None  # a new card's value, when not the kind's empty one
    form_name: str = ""  # the posted form's name for it, when not the attr
    read: Callable[[Any], Any] | None = None  # the stored value from a card, when not a plain column
    importable: bool = True
    exportable: bool = True
    filterable: bool = False
    sortable: bool = False
    mergeable: bool = True
    secret: bool = True  # may be hidden from a role (field-level security)
    fills: bool = True  # counts when the card's completeness asks whether its configurable key is filled
    in_api_out: bool = True
    example: Any = None
    betrays: tuple[str, ...] = field(default=())

    @property
    def kind(self) -> Kind:
        return KINDS[self.kind_code]

    @property
    def key(self) -> str:
        """The journal key."""
        return self.attr if self.journal_key == "" else (self.journal_key or "")

    @property
    def on_card(self) -> bool:
        """Kept in the card's own columns (not on child rows, another record or elsewhere)."""
        return self.read is None and self.kind.assign is not None

    def stored(self, card: Any) -> Any:
        return self.read(card) if self.read is not None else self.kind.stored(card, self)

    def as_input(self, card: Any) -> Any:
        return self.read(card) if self.read is not None else self.kind.as_input(card, self)

    def empty(self) -> Any:
        """The value an input holds when nothing was given."""
        return self.kind.default() if self.initial is None else self.initial

    @property
    def api_default(self) -> Any:
        return self.kind.api_default if self.initial is None else self.initial

    def api_out(self, card: Any) -> Any:
        if self.read is None and self.kind.out is not None:
            return self.kind.out(card, self)
        return self.as_input(card)


def _capitalise_if_lower(value: str) -> str:
    """ "москва" → "Москва"; a city typed with capitals keeps them ("Ростов-на-Дону")."""
    return norm.normalize_name(value) if value.islower() else value


def _primary_employment(card: Any) -> Any:
    return next((e for e in card.employments.all() if e.is_primary), None)


def _company_id(card: Any) -> int | None:
    employment = _primary_employment(card)
    return employment.company_id if employment else None


def _position(card: Any) -> str:
    employment = _primary_employment(card)
    return employment.position if employment else ""


# Fields a person and a company both have, declared once for both.
ADDRESS = Declared(
    "address",
    _("Address"),
    "line",
    config="address",
    limit=255,
    example="Тайная улица, 5",
    betrays=("Тайная улица",),
)
SOURCE = Declared(
    "source",
    _("Source"),
    "line",
    config="source",
    limit=100,
    choice_list="source",
    filterable=True,
    example="Тайный источник",
    betrays=("Тайный источник",),
)
OWNER = Declared(
    "owner_id", _("Responsible manager"), "ref", journal_key="owner", filterable=True, secret=False
)
IS_KEY = Declared(
    "is_key",
    _("Key client"),
    "flag",
    config="is_key",
    filterable=True,
    example=True,
    betrays=(),
)
TAGS = Declared(
    "tags",
    _("Tags"),
    "tags",
    config="tags",
    filterable=True,
    example=["секреттег"],
    betrays=("секреттег",),
)
NOTES = Declared(
    "notes",
    _("Notes"),
    "long_text",
    config="notes",
    limit=20_000,
    example="секретная заметка",
    betrays=("секретная заметка",),
)

CONTACT: list[Declared] = [
    Declared("last_name", _("Last name"), "name", limit=100, secret=False, sortable=True),
    Declared("first_name", _("First name"), "name", limit=100, secret=False),
    Declared("middle_name", _("Middle name"), "name", limit=100, secret=False),
    Declared(
        "phones",
        _("Phones"),
        "phones",
        config="phones",
        example=[{"value": "+7 916 555-77-33"}],
        betrays=("79165557733", "555-77-33"),
        description="Any writing: 8 (912) 345-67-89, +7912…, with «доб. 12» for an extension",
    ),
    Declared(
        "emails",
        _("E-mails"),
        "emails",
        config="emails",
        example=[{"value": "tainaya.pochta@sekret.ru"}],
        betrays=("tainaya.pochta@sekret.ru",),
    ),
    Declared(
        "messengers",
        _("Messengers"),
        "messengers",
        config="messengers",
        example=[{"kind": "telegram", "handle": "taynyi_nik"}],
        betrays=("taynyi_nik",),
    ),
    Declared(
        "company_id",
        _("Company"),
        "ref",
        config="company",
        journal_key="company",
        read=_company_id,
        description="A company's id",
        example="Тайна-Холдинг",
        betrays=("Тайна-Холдинг",),
    ),
    Declared(
        "company_name",
        _("Company"),
        "line",
        config="company",
        limit=255,  # the company's name
        journal_key=None,
        in_api_out=False,
        read=lambda card: "",
        description="Without company_id: the company of that name, created if new",
        form_name="company_q",
        exportable=False,
    ),
    Declared(
        "position",
        _("Position"),
        "line",
        config="company",
        limit=150,
        read=_position,
        example="Тайный директор",
        betrays=("Тайный директор",),
    ),
    Declared(
        "status_id",
        _("Status"),
        "ref",
        config="status",
        column="status_id",
        journal_key="status",
        filterable=True,
        example="Секретный статус",
        betrays=("Секретный статус",),
    ),
    Declared(
        "city",
        _("City"),
        "line",
        config="city",
        limit=100,
        tidy=_capitalise_if_lower,
        filterable=True,
        example="Секретоград",
        betrays=("Секретоград",),
    ),
    ADDRESS,
    Declared(
        "birthday",
        _("Birthday"),
        "birthday",
        config="birthday",
        example="23.04.1979",
        betrays=("23.04",),
        description="dd.mm.yyyy, yyyy-mm-dd or dd.mm (no year)",
    ),
    SOURCE,
    OWNER,
    Declared(
        "base_type",
        _("Base type"),
        "choice",
        choices=tuple(BaseType.values),
        initial=BaseType.LEAD.value,
        filterable=True,
        secret=False,
    ),
    IS_KEY,
    TAGS,
    NOTES,
]

COMPANY: list[Declared] = [
    Declared("name", _("Name"), "line", limit=255, secret=False, sortable=True),
    Declared(
        "legal_form",
        _("Legal form"),
        "line",
        config="legal_form",
        limit=32,
        example="ТайнаяФорма",
        betrays=("ТайнаяФорма",),
    ),
    Declared(
        "inn",
        _("INN"),
        "code",
        config="inn",
        normalise=norm.normalize_inn,
        example="7707083893",
        betrays=("7707083893",),
    ),
    Declared(
        "kpp",
        _("KPP"),
        "code",
        config="kpp",
        normalise=norm.normalize_kpp,
        example="773301001",
        betrays=("773301001",),
    ),
    Declared(
        "ogrn",
        _("OGRN"),
        "code",
        config="ogrn",
        normalise=norm.normalize_ogrn,
        example="1027700132195",
        betrays=("1027700132195",),
    ),
    Declared(
        "industry",
        _("Industry"),
        "line",
        config="industry",
        limit=100,
        choice_list="industry",
        filterable=True,
        example="Тайная отрасль",
        betrays=("Тайная отрасль",),
    ),
    Declared(
        "website",
        _("Website"),
        "url",
        config="website",
        limit=255,
        example="tainyi-sait.ru",
        betrays=("tainyi-sait",),
    ),
    Declared("size", _("Size"), "line", config="size", limit=32, example="7777-8888", betrays=("7777-8888",)),
    Declared(
        "phones",
        _("Phones"),
        "company_phones",
        config="phone",
        journal_key="phone",  # the key the journal has always kept a company's phone under
        example=[{"value": "+7 495 555-66-44"}],
        betrays=("74955556644", "555-66-44"),
        description="Any writing: 8 (495) 123-45-67, +7495…, with «доб. 12» for an extension",
    ),
    Declared(
        "emails",
        _("E-mails"),
        "emails",
        config="email",
        journal_key="email",
        example=[{"value": "office@tainaya-firma.ru"}],
        betrays=("office@tainaya-firma.ru",),
    ),
    Declared(
        "city",
        _("City"),
        "line",
        config="city",
        limit=100,
        filterable=True,
        example="Секретоград",
        betrays=("Секретоград",),
    ),
    ADDRESS,
    Declared(
        "legal_address",
        _("Legal address"),
        "line",
        config="legal_address",
        limit=255,
        example="Тайный проезд, 1",
        betrays=("Тайный проезд",),
    ),
    SOURCE,
    OWNER,
    IS_KEY,
    TAGS,
    NOTES,
]

DECLARED = {"contact": CONTACT, "company": COMPANY}


def declared(kind: str) -> list[Declared]:
    return DECLARED[kind]


@functools.cache
def configurable(kind: str) -> dict[str, tuple[Declared, ...]]:
    """The configurable keys of a kind with the declarations each one covers, in declaration order."""
    result: dict[str, tuple[Declared, ...]] = {}
    for decl in DECLARED[kind]:
        if decl.config:
            result[decl.config] = (*result.get(decl.config, ()), decl)
    return result


def input_attrs(kind: str) -> dict[str, tuple[str, ...]]:
    """What a form or the API writes for each configurable key."""
    return {key: tuple(d.attr for d in decls) for key, decls in configurable(kind).items()}


def output_attrs(kind: str) -> dict[str, tuple[str, ...]]:
    """The API's output keys of each configurable key (absent from a response when hidden)."""
    return {key: tuple(d.attr for d in decls if d.in_api_out) for key, decls in configurable(kind).items()}


def journal_aliases(kind: str) -> dict[str, str]:
    """Journal keys that belong to a configurable key of another name (hidden together with it)."""
    return {d.key: d.config for d in DECLARED[kind] if d.config and d.key and d.key != d.config}


def journal_labels(kind: str) -> dict[str, Any]:
    return {d.key: d.label for d in DECLARED[kind] if d.key}


def stored_values(kind: str, card: Any) -> dict[str, Any]:
    """A saved card's declared values in their cleaned form (its child rows prefetched or read here)."""
    return {decl.attr: decl.stored(card) for decl in declared(kind)}


def filled(kind: str, values: dict[str, Any], keys: frozenset[str] | None = None) -> dict[str, bool]:
    """Which configurable fields (of ``keys``, or all) these cleaned (or stored) values fill."""
    return {
        key: any(test(values.get(attr)) for attr, test in tests)
        for key, tests in _filling(kind)
        if keys is None or key in keys
    }


@functools.cache
def _filling(kind: str) -> tuple[tuple[str, tuple[tuple[str, Callable[[Any], bool]], ...]], ...]:
    """Per configurable key, the attributes that fill it and their kinds' tests (asked once per row)."""
    return tuple(
        (key, tuple((d.attr, d.kind.filled) for d in decls if d.fills))
        for key, decls in configurable(kind).items()
    )
