"""What a sign-in locked by django-axes answers, and its journal entry.

After ``AXES_FAILURE_LIMIT`` failed attempts for one account, or from one address, sign-in is refused for
``AXES_COOLOFF_TIME`` — the password form and API tokens alike (tokens are checked through
``authenticate()``, see ``api_auth.ApiTokenBackend``).
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from crm.core.audit import ChangeSource
from crm.core.models import ChangeChannel


def message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _("Too many failed sign-in attempts: signing in is paused for %(minutes)d minutes.") % {
        "minutes": minutes
    }


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    if request.path.startswith("/api/"):
        error = {"field": None, "code": "too_many_attempts", "message": message()}
        return JsonResponse({"errors": [error]}, status=429)
    context = {"title": _("Sign-in paused"), "message": message(), "code": 429}
    return render(request, "error.html", context, status=429)


@receiver(user_locked_out)
def journal_lockout(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str, **_: Any
) -> None:
    from crm.accounts.services import sign_in_lockout_record

    channel = ChangeChannel.API if request.path.startswith("/api/") else ChangeChannel.UI
    sign_in_lockout_record(username=username or "", source=ChangeSource(channel=channel, ip=ip_address))
