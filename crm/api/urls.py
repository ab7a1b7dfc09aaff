"""The REST API under /api/v1/: token auth, one error shape, every app's router mounted here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from crm.accounts.api_auth import TokenAuth
from crm.activities.api import router as timeline_router
from crm.contacts.api import company_router
from crm.contacts.api import router as contact_router
from crm.core.errors import DuplicateFound, NotFound, PermissionDenied, ValidationFailed
from crm.tasks.api import router as task_router

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
            "message": e.get("msg", ""),
        }
        for e in exc.errors
    ]
    return _errors(request, 422, errors)


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
