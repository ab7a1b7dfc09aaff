"""Sections other apps add to a card (the timeline, later deals) without the card's app importing them.

An app registers a renderer at start-up; the card's view asks for the sections of its kind and places
the HTML they return. This keeps the dependency pointing downwards: activities know contacts, never the
reverse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString

Renderer = Callable[[HttpRequest, str, Any], SafeString | str | None]

_sections: list[tuple[int, str, Renderer]] = []


def register_card_section(name: str, renderer: Renderer, order: int = 100) -> None:
    """``renderer(request, kind, record)`` returns the section's HTML, or None to add nothing."""
    global _sections
    _sections = sorted([s for s in _sections if s[1] != name] + [(order, name, renderer)], key=lambda s: s[0])


def card_sections(request: HttpRequest, kind: str, record: Any) -> dict[str, SafeString]:
    """The rendered sections for one card, by name, in their order."""
    rendered: dict[str, SafeString] = {}
    for _order, name, renderer in _sections:
        html = renderer(request, kind, record)
        if html:
            rendered[name] = SafeString(html)
    return rendered


TrashRenderer = Callable[[HttpRequest], SafeString | str | None]
_trash: list[tuple[int, str, TrashRenderer]] = []


def register_trash_section(name: str, renderer: TrashRenderer, order: int = 100) -> None:
    """Other apps' deleted things (timeline entries, tasks) on the trash page, with their restore buttons."""
    global _trash
    _trash = sorted([s for s in _trash if s[1] != name] + [(order, name, renderer)], key=lambda s: s[0])


def trash_sections(request: HttpRequest) -> list[SafeString]:
    return [SafeString(html) for _order, _name, renderer in _trash if (html := renderer(request))]
