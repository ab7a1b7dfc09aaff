"""The "possible duplicates" section of a person's card."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from crm.core.cards import register_card_section
from crm.duplicates import selectors


def duplicates_section(request: HttpRequest, kind: str, record: Any) -> SafeString | None:
    if kind != "contact":
        return None
    pairs = selectors.pairs_of_card(user=request.user, contact=record)
    merges = selectors.merges_of_card(user=request.user, contact=record)
    if not pairs and not merges:
        return None
    context = {"pairs": pairs, "merges": merges}
    return SafeString(render_to_string("duplicates/_card.html", context, request=request))


def register() -> None:
    register_card_section("duplicates", duplicates_section, order=1)
