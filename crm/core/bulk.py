"""Set-based writes for services that write many rows at once (decision 0006), each database at its best:
COPY on PostgreSQL, one prepared ``executemany`` on SQLite. Only services call these, inside their own
transaction; the rows must already be clean, in the columns' stored forms.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

# Below this many rows a plain INSERT costs less than starting a COPY.
COPY_FROM = 50


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for ``count`` new rows, taken before they are written so that child rows can point at
    them in the same pass. PostgreSQL: from the table's sequence (never reused, safe under concurrency).
    SQLite: past the table's AUTOINCREMENT high-water mark, which is safe because the caller holds the
    write transaction (BEGIN IMMEDIATE); the insert moves the mark on."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"coalesce((SELECT max(id) FROM {table}), 0))",
            [table],
        )
        start = int(cursor.fetchone()[0]) + 1
    return list(range(start, start + count))


def _stored(value: Any, pg: bool) -> Any:
    """A value as the database driver takes it outside the ORM."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if not pg and isinstance(value, datetime.datetime):
        # Django keeps SQLite timestamps as naive UTC text.
        return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")
    return value


def insert_objects(model: type[models.Model], objs: list[Any]) -> None:
    """Insert unsaved model instances (their primary keys set, or left to the database) in one statement
    (COPY on PostgreSQL past a few rows); their fields' own conversions prepare the values."""
    if not objs:
        return
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and objs[0].pk is None)]
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    rows = [[f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objs]
    insert_rows(model, [str(f.column) for f in fields], rows)


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (values in ``columns`` order, column names as in the table) into ``model``'s table."""
    if not rows:
        return
    table = model._meta.db_table
    names = ", ".join(columns)
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if pg and len(rows) >= COPY_FROM:
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([_stored(v, pg) for v in row])
            return
        marks = ", ".join(["%s"] * len(columns))
        prepared = [[_stored(v, pg) for v in row] for row in rows]
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", prepared)
