"""Set-based writes for services that write many rows at once (decision 0006), each database at its best:
COPY on PostgreSQL, one prepared ``executemany`` on SQLite. Only services call these, inside their own
transaction; the rows must already be clean, in the columns' stored forms.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import operator
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db import connection, models
from django.db.models.base import ModelState

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


_PLAIN = frozenset({str, int, bool, float, type(None)})


def _stored(value: Any, pg: bool) -> Any:
    """A value as the database driver takes it outside the ORM, stored as Django stores it."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, dict | list):
        return json.dumps(value)
    if not pg:
        if isinstance(value, datetime.datetime):  # SQLite: naive UTC text
            return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")
        if isinstance(value, uuid.UUID):  # SQLite: 32 hex digits
            return value.hex
    return value


def built(model: type[models.Model], records: list[dict[str, Any]]) -> list[Any]:
    """Instances of rows written by ``insert_records``, made from the same column values without the
    model's ``__init__`` (which, at batch sizes, costs more than the insert itself): as if read back."""
    alias = connection.alias
    made = []
    for attrs in records:
        obj = model.__new__(model)
        obj.__dict__.update(attrs)
        state = obj._state = ModelState()
        state.adding, state.db = False, alias
        made.append(obj)
    return made


def insert_records(model: type[models.Model], records: list[dict[str, Any]]) -> None:
    """Insert rows given as ``{attname: value}``, each holding every concrete column of ``model``."""
    if not records:
        return
    fields = model._meta.concrete_fields
    values = operator.itemgetter(*(f.attname for f in fields))
    insert_rows(model, [str(f.column) for f in fields], [values(r) for r in records])


def insert_objects(model: type[models.Model], objs: list[Any]) -> None:
    """Insert unsaved model instances (their primary keys set, or left to the database) in one statement
    (COPY on PostgreSQL past a few rows). Their values must be plain: text, numbers, booleans, datetimes,
    JSON-able dicts and lists, UUIDs (what the card and journal models hold)."""
    if not objs:
        return
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and objs[0].pk is None)]
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    names = [f.attname for f in fields]
    rows = [[getattr(obj, name) for name in names] for obj in objs]
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
            started = time.monotonic()
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in _prepared(rows, pg):
                    copy.write_row(row)
            if connection.queries_logged:  # COPY bypasses Django's cursor: count it like any statement
                connection.queries_log.append(
                    {
                        "sql": f"COPY {table} ({names}) FROM STDIN -- {len(rows)} rows",
                        "time": f"{time.monotonic() - started:.3f}",
                    }
                )
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", _prepared(rows, pg))


def update_objects(model: type[models.Model], objs: Sequence[Any], attnames: Sequence[str]) -> None:
    """Write the columns ``attnames`` of saved instances: one prepared UPDATE run for each row in one
    ``executemany`` (Django's ``bulk_update`` builds a CASE over every row for each column, which for a
    chunk of 2,000 cards took most of an import's update). Values as ``insert_objects`` takes them."""
    if not objs or not attnames:
        return
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    columns = [str(by_attname[name].column) for name in attnames]
    rows = [[getattr(obj, name) for name in attnames] + [obj.pk] for obj in objs]
    sets = ", ".join(f"{column} = %s" for column in columns)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {model._meta.db_table} SET {sets} WHERE {model._meta.pk.column} = %s",
            _prepared(rows, connection.vendor == "postgresql"),
        )


def _prepared(rows: Sequence[Sequence[Any]], pg: bool) -> Sequence[Sequence[Any]]:
    """The rows with each value the driver cannot take as it is converted (``_stored``). A column holds
    one type (or None), so the columns to convert are found once, from their first value; a value shared
    by every row (the write's timestamp) is converted once."""
    first = [next((row[i] for row in rows if row[i] is not None), None) for i in range(len(rows[0]))]
    convert = [i for i, v in enumerate(first) if type(v) not in _PLAIN and _stored(v, pg) is not v]
    if not convert:
        return rows
    prepared = []
    last: dict[int, tuple[Any, Any]] = {}
    for row in rows:
        row = list(row)
        for i in convert:
            value = row[i]
            if value is None:
                continue
            seen = last.get(i)
            if seen is not None and seen[0] is value:
                row[i] = seen[1]
            else:
                row[i] = stored = _stored(value, pg)
                last[i] = (value, stored)
        prepared.append(row)
    return prepared


@contextlib.contextmanager
def checkpoints_every(writes: int) -> Iterator[Callable[[], None]]:
    """SQLite: copy the write-ahead log into the database every ``writes`` calls of the function yielded
    (and once at the end) instead of after every commit that fills the log. A batch commits chunk by
    chunk, and each chunk touches the same index pages again: checkpointing after each one wrote those
    pages over and over (at 1M cards about a third of a batch's time). PostgreSQL, or a batch inside a
    caller's transaction (which commits once, at its end): nothing to do."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield lambda: None
        return
    done = 0

    def wrote() -> None:
        nonlocal done
        done += 1
        if done % writes == 0:
            _checkpoint()

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        automatic = cursor.fetchone()[0]
        cursor.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield wrote
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(automatic)}")
        if done % writes:
            _checkpoint()


def _checkpoint() -> None:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
