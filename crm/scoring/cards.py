"""The lead score on a person's card: hot, warm or cold, its points, and the latest signals behind it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.contacts.columns import Column, register_column
from crm.core.cards import register_card_section
from crm.scoring import selectors
from crm.scoring.models import Band


def score_section(request: HttpRequest, kind: str, record: Any) -> SafeString | None:
    if kind != "contact":
        return None
    context = {
        "score": selectors.score_of(record.pk),
        "record": record,
        "can_administer": access.can_administer(request.user),
    }
    return SafeString(render_to_string("scoring/_card_score.html", context, request=request))


def register() -> None:
    register_card_section("lead_score", score_section, order=0)
    register_column(LEAD_COLUMN, _load_bands)


def _load_bands(rows: list[Any]) -> None:
    found = selectors.bands([row.pk for row in rows])
    for row in rows:
        row.lead_temperature = found.get(row.pk, (0, Band.COLD))


def _band_cell(card: Any) -> tuple[Any, str]:
    points, band = getattr(card, "lead_temperature", (0, Band.COLD))
    if band == Band.COLD:
        return "", ""
    label = f"{Band(band).label} · {points}"
    colour = "bg-red text-red-fg" if band == Band.HOT else "bg-orange text-orange-fg"
    return format_html('<span class="badge {}">{}</span>', colour, label), label


LEAD_COLUMN = Column("lead", _("Lead"), ("contact",), render=_band_cell)
