"""Thin views of segments: the list with live counts, the builder, a segment's members, its report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from crm.accounts import access
from crm.accounts.selectors import colleagues
from crm.contacts import columns as list_columns
from crm.contacts.views import bulk_choices, list_fields
from crm.core.audit import ChangeSource
from crm.core.errors import NotFound, PermissionDenied, ValidationFailed
from crm.core.htmx import is_htmx
from crm.core.pagination import query_without
from crm.deals.views import deal_stage_choices
from crm.segments import forms, kinds, rules, selectors, services
from crm.segments.models import BulkStatus, BulkVerb, Segment, SegmentKind
from crm.segments.visibility import may_change
from crm.tasks import columns as task_columns
from crm.tasks.models import TaskStatus

# The builder's words, handed to its script as JSON (translated, quoted safely).
BUILDER_WORDS = {
    "field": gettext_lazy("Field"),
    "comparison": gettext_lazy("Comparison"),
    "value": gettext_lazy("Value"),
    "from": gettext_lazy("From"),
    "to": gettext_lazy("To"),
    "yes": gettext_lazy("yes"),
    "no": gettext_lazy("no"),
    "days": gettext_lazy("days"),
    "inLast": gettext_lazy("in the last"),
    "anyTime": gettext_lazy("any time"),
    "period": gettext_lazy("Period, days"),
    "remove": gettext_lazy("Remove the condition"),
    "removeGroup": gettext_lazy("Remove the group"),
    "match": gettext_lazy("Which conditions must hold"),
    "matchPrefix": gettext_lazy("Cards that meet"),
    "matchSuffix": gettext_lazy("of these conditions"),
    "all": gettext_lazy("all"),
    "any": gettext_lazy("any"),
    "addCondition": gettext_lazy("Condition"),
    "addGroup": gettext_lazy("Group"),
    "unknown": gettext_lazy("A condition on a field hidden from you"),
}


def _kinds(request: HttpRequest) -> list[tuple[str, str]]:
    return [(k, str(label)) for k, label in SegmentKind.choices if kinds.may(request.user, k, "view")]


def _segment(request: HttpRequest, pk: int, trash: bool = False) -> Segment:
    try:
        segment = selectors.segment_get(user=request.user, pk=pk, trash=trash)
    except NotFound as exc:
        raise Http404 from exc
    if not kinds.may(request.user, segment.kind, "view"):
        raise Http404
    return segment


@login_required
@require_GET
def segment_list(request: HttpRequest) -> HttpResponse:
    kinds = _kinds(request)
    if not kinds:
        raise Http404
    allowed = {k for k, _label in kinds}
    segments = [s for s in selectors.segment_list(user=request.user) if s.kind in allowed]
    for segment in segments:
        segment.can_change = may_change(request.user, segment)
    return render(request, "segments/segment_list.html", {"segments": segments, "kinds": kinds})


@login_required
@require_GET
def segment_menu(request: HttpRequest) -> HttpResponse:
    """The saved views of a list (its kind's segments), loaded into the list's header."""
    kind = request.GET.get("kind", "")
    if kind not in dict(_kinds(request)):
        raise Http404
    segments = selectors.segment_list(user=request.user, kind=kind)
    query = query_without(request, "kind", "after", "before")
    return render(request, "segments/_menu.html", {"segments": segments, "kind": kind, "query": query})


@login_required
@require_GET
def segment_count(request: HttpRequest, pk: int) -> HttpResponse:
    """The live count of a segment's members (loaded after the page, one request per segment)."""
    segment = _segment(request, pk)
    try:
        count = selectors.member_count(user=request.user, kind=segment.kind, definition=segment.definition)
    except ValidationFailed:
        return render(request, "segments/_count.html", {"broken": True})
    return render(request, "segments/_count.html", {"count": count})


@login_required
@require_POST
def segment_preview(request: HttpRequest) -> JsonResponse:
    """The builder's live count: the conditions as they stand, checked and counted, or what is wrong."""
    kind = request.POST.get("kind", "")
    if kind not in dict(_kinds(request)):
        raise Http404
    definition = forms.definition_from(request.POST.get("definition", ""))
    try:
        count = selectors.member_count(user=request.user, kind=kind, definition=definition)
    except ValidationFailed as exc:
        return JsonResponse({"errors": [e.as_dict() for e in exc.errors]}, status=422)
    return JsonResponse({"count": count})


def _builder(
    request: HttpRequest,
    kind: str,
    segment: Segment | None,
    values: dict[str, Any],
    errors: dict[str, list[str]],
) -> HttpResponse:
    catalogue = selectors.catalogue(user=request.user, kind=kind)
    context = {
        "segment": segment,
        "kind": kind,
        "kind_label": dict(SegmentKind.choices)[kind],
        "form": values,
        "errors": errors,
        "rule_errors": {k: v for k, v in errors.items() if k.startswith("rules")},
        "catalogue": catalogue,
        "definition": values.get("definition") or rules.empty(),
        "words": {key: str(text) for key, text in BUILDER_WORDS.items()},
        "colleagues": colleagues(user=request.user) if access.can_administer(request.user) else [],
    }
    return render(request, "segments/segment_form.html", context)


@login_required
def segment_create(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind") or request.GET.get("kind") or SegmentKind.CONTACT
    if kind not in dict(_kinds(request)):
        raise Http404
    values: dict[str, Any] = forms.segment_initial(None)
    if request.GET.get("from_list"):  # "save this view as a segment": the list's filters as conditions
        values["definition"] = forms.definition_from_list(request.GET, request.user, kind)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = forms.segment_input(request.POST, kind)
        try:
            segment = services.segment_save(
                actor=request.user, segment_id=None, data=data, source=ChangeSource.from_request(request)
            )
        except ValidationFailed as exc:
            values = request.POST.dict() | {"definition": data.definition, "shared": data.shared}
            errors = exc.by_field()
        else:
            messages.success(request, _("The segment is saved."))
            return redirect("segments:segment_detail", pk=segment.pk)
    return _builder(request, kind, None, values, errors)


@login_required
def segment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    segment = _segment(request, pk)
    if not may_change(request.user, segment):
        raise Http404
    values: dict[str, Any] = forms.segment_initial(segment)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = forms.segment_input(request.POST, segment.kind)
        try:
            services.segment_save(
                actor=request.user, segment_id=pk, data=data, source=ChangeSource.from_request(request)
            )
        except ValidationFailed as exc:
            values = request.POST.dict() | {"definition": data.definition, "shared": data.shared}
            errors = exc.by_field()
        except (NotFound, PermissionDenied) as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("The segment is saved."))
            return redirect("segments:segment_detail", pk=pk)
    return _builder(request, segment.kind, segment, values, errors)


@login_required
@require_GET
def segment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The segment's members as the cards' list shows them, under its conditions in words."""
    segment = _segment(request, pk)
    sort = request.GET.get("sort", "")
    context: dict[str, Any] = {
        "segment": segment,
        "can_change": may_change(request.user, segment),
        "can_export": kinds.may(request.user, segment.kind, "export"),
        **_bulk_choices(request, segment.kind),
        "description": selectors.describe(
            user=request.user, kind=segment.kind, definition=segment.definition
        ),
        "query": query_without(request, "after", "before"),
    }
    try:
        page = selectors.member_page(
            user=request.user,
            segment=segment,
            sort=sort,
            cursor=request.GET.get("after") or request.GET.get("before"),
        )
    except ValidationFailed as exc:
        context["broken"] = [str(e.message) for e in exc.errors]
        return render(request, "segments/segment_detail.html", context)
    if segment.kind == "task":  # a saved view of the tasks list: its table, with the user's columns
        context |= {
            "page": page,
            "paging_query": context["query"],
            "can_select": True,
            **task_columns.list_context(request.user, page.items),
        }
        context["rows_template"] = rows = "tasks/_task_table.html"
        return render(request, rows if is_htmx(request) else "segments/segment_detail.html", context)
    if segment.kind == "deal":  # a saved view of the deals list: its table, with the user's columns
        context |= {"page": page, "paging_query": context["query"], **_deal_columns(request, page.items)}
        rows = "deals/_deal_table.html"
        context["rows_template"] = rows
        return render(request, rows if is_htmx(request) else "segments/segment_detail.html", context)
    context |= {"page": page, **list_fields(request, segment.kind, page.items)}
    rows = "contacts/_contact_rows.html" if segment.kind == "contact" else "contacts/_company_rows.html"
    context["rows_template"] = rows
    return render(request, rows if is_htmx(request) else "segments/segment_detail.html", context)


def _deal_columns(request: HttpRequest, items: list[Any]) -> dict[str, Any]:
    can_select = access.has_perm(request.user, "deal", "edit")
    return list_columns.list_context(request.user, "deal", items) | {"can_select": can_select}


def _bulk_choices(request: HttpRequest, kind: str) -> dict[str, Any]:
    """What the bulk form offers: its actions for this kind of card (their values: ``bulk_choices``)."""
    if not kinds.may(request.user, kind, "edit"):
        return {"can_bulk": False}
    if kind == SegmentKind.TASK:  # its status, its assignee, its due date
        verbs = [
            (BulkVerb.STATUS, _("Set the status")),
            (BulkVerb.ASSIGN, _("Hand to a colleague")),
            (BulkVerb.DUE, BulkVerb.DUE.label),
        ]
        return {
            "can_bulk": True,
            "bulk_verbs": verbs,
            "statuses": TaskStatus.choices,
            "colleagues": colleagues(user=request.user),
        }
    choices = bulk_choices(request.user, kind)
    needs = {"tag": "tags", "untag": "tags", "assign": "owner", "status": "status", "base_type": "base_type"}
    allowed = choices["bulk_allowed"]
    verbs = [(v, label) for v, label in BulkVerb.choices if v not in needs or needs[v] in allowed]
    verbs = [(v, label) for v, label in verbs if v != BulkVerb.DUE]  # a task's
    if kind != SegmentKind.DEAL:
        verbs = [(v, label) for v, label in verbs if v != BulkVerb.STAGE]
        return {"can_bulk": bool(verbs), "bulk_verbs": verbs, **choices}
    # A deal takes a tag, a manager and a stage; a task for each is a person's or a company's.
    verbs = [(v, label) for v, label in verbs if v != BulkVerb.TASK]
    return {"can_bulk": bool(verbs), "bulk_verbs": verbs, **choices, **deal_stage_choices(request.user)}


@login_required
@require_GET
def segment_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Its size over time, and what was done with its members in a period and what came of it (R5.5)."""
    segment = _segment(request, pk)
    days = 90 if request.GET.get("days") == "90" else 30
    context: dict[str, Any] = {"segment": segment, "days": days, "sizes": selectors.sizes(segment=segment)}
    try:
        context["report"] = selectors.report(user=request.user, segment=segment, days=days)
    except ValidationFailed as exc:
        context["broken"] = [str(e.message) for e in exc.errors]
    peak = max((s.size for s in context["sizes"]), default=0)
    context["bars"] = [(s, round(100 * s.size / peak) if peak else 0) for s in context["sizes"]]
    return render(request, "segments/segment_report.html", context)


@login_required
@require_POST
def segment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.segment_delete(actor=request.user, segment_id=pk, source=ChangeSource.from_request(request))
    except (NotFound, PermissionDenied) as exc:
        raise Http404 from exc
    messages.success(request, _("The segment is in the trash."))
    return redirect("segments:segment_list")


@login_required
@require_POST
def segment_restore(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.segment_restore(actor=request.user, segment_id=pk, source=ChangeSource.from_request(request))
    except (NotFound, PermissionDenied) as exc:
        raise Http404 from exc
    messages.success(request, _("The segment is restored."))
    return redirect("segments:segment_detail", pk=pk)


@login_required
@require_GET
def segment_trash(request: HttpRequest) -> HttpResponse:
    return render(
        request, "segments/segment_trash.html", {"segments": selectors.trashed_segments(user=request.user)}
    )


def _bulk_params(post: Any) -> dict[str, Any]:
    names = ("tag", "tag_id", "owner_id", "status_id", "base_type", "title", "due", "priority", "assignee_id")
    names += ("task_status", "stage_id", "loss_reason_id")
    return {k: post.get(k, "") for k in names}


@login_required
@require_POST
def segment_bulk(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a bulk action on the segment's members; its page shows the progress."""
    segment = _segment(request, pk)
    try:
        action = services.bulk_start(
            actor=request.user,
            verb=request.POST.get("verb", ""),
            params=_bulk_params(request.POST),
            segment_id=segment.pk,
            source=ChangeSource.from_request(request),
        )
    except ValidationFailed as exc:
        for message in exc.by_field().values():
            messages.error(request, " ".join(message))
        return redirect("segments:segment_detail", pk=pk)
    except (NotFound, PermissionDenied) as exc:
        raise Http404 from exc
    return redirect("segments:bulk_detail", pk=action.pk)


@login_required
@require_POST
def bulk_selection(request: HttpRequest) -> HttpResponse:
    """Start a bulk action on the cards chosen in a list; its page shows the progress."""
    ids = [int(pk) for pk in request.POST.getlist("ids") if pk.isdecimal()]
    kind = request.POST.get("kind", "")
    if kind not in SegmentKind.values:
        raise Http404
    try:
        action = services.bulk_start(
            actor=request.user,
            verb=request.POST.get("verb", ""),
            params=_bulk_params(request.POST),
            kind=kind,
            ids=ids,
            source=ChangeSource.from_request(request),
        )
    except ValidationFailed as exc:
        for message in exc.by_field().values():
            messages.error(request, " ".join(message))
        back = request.META.get("HTTP_REFERER", "")
        if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            return redirect(back)
        lists = {
            "contact": "contacts:contact_list",
            "company": "contacts:company_list",
            "task": "tasks:day_list",
        }
        return redirect(lists.get(kind, "deals:deal_list"))
    except (NotFound, PermissionDenied) as exc:
        raise Http404 from exc
    return redirect("segments:bulk_detail", pk=action.pk)


@login_required
@require_GET
def bulk_list(request: HttpRequest) -> HttpResponse:
    actions = selectors.bulk_list(user=request.user)
    labels = selectors.bulk_value_labels(actions)
    for action in actions:
        action.value_label = labels[action.pk]
    return render(request, "segments/bulk_list.html", {"actions": actions})


@login_required
@require_GET
def bulk_detail(request: HttpRequest, pk: str) -> HttpResponse:
    """A bulk action's progress (polled while it runs), its outcome and its undo."""
    try:
        action = selectors.bulk_get(user=request.user, pk=pk)
    except (NotFound, ValueError, DjangoValidationError) as exc:
        raise Http404 from exc
    context = {
        "action": action,
        "value_label": selectors.bulk_value_labels([action])[action.pk],
        "percent": round(100 * action.done / action.total) if action.total else 0,
        "busy": action.status in (BulkStatus.QUEUED, BulkStatus.RUNNING, BulkStatus.UNDOING),
    }
    template = "segments/_bulk_progress.html" if is_htmx(request) else "segments/bulk_detail.html"
    return render(request, template, context)


@login_required
@require_POST
def bulk_undo(request: HttpRequest, pk: str) -> HttpResponse:
    try:
        services.bulk_undo(actor=request.user, action_id=pk, source=ChangeSource.from_request(request))
    except (NotFound, ValueError, DjangoValidationError) as exc:
        raise Http404 from exc
    except ValidationFailed as exc:
        for message in exc.by_field().values():
            messages.error(request, " ".join(message))
    return redirect("segments:bulk_detail", pk=pk)
