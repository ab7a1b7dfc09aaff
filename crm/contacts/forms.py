"""Parsing of posted forms and list filters into the inputs services and selectors take (no saving here)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.http import QueryDict

from crm.contacts.declarations import declared
from crm.contacts.inputs import (
    INPUT_CLASSES,
    CompanyInput,
    ContactInput,
    company_input_from,
    contact_input_from,
)
from crm.contacts.selectors import CompanyFilters, ContactFilters
from crm.core.ids import form_id
from crm.fields.forms import custom_from_post, filters_from_query
from crm.fields.schema import schema_for


def _date(value: Any) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _bool(value: Any) -> bool | None:
    return {"1": True, "true": True, "0": False, "false": False}.get(str(value).lower()) if value else None


def card_input(kind: str, post: QueryDict) -> Any:
    """A posted card form as the services' input: each declared field parses its own inputs."""
    values = {d.attr: d.kind.from_post(post, d) for d in declared(kind)}
    return INPUT_CLASSES[kind](
        **values, record_type_id=form_id(post.get("record_type_id")), custom=custom_from_post(post)
    )


def contact_input(post: QueryDict) -> ContactInput:
    return card_input("contact", post)  # type: ignore[no-any-return]


def company_input(post: QueryDict) -> CompanyInput:
    return card_input("company", post)  # type: ignore[no-any-return]


def _below(value: Any) -> int | None:
    number = form_id(value)
    return number if number is not None and 0 < number <= 100 else None


def contact_filters(params: QueryDict, user: Any = None) -> ContactFilters:
    return ContactFilters(
        q=params.get("q", "").strip()[:100],
        owner_id=form_id(params.get("owner")),
        base_type=params.get("base_type", ""),
        status_id=form_id(params.get("status")),
        tag_id=form_id(params.get("tag")),
        city=params.get("city", "").strip(),
        source=params.get("source", "").strip(),
        company_id=form_id(params.get("company")),
        is_key=_bool(params.get("key")),
        created_from=_date(params.get("created_from")),
        created_to=_date(params.get("created_to")),
        record_type_id=form_id(params.get("type")),
        completeness_below=_below(params.get("complete_below")),
        silent_days=_days(params.get("silent")),
        batch=_uuid(params.get("batch")),
        custom=filters_from_query(params, schema_for("contact"), user) if user is not None else [],
    )


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _days(value: Any) -> int | None:
    days = form_id(value)
    return days if days and 0 < days <= 3650 else None


def company_filters(params: QueryDict, user: Any = None) -> CompanyFilters:
    return CompanyFilters(
        q=params.get("q", "").strip()[:100],
        owner_id=form_id(params.get("owner")),
        tag_id=form_id(params.get("tag")),
        city=params.get("city", "").strip(),
        industry=params.get("industry", "").strip(),
        source=params.get("source", "").strip(),
        is_key=_bool(params.get("key")),
        created_from=_date(params.get("created_from")),
        created_to=_date(params.get("created_to")),
        record_type_id=form_id(params.get("type")),
        completeness_below=_below(params.get("complete_below")),
        silent_days=_days(params.get("silent")),
        batch=_uuid(params.get("batch")),
        custom=filters_from_query(params, schema_for("company"), user) if user is not None else [],
    )


__all__ = ["CompanyInput", "ContactInput", "company_input_from", "contact_input_from"]
