"""Comparing text without regard to case, in any alphabet, on both databases.

SQLite's LIKE and LOWER() fold only ASCII ("Казань" LIKE "казань" is false), so Django's ``iexact`` and
``icontains`` miss Cyrillic there. SQLite gets a ``casefold`` function (Python's, registered on each new
connection); PostgreSQL's LOWER() already folds every alphabet under our UTF-8 locale.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Func, Q, TextField
from django.db.models.functions import Lower
from django.db.models.lookups import Contains, Exact


def _casefold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def register(sender: Any, connection: Any, **kwargs: Any) -> None:
    """On each new SQLite connection (``connection_created``): the ``casefold`` SQL function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("casefold", 1, _casefold, deterministic=True)


def folded(column: str) -> Func:
    if connection.vendor == "sqlite":
        return Func(column, function="casefold", output_field=TextField())
    return Lower(column)


def _fold(text: str) -> str:
    return text.casefold() if connection.vendor == "sqlite" else text.lower()


def fold_sql(sql: str) -> str:
    """Raw SQL of a text value folded (for expressions Django cannot build, such as a JSON field's)."""
    return f"casefold({sql})" if connection.vendor == "sqlite" else f"LOWER({sql})"


def fold(text: str) -> str:
    """The text folded as ``fold_sql`` folds the column, to compare them."""
    return _fold(text)


def equals(column: str, text: str) -> Q:
    """``column`` equals ``text`` but for case."""
    return Q(Exact(folded(column), _fold(text)))


def contains(column: str, text: str) -> Q:
    """``column`` holds ``text`` but for case."""
    return Q(Contains(folded(column), _fold(text)))
