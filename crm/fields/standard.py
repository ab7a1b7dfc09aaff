"""The standard fields each record kind declares (the contacts app registers its own at start-up).

A standard field is configurable like a custom one (switched off, required, recommended, hidden or
read-only for a role) but its value lives in an ordinary column or child table, and its form widget is
the app's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StandardField:
    key: str
    label: Any  # a lazy translation
    error_field: str = ""  # the form field an error about it is shown at; the key by default
    can_require: bool = True  # a flag ("key client") has no "empty" to require against

    @property
    def form_field(self) -> str:
        return self.error_field or self.key


_REGISTRY: dict[str, list[StandardField]] = {}


def register(kind: str, fields: list[StandardField]) -> None:
    _REGISTRY[kind] = list(fields)


def standard_fields(kind: str) -> list[StandardField]:
    return list(_REGISTRY.get(kind, ()))
