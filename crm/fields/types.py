"""The registry of custom field types: how each one parses, validates, stores, shows and is described.

Stored values are plain JSON chosen so that they sort and compare in the database as they should:
text as text, numbers as numbers, money as whole kopecks, dates as ISO text, choices and users as ids.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from crm.core import normalize as norm
from crm.fields.models import FieldType

if TYPE_CHECKING:
    from crm.fields.schema import FieldSpec, Schema

TEXT_LIMIT = 1000
LONG_TEXT_LIMIT = 20000
NUMBER_LIMIT = decimal.Decimal("1e15")


class FieldValueError(ValueError):
    def __init__(self, code: str, message: Any) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Context:
    schema: Schema
    current: Any = None  # the value the card holds now: a deactivated option it holds stays valid
    users: Callable[[list[int]], set[int]] | None = None  # which of these ids are active users


@dataclass(frozen=True)
class TypeInfo:
    code: str
    parse: Callable[[Any, FieldSpec, Context], Any]
    display: Callable[[Any, FieldSpec, Schema], str]
    json_schema: Callable[[FieldSpec, Schema], dict[str, Any]]  # what a write may send
    api_out: Callable[[Any, FieldSpec, Schema], Any]
    filter: str  # "eq", "any", "range", "contains"
    sql: str  # how the database compares it: "text", "real", "int", "bool"
    out_schema: Callable[[FieldSpec, Schema], dict[str, Any]] | None = None  # an answer's, if not the same

    def json_schema_out(self, spec: FieldSpec, schema: Schema) -> dict[str, Any]:
        return (self.out_schema or self.json_schema)(spec, schema)


def _text(raw: Any) -> str:
    if isinstance(raw, list | tuple):
        raw = raw[0] if raw else ""
    return "" if raw is None else str(raw).strip()


def _parse_text(limit: int, collapse: bool) -> Callable[[Any, FieldSpec, Context], Any]:
    def parse(raw: Any, spec: FieldSpec, ctx: Context) -> Any:
        text = _text(raw)
        text = " ".join(text.split()) if collapse else text.replace("\r\n", "\n")
        if len(text) > limit:
            raise FieldValueError("too_long", _("At most %(limit)d characters.") % {"limit": limit})
        return text or None

    return parse


def _parse_number(raw: Any, spec: FieldSpec, ctx: Context) -> Any:
    if isinstance(raw, bool):
        raise FieldValueError("invalid_number", _("Enter a number, e.g. 1 234,56."))
    if isinstance(raw, int | float):
        value = decimal.Decimal(str(raw))
    else:
        text = _text(raw)
        if not text:
            return None
        try:
            value = norm.parse_decimal(text)
        except norm.NormalizationError as exc:
            raise FieldValueError(exc.code, exc.message) from None
    if abs(value) >= NUMBER_LIMIT:
        raise FieldValueError("out_of_range", _("The number is too large."))
    return int(value) if value == value.to_integral_value() else float(value)


def _parse_money(raw: Any, spec: FieldSpec, ctx: Context) -> Any:
    """Roubles in any writing ("1 234,56 ₽", 1234.56) stored as whole kopecks, so sums stay exact."""
    if isinstance(raw, bool):
        raise FieldValueError("invalid_number", _("Enter an amount, e.g. 1 234,56."))
    try:
        value = decimal.Decimal(str(raw)) if isinstance(raw, int | float) else None
        if value is None:
            text = _text(raw)
            if not text:
                return None
            value = norm.parse_decimal(text)
    except (norm.NormalizationError, decimal.InvalidOperation) as exc:
        message = getattr(exc, "message", _("Enter an amount, e.g. 1 234,56."))
        raise FieldValueError("invalid_number", message) from None
    kopecks = value * 100
    if kopecks != kopecks.to_integral_value():
        raise FieldValueError("too_precise", _("An amount has at most two digits after the comma (kopecks)."))
    if abs(value) >= NUMBER_LIMIT:
        raise FieldValueError("out_of_range", _("The amount is too large."))
    return int(kopecks)


def _parse_date(raw: Any, spec: FieldSpec, ctx: Context) -> Any:
    text = _text(raw)
    if not text:
        return None
    try:
        parsed = norm.parse_date(text)
    except norm.NormalizationError as exc:
        raise FieldValueError(exc.code, exc.message) from None
    day = parsed.as_date()
    if day is None:
        raise FieldValueError("no_year", _("Enter the year too, e.g. 14.03.2026."))
    return day.isoformat()


def _parse_datetime(raw: Any, spec: FieldSpec, ctx: Context) -> Any:
    """ISO (the browser's date-time input, the API) or "dd.mm.yyyy hh:mm"; stored in UTC."""
    text = _text(raw)
    if not text:
        return None
    moment: datetime.datetime | None = None
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        date_part, _sep, time_part = text.partition(" ")
        try:
            day = norm.parse_date(date_part).as_date()
            clock = datetime.time.fromisoformat(time_part.strip() or "00:00")
        except norm.NormalizationError as exc:
            if exc.code == "out_of_range":
                raise FieldValueError(exc.code, exc.message) from None
            day = None
        except ValueError:
            day = None
        if day is not None:
            moment = datetime.datetime.combine(day, clock)
    if moment is None:
        raise FieldValueError("invalid_datetime", _("Enter a date and time as DD.MM.YYYY HH:MM."))
    try:
        norm.check_date_range(moment)
    except norm.NormalizationError as exc:
        raise FieldValueError(exc.code, exc.message) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_boolean(raw: Any, spec: FieldSpec, ctx: Context) -> Any:
    if isinstance(raw, bool) or raw is None:
        return raw
    text = _text(raw).lower()
    if text in ("", "none", "null"):
        return None
    if text in ("1", "true", "yes", "да", "on"):
        return True
    if text in ("0", "false", "no", "нет", "off"):
        return False
    raise FieldValueError("invalid_boolean", _("Choose yes or no."))


def _option_id(raw: Any, spec: FieldSpec, ctx: Context) -> int:
    """An option's id (forms send ids; the API may send an id or the option's exact label)."""
    offered = ctx.schema.choices(spec, keep=ctx.current)
    ids = {o.pk for o in offered}
    if isinstance(raw, str) and not (raw.strip().isdecimal() and int(raw.strip()) in ids):
        wanted = raw.strip().casefold()
        match = next((o for o in offered if wanted in (o.label_ru.casefold(), o.label_en.casefold())), None)
        if match is None:
            raise FieldValueError("invalid_choice", _("Choose a value from the list."))
        return match.pk
    option = ctx.schema.option(raw)
    if option is None or option.pk not in ids:
        raise FieldValueError("invalid_choice", _("Choose a value from the list."))
    return option.pk


def _parse_choice(raw: Any, spec: FieldSpec, ctx: Context) -> Any:
    if isinstance(raw, list | tuple):
        raw = raw[0] if raw else None
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return _option_id(raw, spec, ctx)


def _parse_multi(raw: Any, spec: FieldSpec, ctx: Context) -> Any:
    items = raw if isinstance(raw, list | tuple) else ([raw] if raw not in (None, "") else [])
    ids = {_option_id(item, spec, ctx) for item in items if item not in (None, "")}
    if not ids:
        return None
    order = {o.pk: i for i, o in enumerate(ctx.schema.list_options.get(spec.choice_list_id or 0, []))}
    return sorted(ids, key=lambda pk: order.get(pk, pk))


def _parse_url(raw: Any, spec: FieldSpec, ctx: Context) -> Any:
    text = _text(raw)
    if not text:
        return None
    if "://" not in text:
        text = "https://" + text
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        raise FieldValueError("invalid_url", _("Enter a web address, e.g. https://company.ru.")) from None
    if len(text) > TEXT_LIMIT:
        raise FieldValueError("too_long", _("At most %(limit)d characters.") % {"limit": TEXT_LIMIT})
    return text


def _parse_email(raw: Any, spec: FieldSpec, ctx: Context) -> Any:
    text = _text(raw)
    if not text:
        return None
    try:
        return norm.normalize_email(text)
    except norm.NormalizationError as exc:
        raise FieldValueError(exc.code, exc.message) from None


def _parse_phone(raw: Any, spec: FieldSpec, ctx: Context) -> Any:
    """E.164, with ";ext=NN" when there is an extension (RFC 3966)."""
    text = _text(raw)
    if not text:
        return None
    try:
        phone = norm.normalize_phone(text, settings.CRM_DEFAULT_PHONE_REGION)
    except norm.NormalizationError as exc:
        raise FieldValueError(exc.code, exc.message) from None
    return phone.e164 + (f";ext={phone.extension}" if phone.extension else "")


def _parse_user(raw: Any, spec: FieldSpec, ctx: Context) -> Any:
    if isinstance(raw, list | tuple):
        raw = raw[0] if raw else None
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        raise FieldValueError("invalid_user", _("Choose an active user.")) from None
    if pk != ctx.current and ctx.users is not None and pk not in ctx.users([pk]):
        raise FieldValueError("invalid_user", _("Choose an active user."))
    return pk


# ------------------------------------------------------------------------------------------ display
def _show_text(value: Any, spec: FieldSpec, schema: Schema) -> str:
    return "" if value is None else str(value)


def _show_number(value: Any, spec: FieldSpec, schema: Schema) -> str:
    if value is None:
        return ""
    return number_text(value)


def number_text(value: Any) -> str:
    """A number as Django's localised ``number_format`` writes it (grouped, the language's separators),
    without its per-call lookups: an export writes a million of them."""
    point, thousands, grouping = _separators()
    text = format(decimal.Decimal(str(value)), "f")
    if grouping != 3 or "e" in text or len(text) > 40:  # nothing this fast path knows
        return str(formats.number_format(decimal.Decimal(str(value)), use_l10n=True, force_grouping=True))
    whole, _dot, fraction = text.partition(".")
    grouped = f"{int(whole):,}".replace(",", thousands)
    if whole.startswith("-") and not grouped.startswith("-"):  # "-0.5"
        grouped = "-" + grouped
    return grouped + (point + fraction if fraction else "")


def money_text(kopecks: int) -> str:
    point, thousands, grouping = _separators()
    if grouping != 3:
        amount = decimal.Decimal(kopecks) / 100
        return str(formats.number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)) + " ₽"
    roubles, cents = divmod(abs(kopecks), 100)
    sign = "-" if kopecks < 0 else ""
    return f"{sign}{roubles:,}".replace(",", thousands) + f"{point}{cents:02d} ₽"


