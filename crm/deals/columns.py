"""The columns the deals list can show, for the column chooser the lists of people and companies have
(``crm/contacts/columns.py`` keeps the choice per user): the deal's standard fields, each hidden with the
field from a role that may not see it, and its custom fields."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.contacts.columns import Column, date_cell, register_column, register_list, tags_cell, text_cell
from crm.deals import standard_fields
from crm.deals.money import money
from crm.deals.visibility import KIND
from crm.fields.schema import schema_for

DEFAULTS = ["client", "stage", "amount", "expected_close", "owner"]


def _client(deal: Any) -> tuple[Any, str]:
    parts = []
    if deal.contact_id:
        url = reverse("contacts:contact_detail", args=[deal.contact_id])
        parts.append(format_html('<a href="{}">{}</a>', url, deal.contact))
    if deal.company_id:
        url = reverse("contacts:company_detail", args=[deal.company_id])
        parts.append(format_html('<a href="{}">{}</a>', url, deal.company.name))
    title = " · ".join(str(x) for x in (deal.contact, deal.company and deal.company.name) if x)
    return (
        mark_safe(" · ".join(parts)) if parts else mark_safe('<span class="text-secondary">—</span>')
    ), title


def _stage(deal: Any) -> tuple[Any, str]:
    colour = {"won": "bg-green-lt", "lost": "bg-secondary-lt"}.get(deal.status, "bg-blue-lt")
    return format_html('<span class="badge {}">{}</span>', colour, deal.stage.name), deal.stage.name


def _amount(deal: Any) -> tuple[Any, str]:
    if getattr(deal, "no_amount", False):
        return mark_safe('<span class="text-secondary">—</span>'), ""
    text = money(deal.amount, deal.currency)
    return text, text


def _source(deal: Any) -> tuple[Any, str]:
    option = schema_for("contact").option(deal.source_id)
    return text_cell(option.label if option else "")


def _mark_no_amount(rows: list[Any]) -> None:
    """Deals of a type without an amount (a candidate) show none."""
    hidden = set(standard_fields.types_without("amount"))
    for row in rows:
        row.no_amount = row.record_type_id in hidden


COLUMNS = [
    (Column("client", _("Client"), (KIND,), render=_client), None),
    (Column("stage", _("Stage"), (KIND,), render=_stage), None),
    (Column("pipeline", _("Pipeline"), (KIND,), render=lambda d: text_cell(d.pipeline.name)), None),
    (Column("amount", _("Amount"), (KIND,), "amount", numeric=True, render=_amount), _mark_no_amount),
    (
        Column(
            "expected_close",
            _("Expected close"),
            (KIND,),
            "expected_close",
            render=lambda d: date_cell(d.expected_close),
        ),
        None,
    ),
    (Column("owner", _("Owner"), (KIND,), render=lambda d: text_cell(d.owner)), None),
    (Column("source", _("Source"), (KIND,), "source", render=_source), None),
    (Column("tags", _("Tags"), (KIND,), "tags", render=tags_cell), None),
    (
        Column(
            "stage_entered", _("At this stage since"), (KIND,), render=lambda d: date_cell(d.stage_entered_at)
        ),
        None,
    ),
    (
        Column(
            "created", pgettext_lazy("date", "Created"), (KIND,), render=lambda d: date_cell(d.created_at)
        ),
        None,
    ),
]


def register() -> None:
    register_list(KIND, DEFAULTS)
    for column, load in COLUMNS:
        register_column(column, load)
