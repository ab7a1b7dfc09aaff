"""The OpenAPI description as the caller's role sees it (R10.3).

Signed in (a session, or a token in ``Authorization``): the standard fields hidden from the role are
removed from the contact and company schemas and the custom fields the role can see are listed with
their types. Anonymous: the general description, without any custom field.
"""

from __future__ import annotations

import copy
from typing import Any

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.http import HttpRequest, JsonResponse

from crm.accounts import access
from crm.contacts.standard_fields import COMPANY_INPUTS, COMPANY_OUTPUTS, CONTACT_INPUTS, CONTACT_OUTPUTS
from crm.fields.schema import schema_for
from crm.fields.types import type_of

COMPONENTS = {
    "contact": ("ContactIn", "ContactOut", CONTACT_INPUTS, CONTACT_OUTPUTS, "ContactCustomFields"),
    "company": ("CompanyIn", "CompanyOut", COMPANY_INPUTS, COMPANY_OUTPUTS, "CompanyCustomFields"),
}


def _caller(request: HttpRequest) -> Any:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        try:  # through authenticate(), so guessing tokens here is throttled like everywhere else
            return authenticate(request, api_token=header[7:].strip())
        except AxesBackendPermissionDenied:
            return None
    return request.user if access.is_active_user(request.user) else None


def tailored(base: dict[str, Any], user: Any) -> dict[str, Any]:
    schema = copy.deepcopy(base)
    components = schema.get("components", {}).setdefault("schemas", {})
    for kind, (name_in, name_out, inputs, outputs, custom_name) in COMPONENTS.items():
        fields = schema_for(kind)
        hidden = fields.hidden_keys(user) if user is not None else set()
        for name, keys, side in ((name_in, inputs, "In"), (name_out, outputs, "Out")):
            component = components.get(name)
            if component is None:
                continue
            for key in hidden:
                for prop in keys.get(key, ()):
                    component.get("properties", {}).pop(prop, None)
                    if prop in component.get("required", []):
                        component["required"].remove(prop)
            if "custom" in component.get("properties", {}):
                described = component["properties"]["custom"].get("description", "")
                component["properties"]["custom"] = {
                    "$ref": f"#/components/schemas/{custom_name}{side}",
                    "description": described,
                }
        # What a write sends (a choice by id or exact label) and what an answer holds ({id, label}) differ.
        for side, describe in (("In", "json_schema"), ("Out", "json_schema_out")):
            properties = {}
            if user is not None:
                for spec in fields.visible_custom(user):
                    described = getattr(type_of(spec), describe)(spec, fields)
                    text = " ".join(x for x in (described.get("description", ""), spec.help) if x)
                    properties[spec.key] = described | {
                        "title": spec.label,
                        "description": f"{spec.field_type}. {text}".strip(),
                    }
                    if side == "In" and not fields.can_edit(user, spec.key):
                        properties[spec.key]["readOnly"] = True
            components[f"{custom_name}{side}"] = {
                "type": "object",
                "title": f"{custom_name}{side}",
                "properties": properties,
            }
    _document_errors(schema)
    return schema


ERRORS = {
    "type": "object",
    "title": "Errors",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {
                    "field": {"type": ["string", "null"], "description": "The field, as phones.0.value"},
                    "code": {"type": "string"},
                    "message": {"type": "string", "description": "In the token owner's language"},
                },
            },
        },
        "existing": {
            "type": "array",
            "description": "409 only: the cards that already hold the value",
            "items": {"type": "object"},
        },
    },
}

_ANSWERS = {
    "400": "The body is not JSON, or a value holds a NUL character",
    "401": "No token, or a revoked or inactive one",
    "403": "The role does not allow this",
    "404": "Missing, or outside the caller's scope",
    "409": "A phone, e-mail or INN already belongs to another card",
    "422": "Invalid input; each error names its field",
}


def _document_errors(schema: dict[str, Any]) -> None:
    """Every operation documents the errors it can answer, all in the one shape (docs/api.md)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Errors"] = ERRORS
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            codes = ["400", "401", "403", "404", "422"]  # 404: any record named by id, in the path or not
            if method in ("post", "put", "patch"):
                codes.append("409")
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, {"description": _ANSWERS[code]} | ref)


def openapi_json(request: HttpRequest) -> JsonResponse:
    from crm.api.urls import api

    base = api.get_openapi_schema(path_prefix="/api/v1/")
    return JsonResponse(tailored(base, _caller(request)), json_dumps_params={"ensure_ascii": False})
