"""The columns the tasks list can show, for the column chooser the other lists have
(``crm/contacts/columns.py`` keeps each user's choice). Everyone who signs in has the tasks list."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.accounts.access import is_active_user
from crm.contacts import columns as tables
from crm.contacts.columns import Column, default_keys, register_column, register_list
from crm.fields.schema import schema_for

KIND = "task"
DEFAULTS = ["category", "due", "priority", "client"]
NONE = mark_safe('<span class="text-secondary">—</span>')


def _category(task: Any) -> tuple[Any, str]:
    option = schema_for("contact").option(task.category_id) if task.category_id else None
    if option is None:
        return "", ""
    return format_html('<span class="badge bg-purple-lt">{}</span>', option.label), option.label


def _due(task: Any) -> tuple[Any, str]:
    moment = timezone.localtime(task.due_at)
    text = date_format(moment, "d.m.Y") if task.all_day else date_format(moment, "d.m.Y H:i")
    if task.is_overdue:
        return format_html('<span class="text-danger fw-bold" data-testid="task-due">{}</span>', text), text
    return format_html('<span data-testid="task-due">{}</span>', text), text


def _priority(task: Any) -> tuple[Any, str]:
    label = str(task.get_priority_display())
    return format_html('<span class="badge bg-{}-lt">{}</span>', task.priority_colour, label), label


def _client(task: Any) -> tuple[Any, str]:
    if task.contact_id:
        url = reverse("contacts:contact_detail", args=[task.contact_id])
        return format_html('<a href="{}">{}</a>', url, task.contact), str(task.contact)
    if task.company_id:
        url = reverse("contacts:company_detail", args=[task.company_id])
        return format_html('<a href="{}">{}</a>', url, task.company), str(task.company)
    return NONE, ""


def _moment(value: Any) -> tuple[Any, str]:
    if not value:
        return NONE, ""
    text = date_format(timezone.localtime(value), "d.m.Y H:i")
    return text, text


def _status(task: Any) -> tuple[Any, str]:
    label = str(task.get_status_display())
    colour = {"open": "blue", "done": "green"}.get(task.status, "secondary")
    return format_html('<span class="badge bg-{}-lt">{}</span>', colour, label), label


COLUMNS = [
    Column("status", _("Status"), (KIND,), render=_status),
    Column("category", _("Category"), (KIND,), render=_category),
    Column("due", _("Due"), (KIND,), render=_due),
    Column("priority", _("Priority"), (KIND,), render=_priority),
    Column("client", _("Client"), (KIND,), render=_client),
    Column("assignee", _("Assignee"), (KIND,), render=lambda t: (str(t.assignee), str(t.assignee))),
    Column("reminder", _("Reminder"), (KIND,), render=lambda t: _moment(t.remind_at)),
    Column("created", pgettext_lazy("date", "Created"), (KIND,), render=lambda t: _moment(t.created_at)),
]


def list_context(user: Any, items: list[Any], department: bool = False) -> dict[str, Any]:
    """The columns a tasks table shows this user (their choice, remembered; a head's department view adds
    the assignee by default), with the rows' cells filled in, and what the chooser offers."""
    return tables.list_context(user, KIND, items, [*default_keys(KIND), "assignee"] if department else None)


def register() -> None:
    register_list(KIND, DEFAULTS, may_view=is_active_user)
    for column in COLUMNS:
        register_column(column)
