"""Filtering and sorting by custom fields, written as the very expressions their indexes are built on.

Keys are slugs checked on creation, so they are safe to place in SQL text; that is needed, because an
expression index is only used when the query repeats its expression literally (a bound parameter in
``json_extract(custom, ?)`` would not match ``json_extract(custom, '$.key')``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.db import connection
from django.db.models import BooleanField, FloatField, Q, TextField
from django.db.models.expressions import RawSQL

from crm.fields.schema import FieldSpec
from crm.fields.types import type_of

KEY = re.compile(r"^[a-z][a-z0-9_]{0,49}$")


def _pg() -> bool:
    return connection.vendor == "postgresql"


def value_sql(spec: FieldSpec, table: str, column: str = "custom") -> str:
    """The SQL of a field's value, comparable and sortable as its type needs."""
    if not KEY.match(spec.key):
        raise ValueError(spec.key)
    kind = type_of(spec).sql
    if _pg():
        text = f'("{table}"."{column}" ->> \'{spec.key}\')'
        return {"real": f"({text}::float8)", "int": f"({text}::bigint)"}.get(kind, text)
    return f'json_extract("{table}"."{column}", \'$.{spec.key}\')'


def index_sql(spec: FieldSpec, table: str, name: str, concurrently: bool = True, scope: str = "") -> str:
    """The partial expression index a filterable field gets (live cards only, like every list); with
    ``scope`` ("owner_id", "department_id") led by that column, for the lists of a manager or a head."""
    expression = value_sql(spec, table).replace(f'"{table}".', "")
    lead = f"{scope}, " if scope else ""
    if _pg():
        how = "CONCURRENTLY " if concurrently else ""
        return (
            f'CREATE INDEX {how}IF NOT EXISTS "{name}" ON "{table}" '
            f"({lead}({expression}) ASC NULLS FIRST, id) WHERE deleted_at IS NULL"
        )
    return (
        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({lead}{expression}, id) WHERE deleted_at IS NULL'
    )


def sort_expression(spec: FieldSpec, table: str, indexed: bool = True) -> RawSQL:
    """The field's value to order by. ``indexed=False`` (PostgreSQL) writes it so that no index matches: for
    a filter with few matches, fetching them by the filter's index and sorting beats walking the sort's."""
    kind = type_of(spec).sql
    output = FloatField() if kind in ("real", "int") else TextField()
    sql = value_sql(spec, table)
    if not indexed and _pg():
        sql = f"({sql} + 0)" if kind in ("real", "int") else f"({sql} || '')"
    return RawSQL(sql, [], output_field=output)


def _compare(spec: FieldSpec, value: Any) -> Any:
    """The Python value to compare the field's SQL value with."""
    kind = type_of(spec).sql
    if kind == "bool":
        return ("true" if value else "false") if _pg() else (1 if value else 0)
    if kind == "int":
        return int(value)
    if kind == "real":
        return float(value)
    return value


def filter_q(spec: FieldSpec, table: str, op: str, value: Any, schema: Any = None, indexed: bool = True) -> Q:
    """A condition on one custom field: equals, any of, a range (from, to) or contains.

    ``indexed=False`` keeps SQLite's planner off this field's index (a unary "+" makes the expression
    differ from the index's): for a filter matching many cards under a sort by another field, walking
    the sort's index and checking the filter row by row stops after a page, where the filter's index
    would fetch and sort every match."""
    sql = value_sql(spec, table)
    if not indexed and not _pg():
        sql = f"+{sql}"
    if op == "eq":
        ids = schema.ids_meaning(int(value)) if schema is not None and spec.field_type == "choice" else None
        if ids and len(ids) > 1:  # options merged into this one are stored under their old ids
            marks = ", ".join(["%s"] * len(ids))
            return Q(
                RawSQL(f"{sql} IN ({marks})", [_compare(spec, i) for i in ids], output_field=BooleanField())
            )
        return Q(RawSQL(f"{sql} = %s", [_compare(spec, value)], output_field=BooleanField()))
    if op == "any":
        ids = []
        for item in value:
            ids += schema.ids_meaning(int(item)) if schema is not None else [int(item)]
        if not ids:
            return Q()
        if _pg():
            parts = " OR ".join([f'"{table}"."custom" @> %s::jsonb'] * len(ids))
            params = [json.dumps({spec.key: [i]}) for i in ids]
            return Q(RawSQL(f"({parts})", params, output_field=BooleanField()))
        marks = ", ".join(["%s"] * len(ids))
        each = f'SELECT 1 FROM json_each("{table}"."custom", \'$.{spec.key}\') WHERE value IN ({marks})'
        return Q(RawSQL(f"EXISTS ({each})", ids, output_field=BooleanField()))
    if op == "range":
        low, high = value
        q = Q()
        if low is not None:
            q &= Q(RawSQL(f"{sql} >= %s", [_compare(spec, low)], output_field=BooleanField()))
        if high is not None:
            q &= Q(RawSQL(f"{sql} <= %s", [_compare(spec, high)], output_field=BooleanField()))
        return q
    if op == "contains":
        escaped = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = "ILIKE" if _pg() else "LIKE"
        return Q(RawSQL(f"{sql} {like} %s ESCAPE '\\'", [f"%{escaped}%"], output_field=BooleanField()))
    raise ValueError(op)
