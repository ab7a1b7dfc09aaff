"""The pages a person sees when something is not there or goes wrong: in the product's look and their
language, and in the API's error shape under /api/ (Django's own are unstyled English pages)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# One message for a fault of ours, wherever it shows: this page, the API, the interface's notice bar.
SERVER_FAILED = gettext_lazy(
    "The server could not do this; nothing was saved. Try again, or tell your administrator."
)


def _api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _json(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"errors": [{"field": None, "code": code, "message": message}]}, status=status)


def _page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    context = {"title": title, "message": message, "code": status}
    return render(request, "error.html", context, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = _("There is no such page, or the record is gone: deleted, or moved out of your reach.")
    if _api(request):
        return _json(404, "not_found", _("Not found."))
    return render(
        request, "error.html", {"title": _("Not found"), "message": message, "code": 404}, status=404
    )


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return _json(403, "forbidden", _("Your role does not allow this."))
    return _page(request, 403, _("Not allowed"), _("Your role does not allow this."))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = _("The request could not be understood. Go back and try again.")
    if _api(request):
        return _json(400, "bad_request", message)
    return render(
        request, "error.html", {"title": _("Bad request"), "message": message, "code": 400}, status=400
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request's context: whatever failed must not fail this page too."""
    message = str(SERVER_FAILED)
    if _api(request):
        return _json(500, "server_error", message)
    context: dict[str, Any] = {"title": _("Something went wrong"), "message": message, "code": 500}
    return HttpResponse(loader.get_template("error_bare.html").render(context), status=500)
