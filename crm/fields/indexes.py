"""Expression indexes for the fields marked filterable, created and dropped at run time.

Runs in the worker: on PostgreSQL ``CREATE INDEX CONCURRENTLY`` builds a million-row index without
locking writes, and it cannot run inside a transaction anyway.
"""

from __future__ import annotations

from django.db import connection

from crm.fields.queries import index_sql, value_sql
from crm.fields.schema import FieldSpec

TABLES = {"contact": "contacts_contact", "company": "contacts_company"}


# Each filterable field is indexed three times: alone (the whole base), and led by the owner and by the
# department, so a manager's or a head's list filtered or sorted by it reads only their own cards.
SCOPES = {"": "", "_o": "owner_id", "_d": "department_id"}


def index_name(spec: FieldSpec, suffix: str = "") -> str:
    return f"cf_{spec.kind}_{spec.key}{suffix}"[:63]


def index_names(spec: FieldSpec) -> list[str]:
    return [index_name(spec, suffix) for suffix in SCOPES]


def ensure_index(spec: FieldSpec) -> None:
    table = TABLES.get(spec.kind)
    if table is None:
        return
    # CONCURRENTLY (no write lock on a big table) is impossible inside a transaction, e.g. in tests.
    concurrently = not connection.in_atomic_block
    with connection.cursor() as cursor:
        for suffix, scope in SCOPES.items():
            cursor.execute(index_sql(spec, table, index_name(spec, suffix), concurrently, scope))
        if connection.vendor == "postgresql":
            # PostgreSQL keeps no statistics for the expression of a partial index: without these it guesses
            # 0.5 % of rows for any value, and picks the wrong index for common and rare values alike.
            expression = value_sql(spec, table).replace(f'"{table}".', "")
            cursor.execute(
                f'CREATE STATISTICS IF NOT EXISTS "{index_name(spec)}_st" ON ({expression}) FROM "{table}"'
            )
        cursor.execute(f'ANALYZE "{table}"')  # statistics on the new expressions, for the planner


def drop_index(name: str) -> None:
    concurrently = (
        "CONCURRENTLY " if connection.vendor == "postgresql" and not connection.in_atomic_block else ""
    )
    with connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX {concurrently}IF EXISTS "{name}"')
        if connection.vendor == "postgresql":
            cursor.execute(f'DROP STATISTICS IF EXISTS "{name}_st"')


def existing_indexes(kind: str) -> set[str]:
    table = TABLES.get(kind)
    if table is None:  # deals: their custom fields are not filtered by an index yet
        return set()
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name for name in constraints if name.startswith("cf_")}
