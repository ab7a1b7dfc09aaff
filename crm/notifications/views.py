"""Thin views: the bell (unread count, polled), the notification list, a person's delivery settings."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.accounts import services as account_services
from crm.core.audit import ChangeSource
from crm.core.errors import ValidationFailed
from crm.notifications import selectors, services, telegram


@login_required
@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    """The unread count, polled by the navigation bar: new reminders show without a reload."""
    return render(
        request,
        "notifications/_bell.html",
        {
            "unread": selectors.unread_count(user=request.user),
            "latest": selectors.recent(user=request.user, limit=6),
            "poll": settings.CRM_NOTIFY_POLL_SECONDS,
        },
    )


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    items = selectors.recent(user=request.user, limit=100)
    return render(request, "notifications/list.html", {"items": items})


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link and mark it read (only one's own; another's is not found)."""
    target = selectors.url_of(user=request.user, pk=pk)
    if target is None:
        raise Http404
    services.notifications_read(user=request.user, ids=[pk])
    return redirect(
        target if target.startswith("/") and not target.startswith("//") else "notifications:list"
    )


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdecimal()] or None
    services.notifications_read(user=request.user, ids=ids)
    target = request.POST.get("next", "")
    return redirect(
        target if target.startswith("/") and not target.startswith("//") else "notifications:list"
    )


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    prefs = services.preferences_of(request.user)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        digest = request.POST.get("digest_time", "").strip()
        try:
            digest_time = datetime.time.fromisoformat(digest) if digest else None
            account_services.time_zone_update(
                actor=request.user,
                zone=request.POST.get("time_zone", ""),
                source=ChangeSource.from_request(request),
            )
        except ValueError:
            errors["digest_time"] = [_("Enter the time as 08:30.")]
        except ValidationFailed as exc:
            errors |= exc.by_field()
        else:
            # A channel the person cannot use yet is shown unticked and disabled (a browser sends nothing
            # for it): their stored wish stays, so it applies once they add an address or link a chat.
            prefs = services.preferences_of(request.user)
            data = services.PreferencesInput(
                by_email=request.POST.get("by_email") == "on" if request.user.email else prefs.by_email,
                by_telegram=request.POST.get("by_telegram") == "on"
                if prefs.telegram_chat_id
                else prefs.by_telegram,
                digest_time=digest_time,
            )
            services.preferences_update(
                actor=request.user, data=data, source=ChangeSource.from_request(request)
            )
            messages.success(request, _("Saved."))
            return redirect("notifications:settings")
    feed_url = request.build_absolute_uri(reverse("tasks:calendar_feed", args=[prefs.calendar_token]))
    return render(
        request,
        "notifications/settings.html",
        {
            "prefs": prefs,
            "errors": errors,
            "feed_url": feed_url,
            "telegram_ready": telegram.configured(),
            "bot_name": settings.CRM_TELEGRAM_BOT_NAME,
            "zones": account_services.COMMON_ZONES,
            "default_zone": settings.TIME_ZONE,
        },
    )


@login_required
@require_POST
def telegram_link(request: HttpRequest) -> HttpResponse:
    try:
        services.telegram_link_start(actor=request.user)
    except ValidationFailed as exc:
        messages.error(request, str(exc.errors[0].message))
    return redirect("notifications:settings")


@login_required
@require_POST
def telegram_unlink(request: HttpRequest) -> HttpResponse:
    services.telegram_unlink(actor=request.user, source=ChangeSource.from_request(request))
    return redirect("notifications:settings")


@login_required
@require_POST
def calendar_renew(request: HttpRequest) -> HttpResponse:
    services.calendar_token_renew(actor=request.user, source=ChangeSource.from_request(request))
    messages.success(request, _("The calendar has a new address; the old one no longer works."))
    return redirect("notifications:settings")
