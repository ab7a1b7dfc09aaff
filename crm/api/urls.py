"""The REST API under /api/v1/: token auth, one error shape, every app's router mounted here."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from crm.accounts.api_auth import TokenAuth
from crm.activities.api import router as timeline_router
from crm.contacts.api import company_router
from crm.contacts.api import router as contact_router
from crm.core.error_pages import SERVER_FAILED
from crm.core.errors import DuplicateFound, NotFound, PermissionDenied, ValidationFailed
from crm.deals.api import router as deals_router
from crm.duplicates.api import router as duplicates_router
from crm.imports.api import router as imports_router
from crm.scoring.api import router as scoring_router
from crm.segments.api import router as segments_router
from crm.tasks.api import router as task_router

log = logging.getLogger(__name__)

api = NinjaAPI(
    title="CRM API",
    version="1",
    description=(
        "Everything the web interface does, through the same services. Authenticate with a personal token "
        "(Profile → API tokens) sent as `Authorization: Bearer <token>`. Errors come as "
        '`{"errors": [{"field", "code", "message"}]}`; creating a duplicate answers 409 with the '
        "existing card's id."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
)
api.add_router("/", contact_router)
api.add_router("/", company_router)
api.add_router("/", timeline_router)
api.add_router("/", task_router)
api.add_router("/", deals_router)
api.add_router("/", segments_router)
api.add_router("/", scoring_router)
api.add_router("/", imports_router)
api.add_router("/", duplicates_router)


def _errors(
    request: HttpRequest, status: int, errors: list[dict[str, object]], **extra: object
) -> HttpResponse:
    return api.create_response(request, {"errors": errors, **extra}, status=status)


@api.exception_handler(DuplicateFound)
def on_duplicate(request: HttpRequest, exc: DuplicateFound) -> HttpResponse:
    existing = [{"kind": m.kind, "id": m.pk, "field": m.field, "visible": m.visible} for m in exc.matches]
    return _errors(request, 409, [e.as_dict() for e in exc.errors], existing=existing)


@api.exception_handler(ValidationFailed)
def on_invalid(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
    return _errors(request, 422, [e.as_dict() for e in exc.errors])


@api.exception_handler(NotFound)
def on_not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return _errors(request, 404, [{"field": None, "code": "not_found", "message": str(_("Not found."))}])


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    message = str(_("Your role does not allow this."))
    return _errors(request, 403, [{"field": None, "code": "forbidden", "message": message}])


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {
            "field": _field(e.get("loc", [])),
            "code": e.get("type", "invalid"),
            "message": str(schema_message(e)),
        }
        for e in exc.errors
    ]
    return _errors(request, 422, errors)


# Pydantic's messages are English whatever the reader's language: the common ones in ours.
_MOMENT = _("Enter a date and time with its time zone, e.g. 2026-03-14T10:00:00+03:00.")
_NOT_JSON = _("The request body is not valid JSON.")
_SCHEMA_MESSAGES: dict[str, Any] = {
    "missing": _("This field is required."),
    "int_parsing": _("Enter a whole number."),
    "int_type": _("Enter a whole number."),
    "int_from_float": _("Enter a whole number."),
    "float_parsing": _("Enter a number."),
    "float_type": _("Enter a number."),
    "decimal_parsing": _("Enter a number."),
    "bool_parsing": _("Enter true or false."),
    "bool_type": _("Enter true or false."),
    "string_type": _("Enter text."),
    "datetime_parsing": _("Enter a date and time with its time zone, e.g. 2026-03-14T10:00:00+03:00."),
    "datetime_from_date_parsing": _(
        "Enter a date and time with its time zone, e.g. 2026-03-14T10:00:00+03:00."
    ),
    "datetime_type": _("Enter a date and time with its time zone, e.g. 2026-03-14T10:00:00+03:00."),
    "date_parsing": _("Enter a date as YYYY-MM-DD, e.g. 2026-03-14."),
    "date_from_datetime_parsing": _("Enter a date as YYYY-MM-DD, e.g. 2026-03-14."),
    "date_type": _("Enter a date as YYYY-MM-DD, e.g. 2026-03-14."),
    "list_type": _("Send a list."),
    "dict_type": _("Send an object."),
    "model_type": _("Send an object."),
    "model_attributes_type": _("Send an object."),
    "json_invalid": _NOT_JSON,
    "json_type": _NOT_JSON,
}


def schema_message(error: dict[str, Any]) -> Any:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind in ("less_than_equal", "less_than"):
        return _("Enter at most %(limit)s.") % {"limit": ctx.get("le", ctx.get("lt"))}
    if kind in ("greater_than_equal", "greater_than"):
        return _("Enter at least %(limit)s.") % {"limit": ctx.get("ge", ctx.get("gt"))}
    if kind in ("string_too_long", "too_long"):
        return _("Too long: at most %(limit)s.") % {"limit": ctx.get("max_length")}
    if kind in ("literal_error", "enum"):
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    return _SCHEMA_MESSAGES.get(kind, _("This value is not valid here."))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:  # ninja's only 400: a body that does not parse
        error = {
            "field": None,
            "code": "malformed_json",
            "message": str(_("The request body is not valid JSON.")),
        }
    else:
        code = {429: "too_many_attempts"}.get(exc.status_code, f"http_{exc.status_code}")
        error = {"field": None, "code": code, "message": str(exc)}
    return _errors(request, exc.status_code, [error])


@api.exception_handler(Exception)
def on_failure(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A fault of ours answers in the API's shape too, and is logged with its traceback."""
    log.error("API request failed: %s %s", request.method, request.path, exc_info=exc)
    return _errors(request, 500, [{"field": None, "code": "server_error", "message": str(SERVER_FAILED)}])


def _field(loc: list[object]) -> str | None:
    """Pydantic's location without the request part and the parameter's own name: "phones.0.value"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path"):
        parts = parts[2:] if len(parts) > 2 and parts[1] in ("payload", "params") else parts[1:]
    return ".".join(parts) or None


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = str(_("Send a valid API token as «Authorization: Bearer <token>»."))
    return _errors(request, 401, [{"field": None, "code": "unauthorized", "message": message}])
