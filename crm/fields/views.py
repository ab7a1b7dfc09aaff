"""The administrator's settings: fields of each record kind and their access, choice lists, record types."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.accounts import access
from crm.core.audit import ChangeSource
from crm.core.errors import FieldError, NotFound, ValidationFailed
from crm.fields import selectors, services
from crm.fields.models import AccessLevel, ChoiceList, FieldDefinition, FieldType, RecordKind, Requirement
from crm.fields.schema import FieldSpec, Schema, schema_for
from crm.fields.types import type_of

CHOICE_TYPES = [FieldType.CHOICE.value, FieldType.MULTI_CHOICE.value]
Errors = dict[str, list[str]]


def _admin_only(request: HttpRequest) -> None:
    if not access.can_administer(request.user):
        raise Http404


def _check_kind(kind: str) -> None:
    if kind not in RecordKind.values:
        raise Http404


def _int(raw: str | None) -> int | None:
    text = (raw or "").strip()
    return int(text) if text.isdecimal() else None


def _checked(request: HttpRequest, name: str) -> bool:
    return request.POST.get(name) == "1"


def _text(request: HttpRequest, name: str) -> str:
    return request.POST.get(name, "")


# ---------------------------------------------------------------------------------------------- fields
@login_required
@require_GET
def field_list(request: HttpRequest, kind: str) -> HttpResponse:
    _admin_only(request)
    _check_kind(kind)
    schema = schema_for(kind)
    list_names = {c.pk: str(c) for c in selectors.choice_lists()}
    custom = [
        {
            "spec": spec,
            "type": FieldType(spec.field_type).label,
            "list": list_names.get(spec.choice_list_id or 0, ""),
        }
        for spec in schema.custom(active_only=False)
    ]
    context = {
        "kind": kind,
        "kinds": RecordKind.choices,
        "standard": [spec for spec in schema.fields.values() if spec.standard],
        "custom": custom,
    }
    return render(request, "fields/field_list.html", context)


def _access_context(kind: str, key: str) -> dict[str, Any]:
    levels = selectors.access_levels(kind, key)
    rows = [{"role": role, "level": levels.get(role.pk, AccessLevel.EDIT)} for role in selectors.roles()]
    return {"access_rows": rows, "access_levels": AccessLevel.choices, "access_key": key}


def _field_page(spec: FieldSpec) -> HttpResponse:
    if spec.standard:
        return redirect("fields:standard_field_edit", spec.kind, spec.key)
    return redirect("fields:field_edit", spec.kind, spec.pk)


@login_required
def standard_field_edit(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    _admin_only(request)
    _check_kind(kind)
    spec = schema_for(kind).fields.get(key)
    if spec is None or not spec.standard:
        raise Http404
    errors: Errors = {}
    form: dict[str, Any] = {
        "is_active": spec.active,
        "required": spec.required,
        "label_ru": spec.label_ru,
        "label_en": spec.label_en,
        "help_ru": spec.help_ru,
        "help_en": spec.help_en,
    }
    if request.method == "POST":
        data = services.StandardFieldInput(
            is_active=_checked(request, "is_active"),
            required=_checked(request, "required"),
            label_ru=_text(request, "label_ru"),
            label_en=_text(request, "label_en"),
            help_ru=_text(request, "help_ru"),
            help_en=_text(request, "help_en"),
        )
        try:
            services.standard_field_save(
                actor=request.user, kind=kind, key=key, data=data, source=ChangeSource.from_request(request)
            )
        except NotFound:
            raise Http404 from None
        except ValidationFailed as exc:
            errors, form = exc.by_field(), vars(data)
        else:
            messages.success(request, _("Saved."))
            return redirect("fields:field_list", kind)
    context = {"kind": kind, "spec": spec, "form": form, "errors": errors, **_access_context(kind, key)}
    return render(request, "fields/standard_field_form.html", context)


def _default_text(spec: FieldSpec | None, schema: Schema, value: Any) -> str:
    """A stored default as text the field's type parses back to the same value."""
    if spec is None or value is None or value == [] or value == "":
        return ""
    if spec.field_type in CHOICE_TYPES:
        labels = []
        for pk in value if isinstance(value, list) else [value]:
            option = schema.option(pk)
            if option is not None:
                # A label made of digits would be read as an option id: write the id itself then.
                labels.append(str(option.pk) if option.label.strip().isdecimal() else option.label)
        return ", ".join(labels)
    if spec.field_type == FieldType.USER:
        return str(value)
    return type_of(spec).display(value, spec, schema)


