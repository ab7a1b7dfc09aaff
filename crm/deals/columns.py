"""The columns the deals list can show, for the column chooser the lists of people and companies have
(``crm/contacts/columns.py`` keeps the choice per user): the deal's standard fields, each hidden with the
field from a role that may not see it, and its custom fields."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.contacts.columns import Column, register_column, register_list
from crm.deals import standard_fields
from crm.deals.money import money
from crm.deals.visibility import KIND
from crm.fields.schema import schema_for

DEFAULTS = ["client", "stage", "amount", "expected_close", "owner"]


def _text(value: Any) -> tuple[Any, str]:
    text = "" if value in (None, "") else str(value)
    return text, text


def _date(value: Any) -> tuple[Any, str]:
    if not value:
        return mark_safe('<span class="text-secondary">—</span>'), ""
    text = date_format(value, "d.m.Y")
    return text, text


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
    return _text(option.label if option else "")


def _tags(deal: Any) -> tuple[Any, str]:
    names = [t.name for t in deal.tags.all()]
    badges = format_html_join("", '<span class="badge bg-blue-lt me-1">{}</span>', ((n,) for n in names))
    return badges, ", ".join(names)


def _mark_no_amount(rows: list[Any]) -> None:
    """Deals of a type without an amount (a candidate) show none."""
    hidden = set(standard_fields.types_without("amount"))
    for row in rows:
        row.no_amount = row.record_type_id in hidden


def _nothing(rows: list[Any]) -> None:
    return None


COLUMNS = [
    (Column("client", _("Client"), (KIND,), render=_client), _nothing),
    (Column("stage", _("Stage"), (KIND,), render=_stage), _nothing),
    (Column("pipeline", _("Pipeline"), (KIND,), render=lambda d: _text(d.pipeline.name)), _nothing),
    (Column("amount", _("Amount"), (KIND,), "amount", numeric=True, render=_amount), _mark_no_amount),
    (
        Column(
            "expected_close",
            _("Expected close"),
            (KIND,),
            "expected_close",
            render=lambda d: _date(d.expected_close),
        ),
        _nothing,
    ),
    (Column("owner", _("Owner"), (KIND,), render=lambda d: _text(d.owner)), _nothing),
    (Column("source", _("Source"), (KIND,), "source", render=_source), _nothing),
    (Column("tags", _("Tags"), (KIND,), "tags", render=_tags), _nothing),
    (
        Column(
            "stage_entered", _("At this stage since"), (KIND,), render=lambda d: _date(d.stage_entered_at)
        ),
        _nothing,
    ),
    (
        Column("created", pgettext_lazy("date", "Created"), (KIND,), render=lambda d: _date(d.created_at)),
        _nothing,
    ),
]


def register() -> None:
    register_list(KIND, DEFAULTS)
    for column, load in COLUMNS:
        register_column(column, load)
