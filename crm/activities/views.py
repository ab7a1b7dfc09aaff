"""Thin views of the timeline: the card's section, its pages, quick-add, trash and restore, downloads."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from crm.activities import forms, selectors, services, uploads, visibility
from crm.activities.models import Direction, EntryKind
from crm.contacts.models import MessengerKind
from crm.core.audit import ChangeSource
from crm.core.errors import NotFound, PermissionDenied, ValidationFailed
from crm.core.htmx import is_htmx

KINDS = ("contact", "company")
# The quick-add tabs, in the order a manager reaches for them.
QUICK_KINDS = (
    EntryKind.CALL,
    EntryKind.MEETING,
    EntryKind.NOTE,
    EntryKind.DOCUMENT,
    EntryKind.EMAIL,
    EntryKind.MESSAGE,
)


def _card_url(kind: str, pk: int) -> str:
    return reverse("contacts:contact_detail" if kind == "contact" else "contacts:company_detail", args=[pk])


def timeline_context(
    request: HttpRequest,
    kind: str,
    record: Any,
    *,
    first: bool = False,
    form: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    filters = forms.timeline_filter(request.GET) if not first else selectors.TimelineFilter()
    page = selectors.timeline(
        user=request.user,
        kind=kind,
        record=record,
        filters=filters,
        cursor=None if first else request.GET.get("after"),
        count_total=False,
    )
    _mark(page.items, request.user)
    return {
        "kind": kind,
        "record": record,
        "page": page,
        "filters": filters,
        "choices": selectors.choices(),
        "quick_kinds": [(k, EntryKind(k).label) for k in QUICK_KINDS],
        "directions": Direction.choices,
        "messengers": MessengerKind.choices,
        "form": form or {"kind": EntryKind.CALL, "direction": Direction.OUTGOING},
        "errors": errors or {},
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "timeline_url": reverse("activities:timeline", args=[kind, record.pk]),
        "add_url": reverse("activities:entry_add", args=[kind, record.pk]),
        "highlight": 0 if page.prev_cursor or filters.active else 3,
    }


def _mark(entries: list[Any], user: Any) -> None:
    for entry in entries:
        entry.changeable = visibility.may_change(user, entry)


def _record(request: HttpRequest, kind: str, pk: int) -> Any:
    if kind not in KINDS:
        raise Http404
    try:
        return selectors.card_for(user=request.user, kind=kind, pk=pk)
    except NotFound as exc:
        raise Http404 from exc


@login_required
@require_GET
def timeline(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The next page (``after``) or the filtered first page of a card's timeline."""
    record = _record(request, kind, pk)
    context = timeline_context(request, kind, record)
    template = (
        "activities/_timeline_items.html" if request.GET.get("after") else "activities/_timeline_list.html"
    )
    return render(request, template, context)


@login_required
@require_POST
def entry_add(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    record = _record(request, kind, pk)
    try:
        data = forms.entry_input(request.POST, request.FILES, kind, record.pk)
        services.entry_create(actor=request.user, data=data, source=ChangeSource.from_request(request))
    except ValidationFailed as exc:
        context = timeline_context(
            request, kind, record, first=True, form=request.POST.dict(), errors=exc.by_field()
        )
        return render(
            request, "activities/_timeline_section.html", context, status=422 if is_htmx(request) else 200
        )
    except (NotFound, PermissionDenied) as exc:
        raise Http404 from exc
    if not is_htmx(request):
        return redirect(_card_url(kind, record.pk) + "#timeline")
    record.refresh_from_db(fields=["last_contact_at"])
    context = timeline_context(request, kind, record, first=True)
    context["last_contact_oob"] = True
    return render(request, "activities/_timeline_section.html", context)


@login_required
@require_POST
def entry_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        entry = services.entry_delete(
            actor=request.user, entry_id=pk, source=ChangeSource.from_request(request)
        )
    except (NotFound, PermissionDenied) as exc:
        raise Http404 from exc
    if not is_htmx(request):
        return redirect(_card_url(*_card_of(entry)) + "#timeline")
    return render(request, "activities/_entry_deleted.html", {"entry": entry})


@login_required
@require_POST
def entry_restore(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.entry_restore(actor=request.user, entry_id=pk, source=ChangeSource.from_request(request))
        entry = selectors.entry_get(user=request.user, pk=pk)
    except (NotFound, PermissionDenied) as exc:
        raise Http404 from exc
    if not is_htmx(request):
        return redirect(_card_url(*_card_of(entry)) + "#timeline")
    _mark([entry], request.user)
    return render(request, "activities/_entry.html", {"entry": entry, "choices": selectors.choices()})


@login_required
def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct an entry in place (its author or an administrator): the row becomes a form and back."""
    try:
        entry = selectors.entry_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    if not visibility.may_change(request.user, entry):
        raise Http404
    if request.method == "GET" and request.GET.get("cancel"):
        _mark([entry], request.user)
        return render(request, "activities/_entry.html", {"entry": entry})
    errors: dict[str, list[str]] = {}
    form: dict[str, Any] = {
        "occurred_at": timezone.localtime(entry.occurred_at).strftime("%Y-%m-%dT%H:%M"),
        "direction": entry.direction,
        "category_id": str(entry.category_id or ""),
        "summary": entry.summary,
        "result": entry.result,
        "duration": ""
        if entry.duration_seconds is None
        else f"{entry.duration_seconds // 60}:{entry.duration_seconds % 60:02d}",
        "recording_url": entry.recording_url,
        "location": entry.location,
        "subject": entry.subject,
    }
    if request.method == "POST":
        form = request.POST.dict()
        try:
            data = forms.entry_changes(request.POST, entry.kind)
            services.entry_update(
                actor=request.user, entry_id=pk, data=data, source=ChangeSource.from_request(request)
            )
        except ValidationFailed as exc:
            errors = exc.by_field()
        except (NotFound, PermissionDenied) as exc:
            raise Http404 from exc
        else:
            if not is_htmx(request):
                return redirect(_card_url(*_card_of(entry)) + "#timeline")
            entry = selectors.entry_get(user=request.user, pk=pk)
            _mark([entry], request.user)
            return render(request, "activities/_entry.html", {"entry": entry})
    context = {
        "entry": entry,
        "form": form,
        "errors": errors,
        "choices": selectors.choices(),
        "directions": Direction.choices,
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }
    return render(request, "activities/_entry_form.html", context, status=422 if errors else 200)


def _card_of(entry: Any) -> tuple[str, int]:
    return ("contact", entry.contact_id) if entry.contact_id else ("company", entry.company_id)


@login_required
@require_GET
def file_download(request: HttpRequest, pk: int) -> FileResponse:
    """Files are only ever served here, after the same visibility check as their card."""
    try:
        attachment = selectors.attachment_for_download(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    ext = uploads.extension(attachment.name)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=ext not in uploads.INLINE,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
