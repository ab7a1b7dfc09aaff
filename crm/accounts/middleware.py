import zoneinfo
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation


class UserLanguageMiddleware:
    """Each user reads the product in the language (and the time zone) chosen in their profile."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = activate_for(request, getattr(request, "user", None))
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE or language)
        return response


def activate_for(request: HttpRequest, user: Any) -> str:
    """Switch this request to the user's language and time zone (the session's user here; an API token's
    user once the token is checked, so the API answers in its owner's language too)."""
    known = user is not None and user.is_authenticated
    language = (user.language if known else None) or request.COOKIES.get("crm_language") or "ru"
    translation.activate(language)
    request.LANGUAGE_CODE = language
    zone = user.time_zone if known else ""
    try:
        timezone.activate(zoneinfo.ZoneInfo(zone)) if zone else timezone.deactivate()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.deactivate()
    return language
