"""Turning the quick-add form and the timeline's filter parameters into service inputs."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from crm.activities.models import EntryKind
from crm.activities.selectors import TimelineFilter
from crm.activities.services import TEXT_FIELDS, EntryInput
from crm.core.errors import FieldError, ValidationFailed
from crm.core.ids import form_id
from crm.tasks.forms import due_from

TEXT = ("direction", *TEXT_FIELDS, "body_html")


def entry_input(post: QueryDict, files: MultiValueDict[str, Any], kind: str, pk: int) -> EntryInput:
    """The form's values; input that cannot even be read (a date, a duration) is refused by field."""
    errors: list[FieldError] = []
    data = EntryInput(kind=post.get("kind", EntryKind.NOTE))
    if kind == "contact":
        data.contact_id = pk
    else:
        data.company_id = pk
    for name in TEXT:
        setattr(data, name, post.get(name, ""))
    data.occurred_at = parse_local_datetime(post.get("occurred_at", ""), "occurred_at", errors)
    data.duration_seconds = parse_duration(post.get("duration", ""), errors)
    data.category_id = form_id(post.get("category_id"))
    data.refusal_reason_id = form_id(post.get("refusal_reason_id"))
    data.files = list(files.getlist("files"))
    due_errors: list[FieldError] = []
    data.next_step_due, data.next_step_all_day = due_from(
        post.get("next_step_date", ""), post.get("next_step_time", ""), "next_step_due", due_errors
    )
    errors += due_errors
    data.next_step_assignee_id = form_id(post.get("next_step_assignee_id"))
    if errors:
        raise ValidationFailed(errors)
    return data


def entry_changes(post: QueryDict, kind: str) -> dict[str, Any]:
    """The fields the in-place form corrects, as ``entry_update`` takes them."""
    errors: list[FieldError] = []
    changes: dict[str, Any] = {
        name: post.get(name, "")
        for name in ("direction", "summary", "result", "recording_url", "location", "subject")
        if name in post
    }
    changes["occurred_at"] = parse_local_datetime(post.get("occurred_at", ""), "occurred_at", errors)
    changes["category_id"] = form_id(post.get("category_id"))
    if "duration" in post:
        changes["duration_seconds"] = parse_duration(post.get("duration", ""), errors)
    if changes["occurred_at"] is None:
        del changes["occurred_at"]
    if errors:
        raise ValidationFailed(errors)
    return changes


def timeline_filter(query: QueryDict) -> TimelineFilter:
    kinds = tuple(k for k in query.getlist("kind") if k in EntryKind.values)
    return TimelineFilter(kinds=kinds, category_id=form_id(query.get("category")))


def parse_local_datetime(value: str, name: str, errors: list[FieldError]) -> datetime.datetime | None:
    """A ``datetime-local`` value (or "dd.mm.yyyy hh:mm") in the user's time zone; empty means now."""
    from django.utils.translation import gettext_lazy as _

    value = (value or "").strip()
    if not value:
        return None
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y"):
        try:
            parsed = datetime.datetime.strptime(value, pattern)  # noqa: DTZ007 (made aware just below)
        except ValueError:
            continue
        return timezone.make_aware(parsed, timezone.get_current_timezone())
    errors.append(FieldError(name, "invalid", _("Enter the date and time as 24.11.2026 14:30.")))
    return None


_DURATION = re.compile(r"^(\d+)(?::(\d{1,2}))?(?::(\d{1,2}))?$")
_WORDS = re.compile(r"(\d+)\s*(ч|h|мин|min|м|m|сек|sec|с|s)\w*", re.IGNORECASE)
_UNIT = {"ч": 3600, "h": 3600, "мин": 60, "min": 60, "м": 60, "m": 60, "сек": 1, "sec": 1, "с": 1, "s": 1}


def parse_duration(value: str, errors: list[FieldError]) -> int | None:
    """Seconds from "12" (minutes), "5:30" (min:sec), "1:05:00" (h:min:sec) or "1 ч 20 мин"."""
    from django.utils.translation import gettext_lazy as _

    value = (value or "").strip()
    if not value:
        return None
    match = _DURATION.match(value)
    if match:
        numbers = [int(n) for n in match.groups() if n is not None]
        if len(numbers) == 1:
            return numbers[0] * 60
        if len(numbers) == 2:
            return numbers[0] * 60 + numbers[1]
        return numbers[0] * 3600 + numbers[1] * 60 + numbers[2]
    parts = _WORDS.findall(value)
    if parts and not _WORDS.sub("", value).strip(" ,"):
        return sum(int(n) * _UNIT[unit.lower()] for n, unit in parts)
    errors.append(FieldError("duration_seconds", "invalid", _("Enter the duration as 5:30 or 12 мин.")))
    return None
