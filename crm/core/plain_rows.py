"""The rows of a ``values_list`` query as the database driver returns them, without Django's per-value
converters: for reads of a whole base (the duplicate finder reads every card), where those converters
were a tenth of the time. Only for columns whose driver value is already what the caller wants (text,
numbers; a boolean is 0 or 1 on SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet


def plain_rows(rows: QuerySet[Any], batch: int = 2000) -> Iterator[tuple[Any, ...]]:
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing
        return
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        while found := cursor.fetchmany(batch):
            yield from found
