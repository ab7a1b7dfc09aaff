"""The timeline's section on person and company cards (registered with ``crm.core.cards``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from crm.core.cards import register_card_section, register_trash_section


def timeline_section(request: HttpRequest, kind: str, record: Any) -> SafeString | None:
    if kind not in ("contact", "company"):
        return None
    from crm.activities.views import timeline_context

    context = timeline_context(request, kind, record, first=True)
    return SafeString(render_to_string("activities/_timeline_section.html", context, request=request))


def trash_section(request: HttpRequest) -> SafeString | None:
    from crm.activities.selectors import trashed_entries

    entries = trashed_entries(user=request.user)
    if not entries:
        return None
    return SafeString(render_to_string("activities/_trash.html", {"entries": entries}, request=request))


def register() -> None:
    register_card_section("timeline", timeline_section, order=10)
    register_trash_section("entries", trash_section, order=10)
