"""Custom fields in HTML forms and list filters: what an input shows, and what a POST or a query carries.

Inputs are named ``cf_<key>``; ``cf__keys`` lists the fields a form rendered as editable, so an emptied
multiple choice (which a browser does not send at all) still reads as "cleared".
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils import timezone

from crm.fields.models import FieldType, Requirement
from crm.fields.schema import FieldSpec, Option, Schema
from crm.fields.types import type_of

PREFIX = "cf_"


def custom_from_post(post: QueryDict) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in post.getlist(f"{PREFIX}_keys"):
        name = PREFIX + key
        values[key] = post.getlist(name) if post.get(f"{name}__multi") else post.get(name, "")
    return values


def input_value(spec: FieldSpec, stored: Any) -> Any:
    """A stored value as its input shows it (money in roubles, dates as the browser's inputs want)."""
    if stored is None:
        return [] if spec.field_type == FieldType.MULTI_CHOICE else ""
    kind = spec.field_type
    if kind == FieldType.MONEY:
        return str(decimal.Decimal(int(stored)) / 100).replace(".", ",")
    if kind == FieldType.NUMBER:
        return str(stored).replace(".", ",")
    if kind == FieldType.DATETIME:
        moment = datetime.datetime.fromisoformat(str(stored).replace("Z", "+00:00"))
        return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")
    if kind == FieldType.BOOLEAN:
        return "1" if stored else "0"
    if kind == FieldType.PHONE:
        return type_of(spec).display(stored, spec, None)  # type: ignore[arg-type]
    if kind == FieldType.MULTI_CHOICE:
        return [str(v) for v in stored]
    return str(stored)


@dataclass
class FormField:
    spec: FieldSpec
    value: Any  # what the input shows
    shown: str  # read-only text
    requirement: str
    editable: bool
    options: list[Option] = field(default_factory=list)

    @property
    def required(self) -> bool:
        return self.requirement == Requirement.REQUIRED

    @property
    def recommended(self) -> bool:
        return self.requirement == Requirement.RECOMMENDED

    @property
    def name(self) -> str:
        return PREFIX + self.spec.key

    @property
    def selected(self) -> list[str]:
        return [str(v) for v in (self.value if isinstance(self.value, list) else [self.value])]


def form_fields(
    schema: Schema,
    user: Any,
    type_id: int | None,
    posted: dict[str, Any] | None,
    stored: dict[str, Any] | None,
    creating: bool,
    names: dict[int, str],
) -> list[FormField]:
    """The custom inputs of a card's form for its type, in the configured order; hidden fields are absent."""
    from crm.fields.values import display

    result = []
    for spec in schema.on_type(type_id):
        if spec.standard or not schema.can_see(user, spec.key):
            continue
        current = (stored or {}).get(spec.key)
        if creating and current is None:
            current = spec.default
        value = posted[spec.key] if posted is not None and spec.key in posted else input_value(spec, current)
        options = schema.choices(spec, keep=current) if spec.choice_list_id else []
        result.append(
            FormField(
                spec=spec,
                value=value,
                shown=display(spec, current, schema, names),
                requirement=schema.requirement(spec, type_id),
                editable=schema.can_edit(user, spec.key),
                options=options,
            )
        )
    return result


@dataclass
class CustomFilter:
    spec: FieldSpec
    op: str
    value: Any


def filters_from_query(params: QueryDict, schema: Schema, user: Any) -> list[CustomFilter]:
    """``cf_<key>=…`` (or ``cf_<key>__from`` / ``__to`` for ranges) for filterable fields the user can see."""
    found = []
    for spec in schema.custom():
        if not spec.filterable or not schema.can_see(user, spec.key):
            continue
        name = PREFIX + spec.key
        op = type_of(spec).filter
        if op == "range":
            low, high = params.get(f"{name}__from", "").strip(), params.get(f"{name}__to", "").strip()
            bounds = [_bound(spec, low), _bound(spec, high, upper=True)]
            if bounds != [None, None]:
                found.append(CustomFilter(spec, "range", tuple(bounds)))
        elif op == "any":
            ids = [int(v) for v in params.getlist(name) if v.isdecimal()]
            if ids:
                found.append(CustomFilter(spec, "any", ids))
        elif op == "eq":
            raw = params.get(name, "").strip()
            if spec.field_type == FieldType.BOOLEAN and raw in ("0", "1"):
                found.append(CustomFilter(spec, "eq", raw == "1"))
            elif raw.isdecimal():
                found.append(CustomFilter(spec, "eq", int(raw)))
        else:
            raw = params.get(name, "").strip()[:100]
            if raw:
                found.append(CustomFilter(spec, "contains", raw))
    return found


def _bound(spec: FieldSpec, raw: str, upper: bool = False) -> Any:
    """A range bound as stored values compare: dates as ISO text, amounts in kopecks."""
    if not raw:
        return None
    from crm.fields.types import Context, FieldValueError

    try:
        if spec.field_type == FieldType.DATETIME:
            day = datetime.date.fromisoformat(raw[:10])
            return f"{day.isoformat()}T{'23:59:59' if upper else '00:00:00'}Z"
        return type_of(spec).parse(raw, spec, Context(schema=None))  # type: ignore[arg-type]
    except (FieldValueError, ValueError):
        return None
