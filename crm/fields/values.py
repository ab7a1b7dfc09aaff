"""Custom values on a record: validation for the services, completeness, and what a card or form shows.

Used by the services of every record kind (contacts, companies, later deals and tasks), so the rules
are the same wherever a card is written: through the UI, the API, an import or an automation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import User
from crm.core.errors import FieldError, holds_nul, unstorable
from crm.fields.models import FieldType, Requirement
from crm.fields.schema import FieldSpec, Schema
from crm.fields.types import Context, FieldValueError, is_empty, type_of


def active_user_ids(ids: list[int]) -> set[int]:
    return set(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))


def required_message(spec: FieldSpec) -> Any:
    return format_lazy(_("Fill in «{label}»: it is required for this type of card."), label=spec.label)


def clean_type(
    schema: Schema, type_id: int | None, current_id: int | None, errors: list[FieldError]
) -> int | None:
    """The record type a write asks for: an active type of this kind (or the one the card has)."""
    if type_id is None:
        if current_id is not None:
            return current_id
        first = next(iter(schema.active_types()), None)
        return first.pk if first else None
    record_type = schema.types.get(type_id)
    if record_type is None or not (record_type.is_active or type_id == current_id):
        errors.append(FieldError("record_type_id", "invalid_choice", _("Choose a type from the list.")))
        return current_id
    return type_id


@dataclass(frozen=True)
class WritePlan:
    """What a write of one record type by one actor needs of the schema, worked out once for a whole
    batch: the custom fields the actor may write (with their defaults), the required ones, the required
    standard fields the actor can fill, and the fields completeness counts."""

    editable: tuple[FieldSpec, ...]
    required_custom: tuple[FieldSpec, ...]
    required_standard: tuple[FieldSpec, ...]
    wanted: tuple[FieldSpec, ...]
    standard_keys: frozenset[str]  # the standard fields whose filling matters here (required, or counted)


def write_plan(schema: Schema, actor: Any, type_id: int | None) -> WritePlan:
    on_type = schema.on_type(type_id)
    editable = tuple(s for s in on_type if not s.standard and schema.can_edit(actor, s.key))
    required_standard = tuple(
        s
        for s in schema.wanted(type_id)
        if s.standard
        and schema.requirement(s, type_id) == Requirement.REQUIRED
        and schema.can_edit(actor, s.key)
    )
    wanted = tuple(schema.wanted(type_id))
    return WritePlan(
        editable=editable,
        required_custom=tuple(s for s in editable if schema.requirement(s, type_id) == Requirement.REQUIRED),
        required_standard=required_standard,
        wanted=wanted,
        standard_keys=frozenset(s.key for s in (*required_standard, *wanted) if s.standard),
    )


def clean_custom(
    *,
    schema: Schema,
    actor: Any,
    type_id: int | None,
    raw: dict[str, Any] | None,
    current: dict[str, Any] | None,
    creating: bool,
    errors: list[FieldError],
    plan: WritePlan | None = None,
) -> dict[str, Any]:
    """The record's new custom values, parsed and validated; errors are added as ``custom.<key>``.

    Values the actor may not change (read-only or hidden for their role), values of fields the card's
    type does not carry and values of deactivated fields are kept as they are, so nothing is lost by a
    form that does not show them or by moving a card to another type.
    """
    plan = plan or write_plan(schema, actor, type_id)
    result = dict(current or {})
    for key in raw or ():
        spec = schema.fields.get(key)
        if spec is None or spec.standard:
            errors.append(FieldError(f"custom.{key}", "unknown_field", _("There is no such field.")))
    failed = set()
    for spec in plan.editable:
        if not raw or spec.key not in raw:
            if creating and spec.default is not None:
                result[spec.key] = spec.default
            continue
        if holds_nul(raw[spec.key]):
            errors.append(unstorable(spec.form_field))
            failed.add(spec.form_field)
            continue
        try:
            ctx = Context(schema=schema, current=(current or {}).get(spec.key), users=active_user_ids)
            value = type_of(spec).parse(raw[spec.key], spec, ctx)
        except FieldValueError as exc:
            errors.append(FieldError(spec.form_field, exc.code, exc.message))
            failed.add(spec.form_field)
            continue
        if is_empty(value):
            result.pop(spec.key, None)
        else:
            result[spec.key] = value
    for spec in plan.required_custom:
        if spec.form_field not in failed and is_empty(result.get(spec.key)):
            errors.append(FieldError(spec.form_field, "required", required_message(spec)))
    return result


def required_standard_errors(
    *,
    schema: Schema,
    actor: Any,
    type_id: int | None,
    filled: dict[str, bool],
    errors: list[FieldError],
    plan: WritePlan | None = None,
) -> None:
    """Standard fields required on this type (for the actor who can fill them) that are empty."""
    plan = plan or write_plan(schema, actor, type_id)
    for spec in plan.required_standard:
        if not filled.get(spec.key, True) and not any(
            e.field.split(".")[0] == spec.form_field for e in errors
        ):
            errors.append(FieldError(spec.form_field, "required", required_message(spec)))


def completeness(
    schema: Schema,
    type_id: int | None,
    filled: dict[str, bool],
    custom: dict[str, Any],
    wanted: tuple[FieldSpec, ...] | list[FieldSpec] | None = None,
) -> tuple[int, list[FieldSpec]]:
    """Percent of the type's required and recommended fields that are filled, and the missing ones."""
    wanted = schema.wanted(type_id) if wanted is None else wanted
    if not wanted:
        return 100, []
    missing = [
        s for s in wanted if not (filled.get(s.key, False) if s.standard else not is_empty(custom.get(s.key)))
    ]
    return round(100 * (len(wanted) - len(missing)) / len(wanted)), missing


