"""Background work of the field definitions: expression indexes and completeness recounts."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from crm.fields import indexes
from crm.fields.schema import schema_for


@db_task()
def sync_indexes(kind: str) -> None:
    """Give every filterable field its index and drop the indexes of fields no longer filterable."""
    schema = schema_for(kind)
    specs = [f for f in schema.custom(active_only=False) if f.filterable and f.active]
    for spec in specs:
        indexes.ensure_index(spec)
    wanted = {name for spec in specs for name in indexes.index_names(spec)}
    for name in indexes.existing_indexes(kind) - wanted:
        indexes.drop_index(name)
