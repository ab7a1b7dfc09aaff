"""The columns a list of people or companies can show, and each row's cells.

A user chooses the columns of each list (``ListLayout``, remembered); without a choice, the list shows
``DEFAULTS`` and the custom fields an administrator marked "in lists". A column on a field hidden from the
user's role (field-level security) is never offered nor shown, whatever was saved; the purchase columns
need the right to view deals. Every cell is one line: its full text is its ``title``, shown on hover when
the cell is cut.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.accounts import access
from crm.contacts.selectors import list_layout
from crm.contacts.templatetags.contacts import phone as phone_text
from crm.fields import values as custom_values
from crm.fields.schema import Schema, schema_for

Cell = tuple[Any, str]  # the cell's HTML, and its full text for the hover title


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    kinds: tuple[str, ...]
    secured: str | None = None  # the field-security key that hides it from a role
    needs_deals: bool = False
    numeric: bool = False
    render: Callable[[Any], Cell] | None = None


def text_cell(value: Any) -> Cell:
    text = "" if value in (None, "") else str(value)
    return text, text


def date_cell(value: Any) -> Cell:
    if not value:
        return mark_safe('<span class="text-secondary">—</span>'), ""
    text = date_format(value, "d.m.Y")
    return text, text


def _money(value: Any) -> Cell:
    if value is None:
        return "", ""
    text = f"{number_format(value, 0, force_grouping=True)} ₽"
    return text, text


def _phone(card: Any) -> Cell:
    number = getattr(card, "phone_number", None)
    if not number:
        return "", ""
    shown = phone_text(number, getattr(card, "phone_extension", "") or "")
    return format_html('<a href="tel:{}">{}</a>', number, shown), shown


def _email(card: Any) -> Cell:
    address = getattr(card, "email_address", None)
    if not address:
        return "", ""
    return format_html('<a href="mailto:{}">{}</a>', address, address), address


def tags_cell(card: Any) -> Cell:
    names = [t.name for t in card.tags.all()]
    badges = format_html_join("", '<span class="badge bg-blue-lt me-1">{}</span>', ((n,) for n in names))
    return badges, ", ".join(names)


def _plain(attr: str) -> Callable[[Any], Cell]:
    return lambda card: text_cell(getattr(card, attr, ""))


STANDARD: list[Column] = [
    Column("company", _("Company"), ("contact",), "company", render=_plain("company_name")),
    Column("inn", _("INN"), ("company",), "inn", render=_plain("inn")),
    Column("industry", _("Industry"), ("company",), "industry", render=_plain("industry")),
    Column("phone", _("Phone"), ("contact", "company"), "phones", render=_phone),
    Column("email", _("E-mail"), ("contact", "company"), "emails", render=_email),
    Column("city", _("City"), ("contact", "company"), "city", render=_plain("city")),
    Column("base_type", _("Base type"), ("contact",), render=lambda c: text_cell(c.get_base_type_display())),
    Column("status", _("Status"), ("contact",), "status", render=lambda c: text_cell(c.status or "")),
    Column("owner", _("Manager"), ("contact", "company"), render=lambda c: text_cell(c.owner or "")),
    Column("source", _("Source"), ("contact", "company"), "source", render=_plain("source")),
    Column("address", _("Address"), ("contact", "company"), "address", render=_plain("address")),
    Column("last_contact", _("Last contact"), ("contact", "company"),
           render=lambda c: date_cell(c.last_contact_at)),
    Column("completeness", "%", ("contact", "company"), numeric=True),
    Column("orders_count", _("Orders"), ("contact", "company"), needs_deals=True, numeric=True,
           render=lambda c: text_cell(c.orders_count or "")),
    Column("orders_total", _("Orders total"), ("contact", "company"), needs_deals=True, numeric=True,
           render=lambda c: _money(c.orders_total)),
    Column("last_order", _("Last order"), ("contact", "company"), needs_deals=True,
           render=lambda c: date_cell(c.last_order_at)),
    Column("created", pgettext_lazy("date", "Created"), ("contact", "company"),
           render=lambda c: date_cell(c.created_at)),
    Column("tags", _("Tags"), ("contact", "company"), "tags", render=tags_cell),
]  # fmt: skip
DEFAULTS = {
    "contact": ["company", "phone", "city", "status", "owner", "last_contact", "completeness", "tags"],
    "company": ["inn", "industry", "city", "phone", "owner", "last_contact", "completeness", "tags"],
}  # fmt: skip
MAX_COLUMNS = 20

# Columns other apps add (lead scoring's band) without this app importing them, each with what reads its
# values for a whole page in one query before the cells are drawn.
Loader = Callable[[list[Any]], None]
_EXTRA: list[tuple[Column, Loader | None]] = []


def register_column(column: Column, load: Loader | None = None) -> None:
    global _EXTRA
    _EXTRA = [(c, f) for c, f in _EXTRA if c.key != column.key or c.kinds != column.kinds] + [(column, load)]


VIEWERS: dict[str, Callable[[Any], bool]] = {}


def register_list(kind: str, defaults: list[str], may_view: Callable[[Any], bool] | None = None) -> None:
    """Another app's list with chosen columns (deals, tasks): its columns come by ``register_column``;
    ``may_view`` says who has the list (by default, a role that views that kind of record)."""
    DEFAULTS[kind] = list(defaults)
    if may_view is not None:
        VIEWERS[kind] = may_view


def may_choose(user: Any, kind: str) -> bool:
    """Whether this user has the list whose columns they would choose."""
    if kind not in DEFAULTS:
        return False
    return VIEWERS[kind](user) if kind in VIEWERS else access.has_perm(user, kind, "view")


def available(user: Any, kind: str, schema: Schema | None = None) -> list[Column]:
    """Every column this user may put in this list: the standard ones on fields they see, then the
    custom fields they see."""
    schema = schema or schema_for(kind)
    deals_seen = access.has_perm(user, "deal", "view")
    shown = [
        c
        for c in STANDARD
        if kind in c.kinds
        and _seen(schema, user, _secured_key(kind, c.secured))
        and (deals_seen or not c.needs_deals)
        and (c.key != "completeness" or not schema.completeness_hides_from(user))
    ]
    shown += [c for c, _load in _EXTRA if kind in c.kinds and _seen(schema, user, c.secured)]
    custom = [
        Column(f"cf_{s.key}", s.label, (kind,), s.key, numeric=s.field_type in ("number", "money"))
        for s in schema.visible_custom(user)
        if s.field_type != "long_text"
    ]
    return shown + custom


def _secured_key(kind: str, key: str | None) -> str | None:
    """A company's phone and e-mail are configured as "phone" and "email", a person's as lists."""
    if kind == "company" and key in ("phones", "emails"):
        return key[:-1]
    return key


def _seen(schema: Schema, user: Any, key: str | None) -> bool:
    return key is None or (schema.is_on(key) and schema.can_see(user, key))


def default_keys(kind: str, schema: Schema | None = None) -> list[str]:
    schema = schema or schema_for(kind)
    return DEFAULTS[kind] + [f"cf_{s.key}" for s in schema.custom() if s.in_list]


def chosen(kind: str, offered: list[Column], saved: list[str] | None) -> list[Column]:
    """The columns to show, of those ``available`` offers the user: the saved choice (or the defaults),
    in the order chosen, less any column the user may no longer see."""
    by_key = {c.key: c for c in offered}
    keys = saved if saved is not None else default_keys(kind)
    return [by_key[k] for k in keys if k in by_key][:MAX_COLUMNS]


def choices(offered: list[Column], shown: list[Column]) -> list[tuple[Column, bool]]:
    """What the column chooser lists, and which are ticked: the shown columns first, in their order (the
    user drags them into another), then the others as offered."""
    keys = {c.key for c in shown}
    return [(c, True) for c in shown] + [(c, False) for c in offered if c.key not in keys]


def list_context(user: Any, kind: str, items: list[Any], defaults: list[str] | None = None) -> dict[str, Any]:
    """A list's columns for this user (their saved choice, else ``defaults``, else the list's own) with the
    rows' cells filled in, and what the chooser offers: the context every dense list's table takes."""
    offered = available(user, kind)
    saved = list_layout(user=user, kind=kind)
    shown = chosen(kind, offered, saved if saved is not None else defaults)
    fill_cells(shown, items, kind)
    return {"list_kind": kind, "columns": shown, "column_choices": choices(offered, shown)}


def fill_cells(columns: list[Column], rows: list[Any], kind: str) -> None:
    """Each row's cells (``row.cells``) for these columns: one pass over the page, the custom fields'
    users named in one query."""
    schema = schema_for(kind)
    keys = {c.key for c in columns}
    for column, load in _EXTRA:
        if load is not None and column.key in keys and kind in column.kinds:
            load(rows)
    custom = [c for c in columns if c.key.startswith("cf_")]
    names = custom_values.user_names(schema, [r.custom for r in rows]) if custom else {}
    for row in rows:
        cells = []
        for column in columns:
            if column.key.startswith("cf_"):
                spec = schema.fields[column.key[3:]]
                shown = custom_values.display(spec, (row.custom or {}).get(spec.key), schema, names)
                cells.append((column, shown, str(shown)))
            elif column.key == "completeness":
                cells.append((column, row.completeness, str(row.completeness)))
            else:
                assert column.render is not None
                html, title = column.render(row)
                cells.append((column, html, title))
        row.cells = cells