_SEPARATORS: dict[str | None, tuple[str, str, Any]] = {}


def _separators() -> tuple[str, str, Any]:
    """The current language's decimal point, thousands separator and grouping, read once per language."""
    language = translation.get_language()
    found = _SEPARATORS.get(language)
    if found is None:
        found = _SEPARATORS[language] = (
            str(formats.get_format("DECIMAL_SEPARATOR", language, use_l10n=True)),
            str(formats.get_format("THOUSAND_SEPARATOR", language, use_l10n=True)),
            formats.get_format("NUMBER_GROUPING", language, use_l10n=True),
        )
    return found


def _show_money(value: Any, spec: FieldSpec, schema: Schema) -> str:
    return "" if value is None else money_text(int(value))


def _show_date(value: Any, spec: FieldSpec, schema: Schema) -> str:
    if not value:
        return ""
    return datetime.date.fromisoformat(value).strftime("%d.%m.%Y")


def _show_datetime(value: Any, spec: FieldSpec, schema: Schema) -> str:
    if not value:
        return ""
    moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M")


def _show_boolean(value: Any, spec: FieldSpec, schema: Schema) -> str:
    return "" if value is None else str(_("Yes") if value else _("No"))


def _show_choice(value: Any, spec: FieldSpec, schema: Schema) -> str:
    option = schema.option(value)
    return option.label if option else ""


