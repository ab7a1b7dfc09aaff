"""Expression indexes for the fields marked filterable, created and dropped at run time.

Runs in the worker: on PostgreSQL ``CREATE INDEX CONCURRENTLY`` builds a million-row index without
locking writes, and it cannot run inside a transaction anyway.
"""

from __future__ import annotations

from django.db import connection

from crm.fields.queries import index_sql
from crm.fields.schema import FieldSpec

TABLES = {"contact": "contacts_contact", "company": "contacts_company"}


def index_name(spec: FieldSpec) -> str:
    return f"cf_{spec.kind}_{spec.key}"[:63]


def ensure_index(spec: FieldSpec) -> None:
    table = TABLES.get(spec.kind)
    if table is None:
        return
    # CONCURRENTLY (no write lock on a big table) is impossible inside a transaction, e.g. in tests.
    concurrently = not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute(index_sql(spec, table, index_name(spec), concurrently))
        cursor.execute(f'ANALYZE "{table}"')  # statistics on the new expression, for the planner


def drop_index(name: str) -> None:
    concurrently = (
        "CONCURRENTLY " if connection.vendor == "postgresql" and not connection.in_atomic_block else ""
    )
    with connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX {concurrently}IF EXISTS "{name}"')


def existing_indexes(kind: str) -> set[str]:
    table = TABLES[kind]
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name for name in constraints if name.startswith("cf_")}