def _field_form(definition: FieldDefinition | None, schema: Schema) -> dict[str, Any]:
    if definition is None:
        return {"field_type": FieldType.TEXT.value, "is_active": True, "choice_list_id": None}
    return {
        "key": definition.key,
        "field_type": definition.field_type,
        "label_ru": definition.label_ru,
        "label_en": definition.label_en,
        "help_ru": definition.help_ru,
        "help_en": definition.help_en,
        "choice_list_id": definition.choice_list_id,
        "default": _default_text(schema.fields.get(definition.key), schema, definition.default),
        "group": definition.group,
        "order": definition.order,
        "required": definition.required,
        "is_active": definition.is_active,
        "filterable": definition.filterable,
        "in_list": definition.in_list,
    }


def _posted_field_form(request: HttpRequest, definition: FieldDefinition | None) -> dict[str, Any]:
    form: dict[str, Any] = {
        name: _text(request, name)
        for name in ("key", "field_type", "label_ru", "label_en", "help_ru", "help_en", "default", "group")
    }
    form["order"] = _text(request, "order").strip()
    form["choice_list_id"] = _int(request.POST.get("choice_list_id"))
    for flag in ("required", "is_active", "filterable", "in_list"):
        form[flag] = _checked(request, flag)
    if definition is not None:  # the key and the type never change
        form["key"], form["field_type"] = definition.key, definition.field_type
    return form


def _field_input(form: dict[str, Any]) -> services.FieldInput:
    default: Any = form["default"]
    if form["field_type"] == FieldType.MULTI_CHOICE:
        default = [part.strip() for part in default.split(",") if part.strip()]
    return services.FieldInput(
        key=form["key"],
        field_type=form["field_type"],
        label_ru=form["label_ru"],
        label_en=form["label_en"],
        help_ru=form["help_ru"],
        help_en=form["help_en"],
        choice_list_id=form["choice_list_id"],
        required=form["required"],
        default=default,
        group=form["group"],
        order=_int(form["order"]),
        is_active=form["is_active"],
        filterable=form["filterable"],
        in_list=form["in_list"],
    )


@login_required
def field_edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    _admin_only(request)
    _check_kind(kind)
    definition = selectors.definition_get(kind, pk) if pk else None
    if pk and definition is None:
        raise Http404
    errors: Errors = {}
    form = _field_form(definition, schema_for(kind))
    if request.method == "POST":
        form = _posted_field_form(request, definition)
        try:
            services.field_save(
                actor=request.user,
                kind=kind,
                data=_field_input(form),
                source=ChangeSource.from_request(request),
                field_id=pk,
            )
        except NotFound:
            raise Http404 from None
        except ValidationFailed as exc:
            errors = exc.by_field()
        else:
            messages.success(request, _("Saved."))
            return redirect("fields:field_list", kind)
    context: dict[str, Any] = {
        "kind": kind,
        "definition": definition,
        "form": form,
        "errors": errors,
        "types": FieldType.choices,
        "lists": selectors.choice_lists(),
        "is_choice": form["field_type"] in CHOICE_TYPES,
    }
    if definition is not None:
        context |= _access_context(kind, definition.key)
    return render(request, "fields/field_form.html", context)