def _show_multi(value: Any, spec: FieldSpec, schema: Schema) -> str:
    labels = []
    for pk in value or []:
        option = schema.option(pk)
        if option is not None and option.label not in labels:
            labels.append(option.label)
    return ", ".join(labels)


def _show_phone(value: Any, spec: FieldSpec, schema: Schema) -> str:
    if not value:
        return ""
    number, _sep, ext = str(value).partition(";ext=")
    return norm.format_phone(number, ext)


def _show_user(value: Any, spec: FieldSpec, schema: Schema) -> str:
    return "" if value is None else f"#{value}"  # the card swaps in names it loaded in one query


# ------------------------------------------------------------------------------------------ API
def _same(value: Any, spec: FieldSpec, schema: Schema) -> Any:
    return value


def _money_out(value: Any, spec: FieldSpec, schema: Schema) -> Any:
    return None if value is None else str(decimal.Decimal(int(value)) / 100)


def _choice_out(value: Any, spec: FieldSpec, schema: Schema) -> Any:
    option = schema.option(value)
    return {"id": option.pk, "label": option.label} if option else None


def _multi_out(value: Any, spec: FieldSpec, schema: Schema) -> Any:
    seen: dict[int, dict[str, Any]] = {}
    for pk in value or []:
        option = schema.option(pk)
        if option is not None:
            seen[option.pk] = {"id": option.pk, "label": option.label}
    return list(seen.values())


