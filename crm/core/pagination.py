"""Keyset pagination: as fast on page 20,000 as on page 1, because no page ever uses OFFSET.

A cursor is the sort key of the last row seen (plus its id as the tie-breaker), signed so that a
user cannot forge one into a filter. Counts are exact up to a threshold and estimated past it.
"""

from __future__ import annotations

import base64
import datetime
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core import signing
from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models import F, Q

M = TypeVar("M", bound=models.Model)
_signer = signing.Signer(salt="crm.cursor")


@dataclass(frozen=True)
class SortKey:
    """One sort order: a field (or none) and its direction; the id breaks ties the same way."""

    field: str
    descending: bool = False
    nullable: bool = False  # empty values first going up, last going down (both databases agree then)

    @property
    def ordering(self) -> list[Any]:
        return self.ordered(self.descending)

    def ordered(self, descending: bool) -> list[Any]:
        if self.nullable:
            value = F(self.field).desc(nulls_last=True) if descending else F(self.field).asc(nulls_first=True)
            return [value, "-id" if descending else "id"]
        sign = "-" if descending else ""
        return [f"{sign}{self.field}", f"{sign}id"]


@dataclass
class Page(Generic[M]):
    items: list[M]
    next_cursor: str | None
    prev_cursor: str | None
    total: int
    total_is_estimate: bool


def encode_cursor(values: list[Any], backwards: bool = False) -> str:
    payload = json.dumps([_plain(v) for v in values] + [backwards], ensure_ascii=False)
    return base64.urlsafe_b64encode(_signer.sign(payload).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[list[Any], bool] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        values = json.loads(_signer.unsign(raw))
    except (ValueError, signing.BadSignature, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != 3:
        return None
    return values[:2], bool(values[2])


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.datetime) else value


def _after(key: SortKey, value: Any, pk: int, forward: bool) -> Q:
    """Rows strictly after (value, pk) in the sort order (or before it when going back)."""
    greater = key.descending != forward  # descending forward means "smaller"
    op = "gt" if greater else "lt"
    if key.nullable:
        # Empty values sit before every value going up: after an empty one come the remaining empty ones
        # (by id) and then all values; after a value, only values.
        if value is None:
            rest = Q(**{f"{key.field}__isnull": True, f"id__{op}": pk})
            return rest | Q(**{f"{key.field}__isnull": False}) if greater else rest
        after = Q(**{f"{key.field}__{op}": value}) | Q(**{key.field: value, f"id__{op}": pk})
        return after if greater else after | Q(**{f"{key.field}__isnull": True})
    if isinstance(value, str) and key.field.endswith("_at"):
        value = datetime.datetime.fromisoformat(value)
    # The leading ">=" gives both databases an index range to start from; the rest breaks ties.
    return Q(**{f"{key.field}__{op}e": value}) & (Q(**{f"{key.field}__{op}": value}) | Q(**{f"id__{op}": pk}))


def paginate(
    queryset: models.QuerySet[M],
    key: SortKey,
    cursor: str | None,
    limit: int,
    narrow: bool = False,
    counted: Count | None = None,
    count_total: bool = True,
) -> Page[M]:
    """One page after (or before) the cursor.

    ``narrow``: the page's ids are found first with only the sort key selected, then its rows are read by
    id. For an order the database must sort itself (no index gives it), this keeps the wide row, its JSON
    and its correlated subqueries out of the sort: they are computed for one page, not for every match.

    ``counted``: the caller already counted the rows (``count``'s answer, reused as the page's total).
    ``count_total=False``: no count query (a timeline that only scrolls on); the total is then the rows
    seen, marked as an estimate when more follow.
    """
    decoded = decode_cursor(cursor) if cursor else None
    backwards = bool(decoded and decoded[1])
    qs = queryset
    if decoded:
        (value, pk), _ = decoded
        qs = qs.filter(_after(key, value, pk, forward=not backwards))
    order = key.ordered(key.descending != backwards)
    if narrow:
        ids = list(qs.order_by(*order).values_list("pk", flat=True)[: limit + 1])
        by_id = {row.pk: row for row in queryset.filter(pk__in=ids)}
        rows = [by_id[pk] for pk in ids if pk in by_id]
    else:
        rows = list(qs.order_by(*order)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    has_next = more if not backwards else True
    has_prev = bool(decoded) and (more if backwards else True)
    total = count(queryset, counted) if count_total else Count(len(rows), estimated=has_next)
    return Page(
        items=rows,
        next_cursor=encode_cursor([getattr(rows[-1], key.field), rows[-1].pk]) if rows and has_next else None,
        prev_cursor=encode_cursor([getattr(rows[0], key.field), rows[0].pk], backwards=True)
        if rows and has_prev
        else None,
        total=total.value,
        total_is_estimate=total.estimated,
    )


@dataclass(frozen=True)
class Count:
    """How many rows match: exact up to the threshold, or an estimate past it."""

    value: int
    estimated: bool


def count(queryset: models.QuerySet[Any], counted: Count | None = None) -> Count:
    """Exact below the threshold; past it, the planner's estimate on PostgreSQL or the threshold itself.

    On PostgreSQL the planner is asked first: when its estimate is far past the threshold
    (``CRM_COUNT_TRUST_ESTIMATE_FROM``), counting 10,001 rows exactly would only confirm "many", so the
    estimate is taken as it is (it is shown as approximate anyway). A near or small estimate is checked
    by counting, so a wrong guess never turns a short list into an approximate one.
    """
    if counted is not None:
        return counted
    limit = settings.CRM_EXACT_COUNT_LIMIT
    estimate = _planner_estimate(queryset) if connection.vendor == "postgresql" else None
    if estimate is not None and estimate >= max(settings.CRM_COUNT_TRUST_ESTIMATE_FROM, limit + 1):
        return Count(estimate, estimated=True)
    exact = queryset.order_by().values("pk")[: limit + 1].count()  # no annotations, no joins for display
    if exact <= limit:
        return Count(exact, estimated=False)
    return Count(max(estimate or 0, limit), estimated=True)


def _planner_estimate(queryset: models.QuerySet[Any]) -> int:
    try:
        sql, params = queryset.order_by().query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (an empty IN list, .none())
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def query_without(request: Any, *names: str) -> str:
    """The request's query string without ``names`` (the page cursor, the sort): what a paging or sorting
    link keeps of the filters."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return str(params.urlencode())
