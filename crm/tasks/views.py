"""Thin views of tasks: my day, the calendar, a task's page and form, actions, the lists for heads."""

from __future__ import annotations

import calendar as month_calendar
import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.accounts import access
from crm.accounts.models import Scope
from crm.core.audit import ChangeSource
from crm.core.errors import NotFound, PermissionDenied, ValidationFailed
from crm.core.htmx import hx_redirect, is_htmx
from crm.core.pagination import query_without
from crm.tasks import columns as task_columns
from crm.tasks import forms, selectors, services
from crm.tasks.models import PRIORITY_COLOURS, Priority, TaskStatus


def _form_context(
    request: HttpRequest, values: dict[str, Any], errors: dict[str, list[str]]
) -> dict[str, Any]:
    return {
        "form": values,
        "errors": errors,
        "categories": selectors.categories(keep=values.get("category_id") or None),
        "priorities": Priority.choices,
        "priority_colours": PRIORITY_COLOURS,
        "reminders": services.Remind.CHOICES,
        "colleagues": selectors.colleagues(user=request.user),
    }


def _is_head(user: Any) -> bool:
    return access.scope_of(user) in (Scope.DEPARTMENT, Scope.ALL)


@login_required
@require_GET
def my_day(request: HttpRequest) -> HttpResponse:
    department = request.GET.get("who") == "department" and _is_head(request.user)
    day = selectors.day_of(user=request.user, department=department)
    return render(
        request,
        "tasks/my_day.html",
        {"day": day, "department": department, "is_head": _is_head(request.user), "now": timezone.now()},
    )


@login_required
@require_GET
def day_list(request: HttpRequest) -> HttpResponse:
    """The tasks list: a section of "my day" in full (overdue, today, upcoming, every open task), narrowed
    by status, priority, category, assignee and words of the title; its rows are chosen for a bulk change
    and its filters saved as a segment of tasks."""
    filters = selectors.TaskFilters.from_query(request.GET)
    department = request.GET.get("who") == "department" and _is_head(request.user)
    sort = request.GET.get("sort", "due")
    sort = sort if sort in selectors.TASK_SORTS else "due"
    page = selectors.task_page(
        user=request.user,
        filters=filters,
        department=department,
        sort=sort,
        cursor=request.GET.get("after") or request.GET.get("before"),
    )
    people = selectors.colleagues(user=request.user)
    context = {
        "page": page,
        "filters": filters,
        "when": filters.when,
        "sort": sort,
        "department": department,
        "is_head": _is_head(request.user),
        "categories": selectors.categories(),
        "priorities": Priority.choices,
        "statuses": TaskStatus.choices,
        "colleagues": people,
        "can_select": True,
        "paging_query": query_without(request, "after", "before"),
        **task_columns.list_context(request.user, page.items, department),
    }
    return render(request, "tasks/day_list.html", context)


