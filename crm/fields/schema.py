"""The configured card of each record kind, as one cached read-only object.

Loaded from the definition tables, kept per process and reloaded when the ``SchemaVersion`` token
changes (one indexed read, at most once per request), so every process sees an administrator's change
on its next request without a restart.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language

from crm.fields.models import (
    AccessLevel,
    ChoiceList,
    ChoiceOption,
    FieldAccess,
    FieldDefinition,
    RecordType,
    Requirement,
    SchemaVersion,
)
from crm.fields.standard import standard_fields


def _pick(ru: str, en: str) -> str:
    return (en or ru) if (get_language() or "ru").startswith("en") else (ru or en)


@dataclass(frozen=True)
class Option:
    pk: int
    list_id: int
    label_ru: str
    label_en: str
    order: int
    is_active: bool
    merged_into_id: int | None

    @property
    def label(self) -> str:
        return _pick(self.label_ru, self.label_en)


@dataclass(frozen=True)
class FieldSpec:
    """One field of a card as configured: a custom one or the settings of a standard one."""

    kind: str
    key: str
    standard: bool
    field_type: str
    label_ru: str
    label_en: str
    help_ru: str = ""
    help_en: str = ""
    required: bool = False
    default: Any = None
    group: str = ""
    order: int = 0
    active: bool = True
    filterable: bool = False
    in_list: bool = False
    choice_list_id: int | None = None
    pk: int | None = None
    error_field: str = ""
    can_require: bool = True
    standard_label: Any = None

    @property
    def label(self) -> str:
        if self.standard and not (self.label_ru or self.label_en):
            return str(self.standard_label)
        return _pick(self.label_ru, self.label_en) or self.key

    @property
    def help(self) -> str:
        return _pick(self.help_ru, self.help_en)

    @property
    def form_field(self) -> str:
        """The name an error about this field is reported under (the API and the form agree on it)."""
        if self.standard:
            return self.error_field or self.key
        return f"custom.{self.key}"

    @property
    def journal_key(self) -> str:
        return self.key if self.standard else f"custom.{self.key}"


@dataclass(frozen=True)
class TypeSpec:
    pk: int
    kind: str
    key: str
    name_ru: str
    name_en: str
    order: int
    is_active: bool
    levels: dict[str, str]

    @property
    def name(self) -> str:
        return _pick(self.name_ru, self.name_en)


@dataclass
class Schema:
    kind: str
    fields: dict[str, FieldSpec]  # active and inactive, standard first then custom by group and order
    options: dict[int, Option]
    list_options: dict[int, list[Option]]
    lists: dict[int, tuple[str, str, str]]  # id → (key, name_ru, name_en)
    types: dict[int, TypeSpec]
    access: dict[tuple[str, int], str] = field(default_factory=dict)  # (key, role id) → level
    # A schema never changes once built (a new token builds a new one), so per-type answers are kept.
    _per_type: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    # ---------------------------------------------------------------------------------------- fields
    def active(self) -> list[FieldSpec]:
        return [f for f in self.fields.values() if f.active]

    def custom(self, active_only: bool = True) -> list[FieldSpec]:
        return [f for f in self.fields.values() if not f.standard and (f.active or not active_only)]

    def is_on(self, key: str) -> bool:
        """Whether a standard field is in use at all (an administrator may switch unused ones off)."""
        spec = self.fields.get(key)
        return spec is None or spec.active

    # ---------------------------------------------------------------------------------------- access
    def level(self, user: Any, key: str) -> str:
        """Edit, read or hidden for this user's role; administrators always edit."""
        spec = self.fields.get(key)
        if spec is not None and not spec.active:
            return AccessLevel.HIDDEN
        if user is None or getattr(user, "is_superuser", False):
            return AccessLevel.EDIT
        role_id = getattr(user, "role_id", None)
        if role_id is None:
            return AccessLevel.HIDDEN
        role = user.role
        if role.is_admin:
            return AccessLevel.EDIT
        return self.access.get((key, role_id), AccessLevel.EDIT)

    def can_see(self, user: Any, key: str) -> bool:
        return self.level(user, key) != AccessLevel.HIDDEN

    def can_edit(self, user: Any, key: str) -> bool:
        return self.level(user, key) == AccessLevel.EDIT

    def hidden_keys(self, user: Any) -> set[str]:
        """Keys (standard names, custom keys) this user may not see at all."""
        return {k for k in self.fields if self.level(user, k) == AccessLevel.HIDDEN}

    def visible_custom(self, user: Any) -> list[FieldSpec]:
        return [f for f in self.custom() if self.can_see(user, f.key)]

    # ---------------------------------------------------------------------------------------- types
    def active_types(self) -> list[TypeSpec]:
        return [t for t in self.types.values() if t.is_active]

    def requirement(self, spec: FieldSpec, type_id: int | None) -> str:
        """Hidden (not on this type), optional, recommended or required for a card of this type."""
        record_type = self.types.get(type_id) if type_id else None
        level = (
            record_type.levels.get(spec.key, Requirement.OPTIONAL) if record_type else Requirement.OPTIONAL
        )
        if level == Requirement.HIDDEN:
            return Requirement.HIDDEN
        if not spec.can_require:
            return Requirement.OPTIONAL
        return Requirement.REQUIRED if spec.required else level

    def on_type(self, type_id: int | None) -> list[FieldSpec]:
        """The active fields a card of this type carries."""
        key = ("on_type", type_id)
        if key not in self._per_type:
            self._per_type[key] = [
                f for f in self.active() if self.requirement(f, type_id) != Requirement.HIDDEN
            ]
        return list(self._per_type[key])

    def completeness_hides_from(self, user: Any) -> bool:
        """Whether the stored completeness counts a field hidden from this user on some type: then the
        percent, its filter and its sort would tell them whether that field is filled, so they get the
        share of what they can see on a card and no stored percent anywhere else."""
        key = ("completeness_hides", getattr(user, "pk", None), getattr(user, "role_id", None))
        if key not in self._per_type:
            self._per_type[key] = any(
                not self.can_see(user, spec.key)
                for type_id in (None, *self.types)
                for spec in self.wanted(type_id)
            )
        return bool(self._per_type[key])

    def wanted(self, type_id: int | None) -> list[FieldSpec]:
        """The fields a card of this type should have filled: its required and recommended ones."""
        key = ("wanted", type_id)
        if key not in self._per_type:
            self._per_type[key] = [
                s
                for s in self.on_type(type_id)
                if self.requirement(s, type_id) in (Requirement.REQUIRED, Requirement.RECOMMENDED)
            ]
        return list(self._per_type[key])

    # ---------------------------------------------------------------------------------------- options
    def option(self, pk: Any) -> Option | None:
        """The option behind a stored id, following merges to the option it became."""
        try:
            option = self.options.get(int(pk))
        except (TypeError, ValueError):
            return None
        seen = 0
        while option is not None and option.merged_into_id and seen < 10:
            option, seen = self.options.get(option.merged_into_id), seen + 1
        return option

    def choices(self, spec: FieldSpec, keep: Any = None) -> list[Option]:
        """The options offered for a field: active ones, plus the ones a card already holds."""
        kept = {o.pk for o in (self.option(v) for v in _as_list(keep)) if o is not None}
        return [
            o
            for o in self.list_options.get(spec.choice_list_id or 0, [])
            if o.merged_into_id is None and (o.is_active or o.pk in kept)
        ]

    def list_labels(self, list_key: str) -> list[str]:
        """The active options of a central list by its key (suggestions for standard text fields)."""
        list_id = next((pk for pk, (key, _ru, _en) in self.lists.items() if key == list_key), None)
        options = self.list_options.get(list_id or 0, [])
        return [o.label for o in options if o.is_active and o.merged_into_id is None]

    def list_choices(self, list_key: str, keep: Any = None) -> list[Option]:
        """The options a central list offers by its key: active ones, plus the ones a record already holds."""
        list_id = next((pk for pk, (key, _ru, _en) in self.lists.items() if key == list_key), None)
        kept = {o.pk for o in (self.option(v) for v in _as_list(keep)) if o is not None}
        return [
            o
            for o in self.list_options.get(list_id or 0, [])
            if o.merged_into_id is None and (o.is_active or o.pk in kept)
        ]

    def offered_option(self, list_key: str, value: Any, keep: Any = None) -> Option | None:
        """The option a stored or submitted id means, if the list offers it (active, or one the record
        already holds); None for anything else."""
        option = self.option(value)
        offered = {o.pk for o in self.list_choices(list_key, keep=keep)}
        return option if option is not None and option.pk in offered else None

    def ids_meaning(self, option_id: int) -> list[int]:
        """The stored ids that read as this option: itself and every option merged into it."""
        return [pk for pk in self.options if getattr(self.option(pk), "pk", None) == option_id]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


