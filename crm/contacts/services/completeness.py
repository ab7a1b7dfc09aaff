"""Recounting the stored completeness of every card after the definitions changed (a type's required
fields, a field switched on or off). Derived data, not journaled; runs in the worker, in batches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from crm.contacts.models import Company, Contact
from crm.contacts.standard_fields import company_filled_from, contact_filled_from
from crm.core.ids import with_ids
from crm.fields.schema import schema_for
from crm.fields.values import completeness

BATCH = 2000


def completeness_recount(kind: str, ids: list[int] | None = None) -> int:
    """Returns how many cards changed. A batch is a few queries (the rows and their child rows).
    ``ids``: only these cards (after a bulk change of their tags), else every card."""
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
    wanted = sorted(ids) if ids is not None else None
    while True:
        with transaction.atomic():
            if wanted is not None:
                part, wanted = wanted[:BATCH], wanted[BATCH:]
                rows = (
                    list(with_ids(model.objects.all(), "id", part).prefetch_related(*related)) if part else []
                )
            else:
                rows = list(
                    model.objects.filter(pk__gt=last).order_by("pk").prefetch_related(*related)[:BATCH]
                )
            if not rows and not wanted:
                return changed
            last = rows[-1].pk if rows else last
            stale = []
            for row in rows:
                percent, _missing = completeness(schema, row.record_type_id, filled(row), row.custom or {})
                if percent != row.completeness:
                    row.completeness = percent
                    stale.append(row)
            model.objects.bulk_update(stale, ["completeness"])
            changed += len(stale)
