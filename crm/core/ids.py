"""Record ids as requests carry them. Every primary key fits a signed 64-bit integer; a bigger number in a
filter, a form or an API call used to reach the database and fail there (SQLite: "Python int too large
to convert to SQLite INTEGER", a 500). Here it is stopped at the edge: the API refuses it naming the
field, a form or a list filter treats it as an id no record has.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from django.db import connections
from django.db.models import QuerySet
from pydantic import Field

MAX_ID = 2**63 - 1
NO_RECORD = 0  # an id no record has: filters on it find nothing, writes name the field

# An id in an API schema: a positive number a primary key can be.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def form_id(value: Any) -> int | None:
    """An id from a form field or a query string: None when absent or not a number, ``NO_RECORD`` when
    the number cannot be an id."""
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= MAX_ID else NO_RECORD


def with_ids(rows: QuerySet[Any], column: str, ids: Iterable[int]) -> QuerySet[Any]:
    """``rows`` whose ``column`` (of the queryset's own table) is one of ``ids``, the ids written into
    the SQL as numbers: Django would otherwise prepare each of a chunk's thousands of ids as a parameter
    for every query (half the time of reading a chunk of plain values). On PostgreSQL the ids are one
    array constant, which it parses and plans at once instead of as a list of thousands of constants."""
    listed = ",".join(str(int(pk)) for pk in ids)
    if not listed:
        return rows.none()
    table = rows.model._meta.db_table
    if connections[rows.db].vendor == "postgresql":
        return rows.extra(where=[f"{table}.{column} = ANY('{{{listed}}}'::bigint[])"])
    return rows.extra(where=[f"{table}.{column} IN ({listed})"])