# -------------------------------------------------------------------------------------------- loading
_lock = threading.Lock()
_cache: dict[str, Any] = {"token": None, "schemas": {}}
_local = threading.local()


def current_token() -> str:
    """The definitions' version: remembered for the rest of a request once read (see SchemaMiddleware)."""
    token = getattr(_local, "token", None)
    if token is None:
        row = SchemaVersion.objects.filter(pk=1).values_list("token", flat=True).first()
        token = row or ""
        if getattr(_local, "in_request", False):
            _local.token = token
    return token


def begin_request() -> None:
    _local.in_request, _local.token = True, None


def end_request() -> None:
    _local.in_request, _local.token = False, None


def forget(token: str | None = None) -> None:
    """After a definition change in this process: the next read reloads."""
    _local.token = token if getattr(_local, "in_request", False) else None


def schema_for(kind: str) -> Schema:
    token = current_token()
    with _lock:
        if _cache["token"] == token and kind in _cache["schemas"]:
            return _cache["schemas"][kind]  # type: ignore[no-any-return]
    loaded = _load_all()
    with _lock:
        _cache["token"], _cache["schemas"] = token, loaded
    return loaded.get(kind) or _empty(kind)


def _empty(kind: str) -> Schema:
    return Schema(
        kind=kind, fields=_standard_specs(kind, {}), options={}, list_options={}, lists={}, types={}
    )


def _standard_specs(kind: str, rows: dict[str, FieldDefinition]) -> dict[str, FieldSpec]:
    specs = {}
    for std in standard_fields(kind):
        row = rows.get(std.key)
        specs[std.key] = FieldSpec(
            kind=kind,
            key=std.key,
            standard=True,
            field_type="standard",
            label_ru=row.label_ru if row else "",
            label_en=row.label_en if row else "",
            help_ru=row.help_ru if row else "",
            help_en=row.help_en if row else "",
            required=bool(row and row.required and std.can_require),
            active=row.is_active if row else True,
            pk=row.pk if row else None,
            error_field=std.error_field,
            can_require=std.can_require,
            standard_label=std.label,
        )
    return specs


def _load_all() -> dict[str, Schema]:
    options: dict[int, Option] = {}
    by_list: dict[int, list[Option]] = {}
    for o in ChoiceOption.objects.order_by("choice_list_id", "order", "id"):
        option = Option(
            o.pk, o.choice_list_id, o.label_ru, o.label_en, o.order, o.is_active, o.merged_into_id
        )
        options[o.pk] = option
        by_list.setdefault(o.choice_list_id, []).append(option)
    lists = {c.pk: (c.key, c.name_ru, c.name_en) for c in ChoiceList.objects.all()}
    definitions: dict[str, list[FieldDefinition]] = {}
    for d in FieldDefinition.objects.order_by("order", "id"):
        definitions.setdefault(d.kind, []).append(d)
    types: dict[str, dict[int, TypeSpec]] = {}
    for t in RecordType.objects.order_by("order", "id"):
        types.setdefault(t.kind, {})[t.pk] = TypeSpec(
            t.pk, t.kind, t.key, t.name_ru, t.name_en, t.order, t.is_active, dict(t.levels or {})
        )
    access: dict[str, dict[tuple[str, int], str]] = {}
    for a in FieldAccess.objects.all():
        access.setdefault(a.kind, {})[(a.key, a.role_id)] = a.level
    schemas = {}
    for kind in {*definitions, *types, "contact", "company"}:
        rows = definitions.get(kind, [])
        specs = _standard_specs(kind, {d.key: d for d in rows if d.is_standard})
        custom = sorted((d for d in rows if not d.is_standard), key=lambda d: (d.group, d.order, d.pk))
        for d in custom:
            specs[d.key] = FieldSpec(
                kind=kind,
                key=d.key,
                standard=False,
                field_type=d.field_type,
                label_ru=d.label_ru,
                label_en=d.label_en,
                help_ru=d.help_ru,
                help_en=d.help_en,
                required=d.required,
                default=d.default,
                group=d.group,
                order=d.order,
                active=d.is_active,
                filterable=d.filterable,
                in_list=d.in_list,
                choice_list_id=d.choice_list_id,
                pk=d.pk,
            )
        schemas[kind] = Schema(
            kind=kind,
            fields=specs,
            options=options,
            list_options=by_list,
            lists=lists,
            types=types.get(kind, {}),
            access=access.get(kind, {}),
        )
    return schemas


def journal_label(name: str) -> str | None:
    """Labels of the journal keys the definitions own: "custom.<key>", "level.<key>", "access.<role>"."""
    prefix, _dot, key = name.partition(".")
    if prefix in ("custom", "level") and key:
        for kind in ("contact", "company", "deal"):
            spec = schema_for(kind).fields.get(key)
            if spec is not None:
                return spec.label if prefix == "custom" else f"{spec.label} ({_level_word()})"
    if prefix == "access" and key:
        return f"{_access_word()}: {key}"
    return None


def _level_word() -> str:
    from django.utils.translation import gettext

    return gettext("on this type")


def _access_word() -> str:
    from django.utils.translation import gettext

    return gettext("Access")