@login_required
@require_POST
def field_access(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    """Editable, read-only or hidden per role; administrator roles always edit and are not posted."""
    _admin_only(request)
    _check_kind(kind)
    spec = schema_for(kind).fields.get(key)
    if spec is None:
        raise Http404
    levels = {
        role.pk: request.POST[f"role_{role.pk}"]
        for role in selectors.roles()
        if not role.is_admin and f"role_{role.pk}" in request.POST
    }
    try:
        services.field_access_set(
            actor=request.user, kind=kind, key=key, levels=levels, source=ChangeSource.from_request(request)
        )
    except NotFound:
        raise Http404 from None
    except ValidationFailed as exc:
        messages.error(request, "; ".join(str(e.message) for e in exc.errors))
    else:
        messages.success(request, _("Saved."))
    return _field_page(spec)


# ---------------------------------------------------------------------------------------------- lists
@login_required
def choice_list_index(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    errors: Errors = {}
    form = {"key": "", "name_ru": "", "name_en": ""}
    if request.method == "POST":
        form = {name: _text(request, name) for name in form}
        try:
            created = services.choice_list_save(
                actor=request.user,
                key=form["key"],
                name_ru=form["name_ru"],
                name_en=form["name_en"],
                source=ChangeSource.from_request(request),
            )
        except ValidationFailed as exc:
            errors = exc.by_field()
        else:
            messages.success(request, _("Saved."))
            return redirect("fields:choice_list", created.pk)  # its options come next
    context = {"lists": selectors.choice_lists(), "form": form, "errors": errors}
    return render(request, "fields/choice_list_index.html", context)


def _list_or_404(pk: int) -> ChoiceList:
    choice_list = selectors.choice_list_get(pk)
    if choice_list is None:
        raise Http404
    return choice_list


def _swapped(ids: list[int], i: int, j: int) -> list[int]:
    result = list(ids)
    result[i], result[j] = result[j], result[i]
    return result


def _list_page(
    request: HttpRequest, choice_list: ChoiceList, failed: dict[Any, tuple[Errors, dict[str, Any]]]
) -> HttpResponse:
    """The list's page; ``failed`` holds the errors and typed values of the one form that was refused."""
    options = selectors.options_of(choice_list)
    live = [o for o in options if o.merged_into_id is None]
    merged = [o for o in options if o.merged_into_id is not None]
    order = [o.pk for o in live]
    tail = [o.pk for o in merged]
    rows = []
    for i, option in enumerate(live + merged):
        errors, form = failed.get(
            ("option", option.pk),
            ({}, {"label_ru": option.label_ru, "label_en": option.label_en, "is_active": option.is_active}),
        )
        row: dict[str, Any] = {"option": option, "errors": errors, "form": form}
        if option.merged_into_id is None:
            row["up"] = _swapped(order, i, i - 1) + tail if i > 0 else None
            row["down"] = _swapped(order, i, i + 1) + tail if i < len(live) - 1 else None
            row["targets"] = [o for o in live if o.pk != option.pk]
            row["merge_errors"] = failed.get(("merge", option.pk), ({}, {}))[0]
        rows.append(row)
    list_errors, list_form = failed.get(
        "list", ({}, {"name_ru": choice_list.name_ru, "name_en": choice_list.name_en})
    )
    new_errors, new_form = failed.get("new", ({}, {"label_ru": "", "label_en": ""}))
    context = {
        "choice_list": choice_list,
        "rows": rows,
        "errors": list_errors,
        "form": list_form,
        "new_errors": new_errors,
        "new_form": new_form,
    }
    return render(request, "fields/choice_list_detail.html", context)


@login_required
def choice_list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One list: its name (POST renames it) and its options with their own small forms."""
    _admin_only(request)
    choice_list = _list_or_404(pk)
    if request.method == "POST":
        form = {"name_ru": _text(request, "name_ru"), "name_en": _text(request, "name_en")}
        try:
            services.choice_list_save(
                actor=request.user,
                name_ru=form["name_ru"],
                name_en=form["name_en"],
                source=ChangeSource.from_request(request),
                list_id=pk,
            )
        except NotFound:
            raise Http404 from None
        except ValidationFailed as exc:
            return _list_page(request, choice_list, {"list": (exc.by_field(), form)})
        messages.success(request, _("Saved."))
        return redirect("fields:choice_list_index")
    return _list_page(request, choice_list, {})


@login_required
@require_POST
def option_create(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    choice_list = _list_or_404(pk)
    form = {"label_ru": _text(request, "label_ru"), "label_en": _text(request, "label_en")}
    try:
        services.option_save(
            actor=request.user,
            list_id=pk,
            label_ru=form["label_ru"],
            label_en=form["label_en"],
            source=ChangeSource.from_request(request),
        )
    except NotFound:
        raise Http404 from None
    except ValidationFailed as exc:
        return _list_page(request, choice_list, {"new": (exc.by_field(), form)})
    messages.success(request, _("Saved."))
    return redirect("fields:choice_list", pk)


@login_required
@require_POST
def option_edit(request: HttpRequest, pk: int, option_pk: int) -> HttpResponse:
    """Rename an option or switch it off for new values (cards that hold it keep it)."""
    _admin_only(request)
    choice_list = _list_or_404(pk)
    form: dict[str, Any] = {
        "label_ru": _text(request, "label_ru"),
        "label_en": _text(request, "label_en"),
        "is_active": _checked(request, "is_active"),
    }
    try:
        services.option_save(
            actor=request.user,
            list_id=pk,
            option_id=option_pk,
            label_ru=form["label_ru"],
            label_en=form["label_en"],
            is_active=form["is_active"],
            source=ChangeSource.from_request(request),
        )
    except NotFound:
        raise Http404 from None
    except ValidationFailed as exc:
        return _list_page(request, choice_list, {("option", option_pk): (exc.by_field(), form)})
    messages.success(request, _("Saved."))
    return redirect("fields:choice_list", pk)


@login_required
@require_POST
def option_merge(request: HttpRequest, pk: int, option_pk: int) -> HttpResponse:
    _admin_only(request)
    choice_list = _list_or_404(pk)
    if option_pk not in {o.pk for o in selectors.options_of(choice_list)}:
        raise Http404
    into_id = _int(request.POST.get("into_id"))
    try:
        if into_id is None:
            raise ValidationFailed([FieldError("into_id", "required", _("Choose the option to merge into."))])
        services.option_merge(
            actor=request.user,
            option_id=option_pk,
            into_id=into_id,
            source=ChangeSource.from_request(request),
        )
    except NotFound:
        raise Http404 from None
    except ValidationFailed as exc:
        return _list_page(request, choice_list, {("merge", option_pk): (exc.by_field(), {})})
    messages.success(request, _("Saved."))
    return redirect("fields:choice_list", pk)


@login_required
@require_POST
def options_reorder(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole new order of the list's options, as ``option_ids`` (the up / down buttons send it)."""
    _admin_only(request)
    _list_or_404(pk)
    option_ids = [int(v) for v in request.POST.getlist("option_ids") if v.strip().isdecimal()]
    try:
        services.options_reorder(
            actor=request.user, list_id=pk, option_ids=option_ids, source=ChangeSource.from_request(request)
        )
    except NotFound:
        raise Http404 from None
    messages.success(request, _("Saved."))
    return redirect("fields:choice_list", pk)


# ---------------------------------------------------------------------------------------------- types
@login_required
@require_GET
def type_list(request: HttpRequest, kind: str) -> HttpResponse:
    _admin_only(request)
    _check_kind(kind)
    rows = [
        {
            "type": record_type,
            "required": sum(1 for v in record_type.levels.values() if v == Requirement.REQUIRED),
            "hidden": sum(1 for v in record_type.levels.values() if v == Requirement.HIDDEN),
        }
        for record_type in selectors.record_types(kind)
    ]
    context = {"kind": kind, "kinds": RecordKind.choices, "rows": rows}
    return render(request, "fields/type_list.html", context)


@login_required
def type_edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    """A record type: its names and, per field of the kind, whether the type carries it and how required."""
    _admin_only(request)
    _check_kind(kind)
    record_type = selectors.record_type_get(kind, pk) if pk else None
    if pk and record_type is None:
        raise Http404
    schema = schema_for(kind)
    errors: Errors = {}
    if record_type is not None:
        form: dict[str, Any] = {
            "key": record_type.key,
            "name_ru": record_type.name_ru,
            "name_en": record_type.name_en,
            "is_active": record_type.is_active,
        }
        levels = dict(record_type.levels or {})
    else:
        form, levels = {"key": "", "name_ru": "", "name_en": "", "is_active": True}, {}
    if request.method == "POST":
        form = {name: _text(request, name) for name in ("key", "name_ru", "name_en")}
        form["is_active"] = _checked(request, "is_active")
        if record_type is not None:
            form["key"] = record_type.key
        levels = {key: request.POST.get(f"level_{key}", Requirement.OPTIONAL) for key in schema.fields}
        data = services.RecordTypeInput(
            key=form["key"],
            name_ru=form["name_ru"],
            name_en=form["name_en"],
            is_active=form["is_active"],
            levels=levels,
        )
        try:
            services.record_type_save(
                actor=request.user,
                kind=kind,
                data=data,
                source=ChangeSource.from_request(request),
                type_id=pk,
            )
        except NotFound:
            raise Http404 from None
        except ValidationFailed as exc:
            errors = exc.by_field()
        else:
            messages.success(request, _("Saved."))
            return redirect("fields:type_list", kind)
    short = [
        (v, label) for v, label in Requirement.choices if v in (Requirement.HIDDEN, Requirement.OPTIONAL)
    ]
    rows = []
    for key, spec in schema.fields.items():
        level = levels.get(key, Requirement.OPTIONAL)
        if not spec.can_require and level != Requirement.HIDDEN:
            level = Requirement.OPTIONAL
        rows.append(
            {
                "spec": spec,
                "name": f"level_{key}",
                "level": level,
                "choices": Requirement.choices if spec.can_require else short,
            }
        )
    context = {"kind": kind, "record_type": record_type, "form": form, "errors": errors, "rows": rows}
    return render(request, "fields/type_form.html", context)
