"""The OpenAPI description as the caller's role sees it (R10.3).

Signed in (a session, or a token in ``Authorization``): the standard fields hidden from the role are
removed from the contact and company schemas and the custom fields the role can see are listed with
their types. Anonymous: the general description, without any custom field.
"""

from __future__ import annotations

import copy
from typing import Any

from django.http import HttpRequest, JsonResponse

from crm.accounts import access
from crm.accounts.services import api_token_authenticate
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
        return api_token_authenticate(header[7:].strip())
    return request.user if access.is_active_user(request.user) else None


def tailored(base: dict[str, Any], user: Any) -> dict[str, Any]:
    schema = copy.deepcopy(base)
    components = schema.get("components", {}).setdefault("schemas", {})
    for kind, (name_in, name_out, inputs, outputs, custom_name) in COMPONENTS.items():
        fields = schema_for(kind)
        hidden = fields.hidden_keys(user) if user is not None else set()
        for name, keys in ((name_in, inputs), (name_out, outputs)):
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
                    "$ref": f"#/components/schemas/{custom_name}",
                    "description": described,
                }
        properties = {}
        if user is not None:
            for spec in fields.visible_custom(user):
                described = type_of(spec).json_schema(spec, fields)
                text = " ".join(x for x in (described.get("description", ""), spec.help) if x)
                properties[spec.key] = described | {
                    "title": spec.label,
                    "description": f"{spec.field_type}. {text}".strip(),
                }
                if not fields.can_edit(user, spec.key):
                    properties[spec.key]["readOnly"] = True
        components[custom_name] = {"type": "object", "title": custom_name, "properties": properties}
    return schema


def openapi_json(request: HttpRequest) -> JsonResponse:
    from crm.api.urls import api

    base = api.get_openapi_schema(path_prefix="/api/v1/")
    return JsonResponse(tailored(base, _caller(request)), json_dumps_params={"ensure_ascii": False})
