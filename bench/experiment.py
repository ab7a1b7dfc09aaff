"""``python -m bench experiment on|off NAME…``: indexes the product does not create, to measure a finding.

Not product code. Each experiment is one index that a missed target's plan suggests, created on the
benchmark database and dropped again; ``measure --only`` then times the affected cases with it. Custom
field expressions come from ``crm.fields.queries.value_sql``, the product's own SQL, so that the planner
matches them exactly as it matches the indexes of ``crm.fields.indexes``.
"""

from __future__ import annotations

import time

# Django is imported in the functions: the command line lists the experiments before Django is set up.
EXPERIMENTS = {
    "segment_renewal": "live contacts by (segment, renewal, id): the filter and the sort in one index",
    "owner_segment_renewal": "live contacts by (owner_id, segment, renewal, id): the same in own scope",
}


def _custom(key: str) -> str:
    """A contact field's value as the list queries write it, without the table name (as in an index)."""
    from crm.fields.queries import value_sql
    from crm.fields.schema import schema_for

    return value_sql(schema_for("contact").fields[key], "contacts_contact").replace('"contacts_contact".', "")


def _create(name: str) -> str:
    """The CREATE INDEX statement of an experiment."""
    from django.db import connection

    pg = connection.vendor == "postgresql"
    how = "CONCURRENTLY " if pg else ""
    index = f"bench_x_{name}"
    columns = f"{_custom('segment')}, {_custom('renewal')}{' ASC NULLS FIRST' if pg else ''}, id"
    if name == "owner_segment_renewal":
        columns = "owner_id, " + columns
    return (
        f'CREATE INDEX {how}IF NOT EXISTS "{index}" ON contacts_contact ({columns}) WHERE deleted_at IS NULL'
    )


def run(*, action: str, names: list[str]) -> None:
    from django.db import connection

    pg = connection.vendor == "postgresql"
    for name in names:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            if action == "on":
                cursor.execute(_create(name))
                print(_create(name))
            else:
                cursor.execute(f'DROP INDEX {"CONCURRENTLY " if pg else ""}IF EXISTS "bench_x_{name}"')
                print(f"dropped bench_x_{name}")
            cursor.execute("ANALYZE contacts_contact")  # as crm.fields.indexes.ensure_index does
        print(f"{name}: {action} and ANALYZE in {time.perf_counter() - started:.0f} s")
