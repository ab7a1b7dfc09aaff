"""Domain errors raised by services and mapped to form errors (UI) or {field, code, message} (API)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: Any  # str or lazy translation

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": str(self.message)}


class DomainError(Exception):
    """Base of every error a service raises on purpose."""


class ValidationFailed(DomainError):
    """Input was refused; nothing was stored. Each error names its field."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors

    def by_field(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for error in self.errors:
            result.setdefault(error.field, []).append(str(error.message))
        return result


@dataclass(frozen=True)
class DuplicateMatch:
    """An existing card that already holds a phone, e-mail or INN being written."""

    kind: str  # "contact" or "company"
    pk: int
    label: str
    field: str
    value: str
    visible: bool
    in_trash: bool
    owner_name: str


class DuplicateFound(ValidationFailed):
    """One client, one card: the value already belongs to another card."""

    def __init__(self, errors: list[FieldError], matches: list[DuplicateMatch]) -> None:
        super().__init__(errors)
        self.matches = matches


class PermissionDenied(DomainError):
    """The actor's role does not allow this action on this kind of record."""


class NotFound(DomainError):
    """Missing and not visible are the same answer, so existence never leaks."""


def too_long(field: str, limit: int) -> FieldError:
    from django.utils.translation import ngettext_lazy

    message = ngettext_lazy("At most %(limit)d character.", "At most %(limit)d characters.", "limit")
    return FieldError(field, "too_long", message % {"limit": limit})


def date_range_error(field: str, value: Any) -> FieldError | None:
    """The error for a date or moment outside the years a CRM can mean (``normalize.check_date_range``)."""
    from crm.core.normalize import NormalizationError, check_date_range

    try:
        check_date_range(value)
    except NormalizationError as exc:
        return FieldError(field, exc.code, exc.message)
    return None


def holds_nul(value: Any) -> bool:
    """Whether a value (text, or lists, dicts and input objects of text) holds a NUL character, which no
    database keeps (PostgreSQL refuses it; SQLite stores it and breaks what shows it later)."""
    # A loop over a stack, not recursion: an import asks this of every value of every row.
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack += item.keys()
            stack += item.values()
        elif isinstance(item, list | tuple):
            stack += item
        elif hasattr(item, "__dataclass_fields__"):
            stack += (getattr(item, name) for name in item.__dataclass_fields__)
    return False


def unstorable(field: str) -> FieldError:
    from django.utils.translation import gettext_lazy as _

    return FieldError(
        field, "invalid_character", _("This contains a NUL character (\\0), which cannot be stored.")
    )
