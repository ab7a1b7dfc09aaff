"""The lead scoring page (administrators): how points fade, where hot and warm begin, and the rules."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts import access
from crm.core.audit import ChangeSource
from crm.core.errors import NotFound, ValidationFailed
from crm.scoring import forms, selectors, services
from crm.scoring.models import WITH_ADDRESS, Action


def _administrator(request: HttpRequest) -> None:
    if not access.can_administer(request.user):
        raise Http404


def _page(request: HttpRequest, **extra: Any) -> HttpResponse:
    context = {
        "conf": selectors.settings(),
        "rules": selectors.rules(),
        "actions": Action.choices,
        "with_address": sorted(WITH_ADDRESS),
        "with_address_js": "[" + ",".join(f"'{a}'" for a in sorted(WITH_ADDRESS)) + "]",
        "rule_values": {},
        "counts": selectors.band_counts(),
        "errors": {},
        "rule_errors": {},
        "values": {},
        **extra,
    }
    return render(request, "scoring/settings.html", context)


@login_required
def scoring_settings(request: HttpRequest) -> HttpResponse:
    _administrator(request)
    if request.method == "POST":
        try:
            services.settings_save(
                actor=request.user,
                data=forms.settings_input(request.POST),
                source=ChangeSource.from_request(request),
            )
        except ValidationFailed as exc:
            return _page(request, errors=exc.by_field(), values=request.POST.dict())
        messages.success(request, _("The settings are saved."))
        return redirect("scoring:settings")
    return _page(request)


@login_required
@require_POST
def rule_save(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _administrator(request)
    try:
        services.rule_save(
            actor=request.user,
            rule_id=pk,
            data=forms.rule_input(request.POST),
            source=ChangeSource.from_request(request),
        )
    except NotFound as exc:
        raise Http404 from exc
    except ValidationFailed as exc:
        return _page(request, rule_errors={str(pk or 0): exc.by_field()}, rule_values=request.POST.dict())
    messages.success(request, _("The rule is saved; the scores are being counted again."))
    return redirect("scoring:settings")
