"""Facts the system writes on a card's timeline (a status change; later a merge, an import) without the
writing app importing the timeline: the timeline registers its writer at start-up, and services call
``system_entry`` inside their own transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SystemEntry:
    """An automatic entry on the person's and/or company's timeline. ``about_field`` ("contact.status")
    names the card field whose value the entry tells: it is shown only to those who may see that field."""

    summary: Any
    actor: Any = None
    contact_id: int | None = None
    company_id: int | None = None
    about_field: str = ""


Writer = Callable[[list[SystemEntry]], Any]

_writers: list[Writer] = []


def register_timeline_writer(writer: Writer) -> None:
    if writer not in _writers:
        _writers.append(writer)


def system_entries(entries: list[SystemEntry]) -> None:
    """Write automatic entries, many at once (a batch of imported cards writes them in one insert)."""
    if not entries:
        return
    for writer in _writers:
        writer(entries)


def system_entry(
    *,
    summary: str,
    actor: Any = None,
    contact_id: int | None = None,
    company_id: int | None = None,
    about_field: str = "",
) -> None:
    """One automatic entry (see ``SystemEntry``)."""
    system_entries([SystemEntry(summary, actor, contact_id, company_id, about_field)])