def clean_configured(
    *,
    schema: Schema,
    actor: Any,
    type_id: int | None,
    raw: dict[str, Any] | None,
    current: Any,
    filled: Callable[[dict[str, Any], frozenset[str]], dict[str, bool]],
    clean: dict[str, Any],
    errors: list[FieldError],
    plans: dict[int | None, WritePlan] | None = None,
) -> None:
    """The configured part of a record's write, added to ``clean``: its type, custom values (validated),
    the required standard fields of its type, and its completeness. ``filled`` says which of the given
    standard fields the cleaned values fill; ``plans`` keeps the schema's answers per record type for a
    whole batch."""
    plans = {} if plans is None else plans
    plan = plans.get(type_id)
    if plan is None:
        plan = plans[type_id] = write_plan(schema, actor, type_id)
    clean["record_type_id"] = type_id
    clean["custom"] = clean_custom(
        schema=schema,
        actor=actor,
        type_id=type_id,
        raw=raw,
        current=current.custom if current is not None else None,
        creating=current is None,
        errors=errors,
        plan=plan,
    )
    standard = filled(clean, plan.standard_keys)
    required_standard_errors(
        schema=schema, actor=actor, type_id=type_id, filled=standard, errors=errors, plan=plan
    )
    clean["completeness"], _missing = completeness(schema, type_id, standard, clean["custom"], plan.wanted)


# ---------------------------------------------------------------------------------------------- display
@dataclass
class ShownValue:
    spec: FieldSpec
    value: Any
    text: str
    requirement: str
    editable: bool


@dataclass
class ShownGroup:
    name: str
    values: list[ShownValue] = field(default_factory=list)


def user_names(schema: Schema, records: Iterable[dict[str, Any]]) -> dict[int, str]:
    """Names of the users custom "user" fields point at: one query for a card or a whole list page."""
    keys = [s.key for s in schema.custom() if s.field_type == FieldType.USER]
    if not keys:
        return {}
    ids = {v for values in records for k in keys if isinstance(v := (values or {}).get(k), int)}
    return {u.pk: str(u) for u in User.objects.filter(pk__in=ids)} if ids else {}


def every_user_name() -> dict[int, str]:
    """Every user's name as a file names them (full name, else login; an import reads either back): one
    query for a whole export."""
    users = User.objects.values_list("pk", "first_name", "last_name", "username")
    return {pk: f"{first} {last}".strip() or login for pk, first, last, login in users}


def display(spec: FieldSpec, value: Any, schema: Schema, names: dict[int, str] | None = None) -> str:
    if is_empty(value):
        return ""
    if spec.field_type == FieldType.USER:
        return (names or {}).get(value, f"#{value}")
    return type_of(spec).display(value, spec, schema)


def shown_groups(
    schema: Schema, user: Any, type_id: int | None, custom: dict[str, Any], names: dict[int, str]
) -> list[ShownGroup]:
    """The card's custom fields the user may see, by group, in the configured order."""
    groups: dict[str, ShownGroup] = {}
    for spec in schema.on_type(type_id):
        if spec.standard or not schema.can_see(user, spec.key):
            continue
        value = custom.get(spec.key)
        group = groups.setdefault(spec.group, ShownGroup(spec.group))
        group.values.append(
            ShownValue(
                spec,
                value,
                display(spec, value, schema, names),
                schema.requirement(spec, type_id),
                schema.can_edit(user, spec.key),
            )
        )
    return list(groups.values())


def off_type_values(
    schema: Schema, user: Any, type_id: int | None, custom: dict[str, Any], names: dict[int, str]
) -> list[ShownValue]:
    """Values the card keeps for fields its type does not carry (kept when a card changes type)."""
    on = {s.key for s in schema.on_type(type_id)}
    return [
        ShownValue(
            spec, custom[spec.key], display(spec, custom[spec.key], schema, names), Requirement.HIDDEN, False
        )
        for spec in schema.custom()
        if spec.key not in on and spec.key in custom and schema.can_see(user, spec.key)
    ]


def journal_values(schema: Schema, custom: dict[str, Any], names: dict[int, str]) -> dict[str, str]:
    """Custom values as the journal keeps them: readable text at the time of the change."""
    if not custom:
        return {}
    fields = schema.fields
    return {
        f"custom.{key}": display(spec, value, schema, names)
        for key, value in custom.items()
        if (spec := fields.get(key)) is not None and not spec.standard
    }