@login_required
@require_GET
def task_calendar(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        month = datetime.date.fromisoformat(request.GET.get("month", "") + "-01")
    except ValueError:
        month = today.replace(day=1)
    department = request.GET.get("who") == "department" and _is_head(request.user)
    weeks = month_calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(weeks[0][0], datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(weeks[-1][-1], datetime.time.min, tzinfo=tz) + datetime.timedelta(days=1)
    found = selectors.calendar_range(user=request.user, start=start, end=end, department=department)
    previous = (month - datetime.timedelta(days=1)).replace(day=1)
    following = (month + datetime.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "tasks/calendar.html",
        {
            "weeks": [
                [
                    (day, found.tasks.get(day, []), found.counts.get(day, 0) - len(found.tasks.get(day, [])))
                    for day in week
                ]
                for week in weeks
            ],
            "month": month,
            "today": today,
            "previous": previous.strftime("%Y-%m"),
            "following": following.strftime("%Y-%m"),
            "department": department,
            "is_head": _is_head(request.user),
        },
    )


@login_required
def task_create(request: HttpRequest) -> HttpResponse:
    defaults = {
        k: request.GET.get(k, "") for k in ("contact_id", "company_id", "title") if request.GET.get(k)
    }
    values = forms.initial(None, **defaults)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = forms.task_input(request.POST)
        try:
            task = services.task_create(
                actor=request.user, data=data, source=ChangeSource.from_request(request)
            )
        except ValidationFailed as exc:
            values, errors = request.POST.dict(), forms.with_parse_errors(data, exc)
        except (NotFound, PermissionDenied) as exc:
            raise Http404 from exc
        else:
            back = request.POST.get("next") or reverse("tasks:task_detail", args=[task.pk])
            messages.success(request, _("The task is created."))
            return hx_redirect(back) if is_htmx(request) else redirect(_safe(back))
    context = _form_context(request, values, errors) | {"task": None, "next": request.GET.get("next", "")}
    return render(request, "tasks/task_form.html", context, status=422 if errors else 200)


@login_required
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    task = _get(request, pk)
    if not services.may_change(request.user, task):
        raise Http404
    values, errors = forms.initial(task), {}
    if request.method == "POST":
        data = forms.task_input(request.POST)
        try:
            services.task_update(
                actor=request.user, task_id=pk, data=data, source=ChangeSource.from_request(request)
            )
        except ValidationFailed as exc:
            values, errors = request.POST.dict(), forms.with_parse_errors(data, exc)
        except (NotFound, PermissionDenied) as exc:
            raise Http404 from exc
        else:
            return redirect("tasks:task_detail", pk=pk)
    context = _form_context(request, values, errors) | {"task": task, "next": ""}
    return render(request, "tasks/task_form.html", context, status=422 if errors else 200)


@login_required
@require_GET
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _get(request, pk)
    return render(
        request,
        "tasks/task_detail.html",
        {
            "task": task,
            "comments": selectors.task_comments(task=task),
            "journal": selectors.task_journal(task=task),
            "can_change": services.may_change(request.user, task),
            "colleagues": selectors.colleagues(user=request.user),
            "category": selectors.categories(keep=task.category_id),
        },
    )


def _get(request: HttpRequest, pk: int) -> Any:
    try:
        return selectors.task_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc


def _act(
    request: HttpRequest, pk: int, call: Callable[[ChangeSource], Any], message: str | None
) -> HttpResponse:
    try:
        call(ChangeSource.from_request(request))
    except ValidationFailed as exc:
        for error in exc.errors:
            messages.error(request, str(error.message))
    except (NotFound, PermissionDenied) as exc:
        raise Http404 from exc
    else:
        if message:
            messages.success(request, message)
    back = _safe(request.POST.get("next") or reverse("tasks:task_detail", args=[pk]))
    return hx_redirect(back) if is_htmx(request) else redirect(back)


def _safe(url: str) -> str:
    return url if url.startswith("/") and not url.startswith("//") else reverse("tasks:my_day")


@login_required
@require_POST
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, lambda s: services.task_complete(actor=request.user, task_id=pk, source=s), _("Done.")
    )


@login_required
@require_POST
def task_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda s: services.task_reopen(actor=request.user, task_id=pk, source=s), None)


@login_required
@require_POST
def task_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda s: services.task_cancel(actor=request.user, task_id=pk, source=s), None)


@login_required
@require_POST
def task_assign(request: HttpRequest, pk: int) -> HttpResponse:
    def call(source: ChangeSource) -> Any:
        try:
            assignee_id = int(request.POST.get("assignee_id", ""))
        except ValueError:
            assignee_id = 0
        return services.task_assign(
            actor=request.user,
            task_id=pk,
            assignee_id=assignee_id,
            comment=request.POST.get("comment", ""),
            source=source,
        )

    return _act(request, pk, call, _("The task is handed over."))


@login_required
@require_POST
def task_comment(request: HttpRequest, pk: int) -> HttpResponse:
    def call(source: ChangeSource) -> Any:
        return services.task_comment(
            actor=request.user, task_id=pk, text=request.POST.get("text", ""), source=source
        )

    return _act(request, pk, call, None)


@login_required
@require_POST
def task_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.task_delete(actor=request.user, task_id=pk, source=ChangeSource.from_request(request))
    except (NotFound, PermissionDenied) as exc:
        raise Http404 from exc
    messages.success(request, _("The task is in the trash."))
    return redirect(_safe(request.POST.get("next") or reverse("tasks:my_day")))


@login_required
@require_POST
def task_restore(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda s: services.task_restore(actor=request.user, task_id=pk, source=s), None)


@login_required
@require_GET
def without_next_step(request: HttpRequest) -> HttpResponse:
    page = selectors.without_next_step(user=request.user, cursor=request.GET.get("after"))
    return render(request, "tasks/without_next_step.html", {"page": page})


@login_required
@require_GET
def slip_report(request: HttpRequest) -> HttpResponse:
    if not _is_head(request.user):
        raise Http404
    return render(request, "tasks/slip_report.html", {"report": selectors.slip_report(user=request.user)})


@login_required
@require_GET
def colleague_options(request: HttpRequest) -> HttpResponse:
    """The options of an assignee select, loaded when it is first opened (the card stays a few queries)."""
    selected = request.GET.get("selected", str(request.user.pk))
    return render(
        request,
        "tasks/_colleague_options.html",
        {"colleagues": selectors.colleagues(user=request.user), "selected": selected},
    )


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed behind a secret address (no login: phones subscribe to it)."""
    from crm.tasks.ical import feed

    user = selectors.feed_owner(token=token)
    if user is None:
        raise Http404
    with timezone.override(selectors.zone_of(user)):
        body = feed(user=user, tasks=selectors.feed_tasks(user=user))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = 'inline; filename="crm-tasks.ics"'
    return response
