"""Recounting the stored completeness of every card after the definitions changed (a type's required
fields, a field switched on or off). Derived data, not journaled; runs in the worker, in batches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from crm.contacts.models import Company, Contact
from crm.contacts.standard_fields import company_filled_from, contact_filled_from
from crm.fields.schema import schema_for
from crm.fields.values import completeness

BATCH = 2000


def completeness_recount(kind: str) -> int:
    """Returns how many cards changed. A batch is a few queries (the rows and their child rows)."""
    schema = schema_for(kind)
    related: tuple[str, ...]
    filled: Callable[[Any], dict[str, bool]]
    if kind == "contact":
        model: Any = Contact
        related = ("phones", "emails", "messengers", "employments", "tags")
        filled = contact_filled_from
    elif kind == "company":
        model, related, filled = Company, ("tags",), company_filled_from
    else:
        return 0
    changed = 0
    last = 0
    while True:
        with transaction.atomic():
            rows = list(model.objects.filter(pk__gt=last).order_by("pk").prefetch_related(*related)[:BATCH])
            if not rows:
                return changed
            last = rows[-1].pk
            stale = []
            for row in rows:
                percent, _missing = completeness(schema, row.record_type_id, filled(row), row.custom or {})
                if percent != row.completeness:
                    row.completeness = percent
                    stale.append(row)
            model.objects.bulk_update(stale, ["completeness"])
            changed += len(stale)