def _schema(kind: str, **extra: Any) -> Callable[[FieldSpec, Schema], dict[str, Any]]:
    def describe(spec: FieldSpec, schema: Schema) -> dict[str, Any]:
        return {"type": [kind, "null"], **extra}

    return describe


def _choice_out_schema(many: bool) -> Callable[[FieldSpec, Schema], dict[str, Any]]:
    """An answer holds each chosen option as ``{id, label}``."""

    def describe(spec: FieldSpec, schema: Schema) -> dict[str, Any]:
        option = {
            "type": "object",
            "required": ["id", "label"],
            "properties": {"id": {"type": "integer"}, "label": {"type": "string"}},
        }
        return {"type": "array", "items": option} if many else {"anyOf": [option, {"type": "null"}]}

    return describe


def _choice_schema(many: bool) -> Callable[[FieldSpec, Schema], dict[str, Any]]:
    def describe(spec: FieldSpec, schema: Schema) -> dict[str, Any]:
        options = schema.choices(spec)
        listing = "; ".join(f"{o.pk} = {o.label}" for o in options)
        item = {"anyOf": [{"type": "integer", "enum": [o.pk for o in options]}, {"type": "string"}]}
        base: dict[str, Any] = (
            {"type": ["array", "null"], "items": item}
            if many
            else {"anyOf": [*item["anyOf"], {"type": "null"}]}
        )
        text = (
            _("Option ids (or exact labels when writing)")
            if many
            else _("Option id (or exact label when writing)")
        )
        return base | {"description": f"{text}: {listing}"}

    return describe


TYPES: dict[str, TypeInfo] = {
    FieldType.TEXT: TypeInfo(
        "text", _parse_text(TEXT_LIMIT, True), _show_text, _schema("string"), _same, "contains", "text"
    ),
    FieldType.LONG_TEXT: TypeInfo(
        "long_text",
        _parse_text(LONG_TEXT_LIMIT, False),
        _show_text,
        _schema("string"),
        _same,
        "contains",
        "text",
    ),
    FieldType.NUMBER: TypeInfo(
        "number", _parse_number, _show_number, _schema("number"), _same, "range", "real"
    ),
    FieldType.MONEY: TypeInfo(
        "money",
        _parse_money,
        _show_money,
        _schema("string", format="decimal", description='Roubles, e.g. "1234.56"'),
        _money_out,
        "range",
        "int",
    ),
    FieldType.DATE: TypeInfo(
        "date", _parse_date, _show_date, _schema("string", format="date"), _same, "range", "text"
    ),
    FieldType.DATETIME: TypeInfo(
        "datetime",
        _parse_datetime,
        _show_datetime,
        _schema("string", format="date-time"),
        _same,
        "range",
        "text",
    ),
    FieldType.BOOLEAN: TypeInfo(
        "boolean", _parse_boolean, _show_boolean, _schema("boolean"), _same, "eq", "bool"
    ),
    FieldType.CHOICE: TypeInfo(
        "choice",
        _parse_choice,
        _show_choice,
        _choice_schema(False),
        _choice_out,
        "eq",
        "int",
        out_schema=_choice_out_schema(False),
    ),
    FieldType.MULTI_CHOICE: TypeInfo(
        "multi_choice",
        _parse_multi,
        _show_multi,
        _choice_schema(True),
        _multi_out,
        "any",
        "json",
        out_schema=_choice_out_schema(True),
    ),
    FieldType.URL: TypeInfo(
        "url", _parse_url, _show_text, _schema("string", format="uri"), _same, "contains", "text"
    ),
    FieldType.EMAIL: TypeInfo(
        "email", _parse_email, _show_text, _schema("string", format="email"), _same, "contains", "text"
    ),
    FieldType.PHONE: TypeInfo(
        "phone", _parse_phone, _show_phone, _schema("string", description="E.164"), _same, "contains", "text"
    ),
    FieldType.USER: TypeInfo(
        "user", _parse_user, _show_user, _schema("integer", description="A user's id"), _same, "eq", "int"
    ),
}


def type_of(spec: FieldSpec) -> TypeInfo:
    return TYPES[spec.field_type]


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []
