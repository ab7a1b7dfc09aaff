"""Writes of the card's configuration: fields, choice lists and options, record types, field access.

Administrators only; every change is journaled and changes the schema token, so every process picks it
up on its next request. Changing an option's label touches no card: cards store the option's id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import Role, User
from crm.core.audit import ChangeSource, audit_record, diff
from crm.core.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from crm.core.models import AuditAction
from crm.fields import schema as schema_module
from crm.fields.models import (
    AccessLevel,
    ChoiceList,
    ChoiceOption,
    FieldAccess,
    FieldDefinition,
    FieldType,
    RecordKind,
    RecordType,
    Requirement,
    SchemaVersion,
)
from crm.fields.queries import KEY
from crm.fields.signals import schema_changed
from crm.fields.standard import standard_fields
from crm.fields.types import Context, FieldValueError, type_of

CHOICE_TYPES = (FieldType.CHOICE, FieldType.MULTI_CHOICE)


def _require_admin(actor: User) -> None:
    if not access.can_administer(actor):
        raise PermissionDenied("administer fields")


def _changed(actor: User | None, kind: str | None = None) -> None:
    """A new schema token; other processes reload on their next request, this one at once. With ``kind``,
    the apps owning its records are told once the change is committed (completeness recounts)."""
    token = uuid.uuid4().hex
    SchemaVersion.objects.update_or_create(
        pk=1, defaults={"token": token, "changed_at": timezone.now(), "changed_by": actor}
    )
    transaction.on_commit(lambda: schema_module.forget())
    schema_module.forget()
    if kind is not None:
        transaction.on_commit(lambda: schema_changed.send(sender=FieldDefinition, kind=kind))


def _invalid_key() -> FieldError:
    return FieldError(
        "key", "invalid_key", _("A key is Latin lower-case letters, digits and _, starting with a letter.")
    )


def _label_errors(label_ru: str, label_en: str, errors: list[FieldError], name: str = "label_ru") -> None:
    if not (label_ru or "").strip():
        errors.append(FieldError(name, "required", _("Enter the name in Russian.")))
    if len(label_ru or "") > 100 or len(label_en or "") > 100:
        errors.append(FieldError(name, "too_long", _("At most 100 characters.")))


# ---------------------------------------------------------------------------------------------- fields
@dataclass
class FieldInput:
    key: str = ""
    field_type: str = FieldType.TEXT
    label_ru: str = ""
    label_en: str = ""
    help_ru: str = ""
    help_en: str = ""
    choice_list_id: int | None = None
    required: bool = False
    default: Any = None  # raw, parsed by the field's type
    group: str = ""
    order: int | None = None
    is_active: bool = True
    filterable: bool = False
    in_list: bool = False


def _field_snapshot(d: FieldDefinition) -> dict[str, Any]:
    return {
        "key": d.key,
        "field_type": d.field_type,
        "label_ru": d.label_ru,
        "label_en": d.label_en,
        "help_ru": d.help_ru,
        "help_en": d.help_en,
        "choice_list": str(d.choice_list) if d.choice_list_id else None,
        "required": d.required,
        "default": d.default,
        "group": d.group,
        "order": d.order,
        "is_active": d.is_active,
        "filterable": d.filterable,
        "in_list": d.in_list,
    }


def field_save(
    *, actor: User, kind: str, data: FieldInput, source: ChangeSource, field_id: int | None = None
) -> FieldDefinition:
    """Create a custom field or change one. Its key and type never change (stored values depend on them)."""
    _require_admin(actor)
    errors: list[FieldError] = []
    if kind not in RecordKind.values:
        raise NotFound
    with transaction.atomic():
        current = None
        if field_id is not None:
            current = FieldDefinition.objects.select_for_update().filter(pk=field_id, kind=kind).first()
            if current is None or current.is_standard:
                raise NotFound
        key = current.key if current else (data.key or "").strip().lower()
        field_type = current.field_type if current else data.field_type
        if current is None:
            if not KEY.match(key):
                errors.append(_invalid_key())
            elif key in {s.key for s in standard_fields(kind)} or key in ("custom", "id"):
                errors.append(FieldError("key", "reserved_key", _("This key belongs to a standard field.")))
            elif FieldDefinition.objects.filter(kind=kind, key=key).exists():
                errors.append(FieldError("key", "duplicate", _("A field with this key already exists.")))
            if field_type not in FieldType.values:
                errors.append(FieldError("field_type", "invalid_choice", _("Choose a type from the list.")))
        _label_errors(data.label_ru, data.label_en, errors)
        choice_list = None
        if field_type in CHOICE_TYPES:
            choice_list = (
                ChoiceList.objects.filter(pk=data.choice_list_id).first() if data.choice_list_id else None
            )
            if choice_list is None:
                errors.append(FieldError("choice_list_id", "required", _("Choose the list of options.")))
        if errors:
            raise ValidationFailed(errors)
        definition = current or FieldDefinition(kind=kind, key=key, field_type=field_type)
        before = _field_snapshot(definition) if current else {}
        definition.label_ru = data.label_ru.strip()
        definition.label_en = (data.label_en or "").strip()
        definition.help_ru = (data.help_ru or "").strip()[:255]
        definition.help_en = (data.help_en or "").strip()[:255]
        definition.choice_list = choice_list
        definition.required = bool(data.required)
        definition.group = (data.group or "").strip()[:100]
        definition.is_active = bool(data.is_active)
        definition.filterable = bool(data.filterable)
        definition.in_list = bool(data.in_list)
        if data.order is not None:
            definition.order = max(0, int(data.order))
        elif current is None:
            top = FieldDefinition.objects.filter(kind=kind).aggregate(m=Max("order"))["m"]
            definition.order = (top or 0) + 10
        definition.save()
        _changed(actor)
        definition.default = _parse_default(kind, definition, data.default)
        definition.save(update_fields=["default"])
        changes = diff(before, _field_snapshot(definition))
        if changes:
            action = AuditAction.UPDATE if current else AuditAction.CREATE
            audit_record(actor=actor, source=source, action=action, obj=definition, changes=changes)
        _changed(actor, kind)
        if current is None or before.get("filterable") != definition.filterable or not definition.is_active:
            _sync_indexes_later(kind)
    return definition


def _parse_default(kind: str, definition: FieldDefinition, raw: Any) -> Any:
    if raw in (None, "", []):
        return None
    spec = schema_module.schema_for(kind).fields.get(definition.key)
    if spec is None:
        return None
    try:
        return type_of(spec).parse(raw, spec, Context(schema=schema_module.schema_for(kind)))
    except FieldValueError as exc:
        raise ValidationFailed([FieldError("default", exc.code, exc.message)]) from None


def _sync_indexes_later(kind: str) -> None:
    from crm.fields.jobs import sync_indexes

    transaction.on_commit(lambda: sync_indexes(kind))


@dataclass
class StandardFieldInput:
    is_active: bool = True
    required: bool = False
    label_ru: str = ""
    label_en: str = ""
    help_ru: str = ""
    help_en: str = ""


def standard_field_save(
    *, actor: User, kind: str, key: str, data: StandardFieldInput, source: ChangeSource
) -> FieldDefinition:
    """Switch a standard field off or on, make it required, or rename it for this company."""
    _require_admin(actor)
    standard = {s.key: s for s in standard_fields(kind)}.get(key)
    if standard is None:
        raise NotFound
    with transaction.atomic():
        definition, created = FieldDefinition.objects.select_for_update().get_or_create(
            kind=kind, key=key, defaults={"is_standard": True, "field_type": FieldType.TEXT}
        )
        before = {"is_active": True, "required": False} if created else _standard_snapshot(definition)
        definition.is_active = bool(data.is_active)
        definition.required = bool(data.required) and standard.can_require
        for name in ("label_ru", "label_en", "help_ru", "help_en"):
            setattr(definition, name, (getattr(data, name) or "").strip()[: 100 if "label" in name else 255])
        definition.save()
        changes = diff(before, _standard_snapshot(definition))
        if changes:
            audit_record(
                actor=actor, source=source, action=AuditAction.UPDATE, obj=definition, changes=changes
            )
        _changed(actor, kind)
    return definition


def _standard_snapshot(d: FieldDefinition) -> dict[str, Any]:
    return {
        "is_active": d.is_active,
        "required": d.required,
        "label_ru": d.label_ru,
        "label_en": d.label_en,
        "help_ru": d.help_ru,
        "help_en": d.help_en,
    }


def field_access_set(
    *, actor: User, kind: str, key: str, levels: dict[int, str], source: ChangeSource
) -> None:
    """Per role: the field is editable, read-only or hidden (hidden: absent from every page and response)."""
    _require_admin(actor)
    known = {s.key for s in standard_fields(kind)} | set(
        FieldDefinition.objects.filter(kind=kind, is_standard=False).values_list("key", flat=True)
    )
    if key not in known:
        raise NotFound
    roles = {r.pk: r for r in Role.objects.filter(pk__in=list(levels))}
    errors = [
        FieldError(f"role_{pk}", "invalid_choice", _("Choose editable, read-only or hidden."))
        for pk, level in levels.items()
        if level not in AccessLevel.values or pk not in roles
    ]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        rows = {a.role_id: a for a in FieldAccess.objects.select_for_update().filter(kind=kind, key=key)}
        changes: dict[str, list[Any]] = {}
        for pk, level in levels.items():
            old = rows[pk].level if pk in rows else AccessLevel.EDIT
            if old == level:
                continue
            changes[f"access.{roles[pk].code}"] = [old, level]
            if level == AccessLevel.EDIT:
                rows[pk].delete()
            else:
                FieldAccess.objects.update_or_create(
                    kind=kind, key=key, role=roles[pk], defaults={"level": level}
                )
        if changes:
            definition, _created = FieldDefinition.objects.get_or_create(
                kind=kind, key=key, defaults={"is_standard": True, "field_type": FieldType.TEXT}
            )
            audit_record(
                actor=actor, source=source, action=AuditAction.UPDATE, obj=definition, changes=changes
            )
            _changed(actor)


# ---------------------------------------------------------------------------------------------- lists
def choice_list_save(
    *,
    actor: User,
    name_ru: str,
    name_en: str = "",
    key: str = "",
    source: ChangeSource,
    list_id: int | None = None,
) -> ChoiceList:
    _require_admin(actor)
    errors: list[FieldError] = []
    _label_errors(name_ru, name_en, errors, "name_ru")
    with transaction.atomic():
        current = ChoiceList.objects.select_for_update().filter(pk=list_id or 0).first() if list_id else None
        if list_id and current is None:
            raise NotFound
        key = current.key if current else (key or "").strip().lower()
        if current is None:
            if not KEY.match(key):
                errors.append(_invalid_key())
            elif ChoiceList.objects.filter(key=key).exists():
                errors.append(FieldError("key", "duplicate", _("A list with this key already exists.")))
        if errors:
            raise ValidationFailed(errors)
        choice_list = current or ChoiceList(key=key)
        before = {"name_ru": current.name_ru, "name_en": current.name_en} if current else {}
        choice_list.name_ru, choice_list.name_en = name_ru.strip(), (name_en or "").strip()
        choice_list.save()
        changes = diff(before, {"key": key, "name_ru": choice_list.name_ru, "name_en": choice_list.name_en})
        if changes:
            action = AuditAction.UPDATE if current else AuditAction.CREATE
            audit_record(actor=actor, source=source, action=action, obj=choice_list, changes=changes)
        _changed(actor)
    return choice_list


def option_save(
    *,
    actor: User,
    list_id: int,
    label_ru: str,
    label_en: str = "",
    is_active: bool = True,
    source: ChangeSource,
    option_id: int | None = None,
) -> ChoiceOption:
    """Add an option or rename one (cards hold its id: renaming rewrites no card)."""
    _require_admin(actor)
    errors: list[FieldError] = []
    _label_errors(label_ru, label_en, errors)
    label_ru, label_en = " ".join((label_ru or "").split()), " ".join((label_en or "").split())
    with transaction.atomic():
        choice_list = ChoiceList.objects.select_for_update().filter(pk=list_id).first()
        if choice_list is None:
            raise NotFound
        current = None
        if option_id is not None:
            current = ChoiceOption.objects.filter(pk=option_id, choice_list=choice_list).first()
            if current is None or current.merged_into_id:
                raise NotFound
        clash = (
            ChoiceOption.objects.filter(choice_list=choice_list, merged_into=None, label_ru__iexact=label_ru)
            .exclude(pk=option_id or 0)
            .exists()
        )
        if label_ru and clash:
            errors.append(
                FieldError("label_ru", "duplicate", _("The list already has this option: merge instead."))
            )
        if errors:
            raise ValidationFailed(errors)
        option = current or ChoiceOption(choice_list=choice_list)
        before = (
            {"label_ru": current.label_ru, "label_en": current.label_en, "is_active": current.is_active}
            if current
            else {}
        )
        option.label_ru, option.label_en, option.is_active = label_ru, label_en, bool(is_active)
        if current is None:
            top = ChoiceOption.objects.filter(choice_list=choice_list).aggregate(m=Max("order"))["m"]
            option.order = (top or 0) + 10
        option.save()
        after = {"label_ru": option.label_ru, "label_en": option.label_en, "is_active": option.is_active}
        changes = diff(before, after)
        if changes:
            action = AuditAction.UPDATE if current else AuditAction.CREATE
            audit_record(actor=actor, source=source, action=action, obj=option, changes=changes)
        _changed(actor)
    return option


def options_reorder(*, actor: User, list_id: int, option_ids: list[int], source: ChangeSource) -> None:
    _require_admin(actor)
    with transaction.atomic():
        options = {o.pk: o for o in ChoiceOption.objects.select_for_update().filter(choice_list_id=list_id)}
        if not options:
            raise NotFound
        ordered = [pk for pk in option_ids if pk in options] + [pk for pk in options if pk not in option_ids]
        for position, pk in enumerate(ordered):
            options[pk].order = (position + 1) * 10
        ChoiceOption.objects.bulk_update(options.values(), ["order"])
        choice_list = ChoiceList.objects.get(pk=list_id)
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.UPDATE,
            obj=choice_list,
            changes={"order": [None, [options[pk].label_ru for pk in ordered]]},
        )
        _changed(actor)


def option_merge(*, actor: User, option_id: int, into_id: int, source: ChangeSource) -> ChoiceOption:
    """Two spellings of one thing become one: cards holding the old option read as the other from now on.

    No card is rewritten (a million-card list merges at once); filters on the kept option also find
    cards stored under the merged one.
    """
    _require_admin(actor)
    if option_id == into_id:
        raise ValidationFailed(
            [FieldError("into_id", "same_option", _("Choose another option to merge into."))]
        )
    with transaction.atomic():
        options = {
            o.pk: o for o in ChoiceOption.objects.select_for_update().filter(pk__in=[option_id, into_id])
        }
        merged, kept = options.get(option_id), options.get(into_id)
        if merged is None or kept is None or merged.choice_list_id != kept.choice_list_id:
            raise NotFound
        if merged.merged_into_id or kept.merged_into_id:
            raise ValidationFailed(
                [FieldError("into_id", "already_merged", _("This option is already merged."))]
            )
        merged.merged_into, merged.is_active = kept, False
        merged.save(update_fields=["merged_into", "is_active"])
        ChoiceOption.objects.filter(merged_into=merged).update(merged_into=kept)
        message = format_lazy(_("«{old}» merged into «{new}»"), old=merged.label_ru, new=kept.label_ru)
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.MERGE,
            obj=merged,
            changes={"merged_into": [merged.label_ru, kept.label_ru], "note": [None, str(message)]},
        )
        _changed(actor)
    return kept


# ---------------------------------------------------------------------------------------------- types
@dataclass
class RecordTypeInput:
    key: str = ""
    name_ru: str = ""
    name_en: str = ""
    is_active: bool = True
    order: int | None = None
    levels: dict[str, str] = field(default_factory=dict)


def record_type_save(
    *, actor: User, kind: str, data: RecordTypeInput, source: ChangeSource, type_id: int | None = None
) -> RecordType:
    """A record type and, per field, whether it is on this type and how much it is required."""
    _require_admin(actor)
    if kind not in RecordKind.values:
        raise NotFound
    errors: list[FieldError] = []
    _label_errors(data.name_ru, data.name_en, errors, "name_ru")
    keys = set(schema_module.schema_for(kind).fields)
    for key, level in data.levels.items():
        if key not in keys or level not in Requirement.values:
            errors.append(FieldError(f"level_{key}", "invalid_choice", _("Choose a level from the list.")))
    with transaction.atomic():
        current = None
        if type_id is not None:
            current = RecordType.objects.select_for_update().filter(pk=type_id, kind=kind).first()
            if current is None:
                raise NotFound
        key = current.key if current else (data.key or "").strip().lower()
        if current is None:
            if not KEY.match(key):
                errors.append(_invalid_key())
            elif RecordType.objects.filter(kind=kind, key=key).exists():
                errors.append(FieldError("key", "duplicate", _("A type with this key already exists.")))
        if errors:
            raise ValidationFailed(errors)
        record_type = current or RecordType(kind=kind, key=key)
        before = _type_snapshot(record_type) if current else {}
        record_type.name_ru, record_type.name_en = data.name_ru.strip(), (data.name_en or "").strip()
        record_type.is_active = bool(data.is_active)
        record_type.levels = {k: v for k, v in sorted(data.levels.items()) if v != Requirement.OPTIONAL}
        if data.order is not None:
            record_type.order = max(0, int(data.order))
        elif current is None:
            top = RecordType.objects.filter(kind=kind).aggregate(m=Max("order"))["m"]
            record_type.order = (top or 0) + 10
        record_type.save()
        changes = diff(before, _type_snapshot(record_type))
        if changes:
            action = AuditAction.UPDATE if current else AuditAction.CREATE
            audit_record(actor=actor, source=source, action=action, obj=record_type, changes=changes)
        _changed(actor, kind)
    return record_type


def _type_snapshot(t: RecordType) -> dict[str, Any]:
    return {
        "key": t.key,
        "name_ru": t.name_ru,
        "name_en": t.name_en,
        "is_active": t.is_active,
        "order": t.order,
        **{f"level.{k}": v for k, v in (t.levels or {}).items()},
    }
