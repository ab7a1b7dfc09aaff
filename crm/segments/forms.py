"""Parse the builder's POST into a segment's input (no saving)."""

from __future__ import annotations

import json
from typing import Any

from django.http import QueryDict

from crm.accounts import access
from crm.contacts.forms import company_filters, contact_filters
from crm.core.ids import form_id
from crm.segments.services import SegmentInput


def definition_from(raw: str) -> Any:
    """The builder posts its conditions as JSON; what is not JSON is kept as is, for the check to refuse
    (a definition that is not a group of conditions)."""
    try:
        return json.loads(raw or "{}")
    except ValueError:
        return raw


def segment_input(post: QueryDict, kind: str) -> SegmentInput:
    return SegmentInput(
        name=post.get("name", ""),
        kind=kind,
        definition=definition_from(post.get("definition", "")),
        shared=post.get("shared") in ("1", "on", "true"),
        sort=post.get("sort", ""),
        owner_id=form_id(post.get("owner")),
    )


def segment_initial(segment: Any) -> dict[str, Any]:
    if segment is None:
        return {"name": "", "shared": False, "sort": "", "definition": None}
    return {
        "name": segment.name,
        "shared": segment.shared,
        "sort": segment.sort,
        "definition": segment.definition,
        "owner": segment.owner_id,
    }


def definition_from_list(params: QueryDict, user: Any, kind: str) -> dict[str, Any]:
    """A list's filters (its query string) as a segment's conditions: "save this view as a segment". The
    search box has no condition of its own and is left out; the builder shows the rest to be refined."""
    if kind == "deal":
        return _deal_definition(params, user)
    if kind == "task":
        return _task_definition(params, user)
    filters: Any = contact_filters(params, user) if kind == "contact" else company_filters(params, user)
    rules: list[dict[str, Any]] = []

    def add(field: str, op: str, value: Any = None, **extra: Any) -> None:
        rule = {"field": field, "op": op, **extra}
        if value is not None:
            rule["value"] = value
        rules.append(rule)

    if filters.owner_id:
        add("owner", "in", [filters.owner_id])
    if getattr(filters, "base_type", ""):
        add("base_type", "in", [filters.base_type])
    if getattr(filters, "status_id", None):
        add("status", "in", [filters.status_id])
    if filters.tag_id:
        add("tags", "any", [filters.tag_id])
    if filters.city:
        add("city", "is", filters.city)
    if getattr(filters, "industry", ""):
        add("industry", "is", filters.industry)
    if filters.source:
        add("source", "in", [filters.source])
    if filters.is_key is not None:
        add("is_key", "is", filters.is_key)
    if filters.record_type_id:
        add("record_type", "in", [filters.record_type_id])
    created = [d.isoformat() if d else None for d in (filters.created_from, filters.created_to)]
    if all(created):
        add("created_at", "between", created)
    elif created[0]:
        add("created_at", "after", created[0])
    elif created[1]:
        add("created_at", "before", created[1])
    if filters.completeness_below is not None:
        add("completeness", "lt", filters.completeness_below)
    if filters.silent_days:
        add("last_contact", "older_days", filters.silent_days)
    for item in filters.custom:
        key, value = f"cf_{item.spec.key}", item.value
        if item.op == "range":
            low, high = (_stored_bound(item.spec, v) for v in value)
            if low is not None and high is not None:
                add(key, "between", [low, high])
            elif low is not None:
                add(key, "gte" if not isinstance(low, str) else "after", low)
            elif high is not None:
                add(key, "lte" if not isinstance(high, str) else "before", high)
        elif item.op == "any":
            add(key, "any" if item.spec.field_type == "multi_choice" else "in", list(value))
        elif item.op == "eq":
            add(key, "is" if isinstance(value, bool) else "in", value if isinstance(value, bool) else [value])
        else:
            add(key, "contains", value)
    return {"match": "all", "rules": rules}


def _deal_definition(params: QueryDict, user: Any) -> dict[str, Any]:
    """The deals list's filters as a segment of deals: pipeline, outcome, owner, source, tag, amount and
    words of the title (a filter on a field hidden from the user is dropped, as the list drops it)."""
    from crm.contacts.models import Tag
    from crm.deals.selectors import Filters

    filters = Filters.from_query(params, user)
    rules: list[dict[str, Any]] = []
    if (pipeline := form_id(params.get("pipeline"))) is not None:
        rules.append({"field": "pipeline", "op": "in", "value": [pipeline]})
    if filters.status:
        rules.append({"field": "status", "op": "in", "value": [filters.status]})
    if filters.owner_id is not None:
        rules.append({"field": "owner", "op": "in", "value": [filters.owner_id]})
    if filters.source_id is not None:
        rules.append({"field": "deal_source", "op": "in", "value": [filters.source_id]})
    if filters.tag and (tag := Tag.objects.filter(key=filters.tag.casefold()).first()) is not None:
        rules.append({"field": "tags", "op": "any", "value": [tag.pk]})
    if filters.amount_from is not None:
        rules.append({"field": "amount", "op": "gte", "value": str(filters.amount_from)})
    if filters.amount_to is not None:
        rules.append({"field": "amount", "op": "lte", "value": str(filters.amount_to)})
    if filters.q:
        rules.append({"field": "title", "op": "contains", "value": filters.q})
    return {"match": "all", "rules": rules}


def _task_definition(params: QueryDict, user: Any) -> dict[str, Any]:
    """The tasks list's filters as a segment of tasks. A list shows the user's own tasks (a head's view,
    the department's): that becomes the assignee or department condition, since a segment reads every
    task the user sees. "Today" and "the next 7 days" become the live "today or in the next N days"."""
    from crm.tasks.selectors import STATUS_ANY, TaskFilters

    filters = TaskFilters.from_query(params)
    rules: list[dict[str, Any]] = []
    if filters.assignee_id:
        rules.append({"field": "assignee", "op": "in", "value": [filters.assignee_id]})
    elif params.get("who") == "department":  # a head's department (everyone's for an "all" scope)
        scope = access.scope_fields(user, owner="assignee_id") or {}
        if "department_id" in scope:
            rules.append({"field": "department", "op": "in", "value": [scope["department_id"]]})
        elif "assignee_id" in scope:
            rules.append({"field": "assignee", "op": "in", "value": [scope["assignee_id"]]})
    else:
        rules.append({"field": "assignee", "op": "in", "value": [user.pk]})
    if filters.status != STATUS_ANY:
        rules.append({"field": "status", "op": "in", "value": [filters.status]})
    if filters.when == "overdue":
        rules.append({"field": "overdue", "op": "is", "value": True})
    elif filters.when in ("today", "upcoming"):
        days = 1 if filters.when == "today" else 7
        rules.append({"field": "due", "op": "next_days", "value": days})
    if filters.priority:
        rules.append({"field": "priority", "op": "in", "value": [filters.priority]})
    if filters.category_id:
        rules.append({"field": "category", "op": "in", "value": [filters.category_id]})
    if filters.q:
        rules.append({"field": "title", "op": "contains", "value": filters.q})
    return {"match": "all", "rules": rules}


def _stored_bound(spec: Any, value: Any) -> Any:
    """A list filter's bound as a segment states it: money in roubles (kept in kopecks), dates as dates."""
    if value is None:
        return None
    if spec.field_type == "money":
        return value / 100
    if isinstance(value, str):
        return value[:10]
    return value
