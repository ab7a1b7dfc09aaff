"""The "IDs in other systems" line of a card: where an imported card came from."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from crm.core.cards import register_card_section
from crm.imports import selectors


def source_keys_section(request: HttpRequest, kind: str, record: Any) -> SafeString | None:
    keys = selectors.source_keys_of(kind=kind, record_id=record.pk)
    if not keys:
        return None
    return SafeString(render_to_string("imports/_card_keys.html", {"keys": keys}, request=request))


def register() -> None:
    register_card_section("source_keys", source_keys_section, order=90)
