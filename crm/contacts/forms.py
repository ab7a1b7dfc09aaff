"""Parsing of posted forms and list filters into the inputs services and selectors take (no saving here)."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import QueryDict

from crm.contacts.inputs import (
    CompanyInput,
    ContactInput,
    EmailInput,
    MessengerInput,
    PhoneInput,
    company_input_from,
    contact_input_from,
)
from crm.contacts.selectors import CompanyFilters, ContactFilters
from crm.fields.forms import custom_from_post, filters_from_query
from crm.fields.schema import schema_for


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _date(value: Any) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _bool(value: Any) -> bool | None:
    return {"1": True, "true": True, "0": False, "false": False}.get(str(value).lower()) if value else None


def _rows(post: QueryDict, prefix: str, fields: list[str]) -> list[dict[str, str]]:
    """Repeated rows: aligned lists ``<prefix>_<field>`` and the chosen primary row's token."""
    tokens = post.getlist(f"{prefix}_row")
    columns = {f: post.getlist(f"{prefix}_{f}") for f in fields}
    primary = post.get(f"{prefix}_primary", "")
    rows = []
    for i, token in enumerate(tokens):
        row = {f: (columns[f][i] if i < len(columns[f]) else "") for f in fields}
        row["is_primary"] = "1" if token == primary else ""
        rows.append(row)
    return rows


def contact_input(post: QueryDict) -> ContactInput:
    return ContactInput(
        last_name=post.get("last_name", ""),
        first_name=post.get("first_name", ""),
        middle_name=post.get("middle_name", ""),
        phones=[
            PhoneInput(
                value=r["value"],
                kind=r["kind"] or "mobile",
                is_primary=bool(r["is_primary"]),
                verification=r["verification"],
            )
            for r in _rows(post, "phone", ["value", "kind", "verification"])
        ],
        emails=[
            EmailInput(
                value=r["value"],
                kind=r["kind"] or "work",
                is_primary=bool(r["is_primary"]),
                verification=r["verification"],
            )
            for r in _rows(post, "email", ["value", "kind", "verification"])
        ],
        messengers=[
            MessengerInput(kind=r["kind"], handle=r["handle"])
            for r in _rows(post, "messenger", ["kind", "handle"])
        ],
        city=post.get("city", ""),
        address=post.get("address", ""),
        birthday=post.get("birthday", ""),
        source=post.get("source", ""),
        owner_id=_int(post.get("owner_id")),
        base_type=post.get("base_type", "lead"),
        status_id=_int(post.get("status_id")),
        is_key=post.get("is_key") == "1",
        tags=[t for t in post.get("tags", "").split(",") if t.strip()],
        notes=post.get("notes", ""),
        company_id=_int(post.get("company_id")),
        company_name=post.get("company_q", "") if not _int(post.get("company_id")) else "",
        position=post.get("position", ""),
        record_type_id=_int(post.get("record_type_id")),
        custom=custom_from_post(post),
    )


def company_input(post: QueryDict) -> CompanyInput:
    return CompanyInput(
        **{
            name: post.get(name, "")
            for name in (
                "name",
                "legal_form",
                "inn",
                "kpp",
                "ogrn",
                "industry",
                "website",
                "size",
                "phone",
                "email",
                "city",
                "address",
                "source",
                "notes",
            )
        },
        owner_id=_int(post.get("owner_id")),
        is_key=post.get("is_key") == "1",
        tags=[t for t in post.get("tags", "").split(",") if t.strip()],
        record_type_id=_int(post.get("record_type_id")),
        custom=custom_from_post(post),
    )


def _below(value: Any) -> int | None:
    number = _int(value)
    return number if number is not None and 0 < number <= 100 else None


def contact_filters(params: QueryDict, user: Any = None) -> ContactFilters:
    return ContactFilters(
        q=params.get("q", "").strip()[:100],
        owner_id=_int(params.get("owner")),
        base_type=params.get("base_type", ""),
        status_id=_int(params.get("status")),
        tag_id=_int(params.get("tag")),
        city=params.get("city", "").strip(),
        source=params.get("source", "").strip(),
        company_id=_int(params.get("company")),
        is_key=_bool(params.get("key")),
        created_from=_date(params.get("created_from")),
        created_to=_date(params.get("created_to")),
        record_type_id=_int(params.get("type")),
        completeness_below=_below(params.get("complete_below")),
        silent_days=_days(params.get("silent")),
        custom=filters_from_query(params, schema_for("contact"), user) if user is not None else [],
    )


def _days(value: Any) -> int | None:
    days = _int(value)
    return days if days and 0 < days <= 3650 else None


def company_filters(params: QueryDict, user: Any = None) -> CompanyFilters:
    return CompanyFilters(
        q=params.get("q", "").strip()[:100],
        owner_id=_int(params.get("owner")),
        tag_id=_int(params.get("tag")),
        city=params.get("city", "").strip(),
        industry=params.get("industry", "").strip(),
        source=params.get("source", "").strip(),
        is_key=_bool(params.get("key")),
        created_from=_date(params.get("created_from")),
        created_to=_date(params.get("created_to")),
        record_type_id=_int(params.get("type")),
        completeness_below=_below(params.get("complete_below")),
        silent_days=_days(params.get("silent")),
        custom=filters_from_query(params, schema_for("company"), user) if user is not None else [],
    )


__all__ = ["CompanyInput", "ContactInput", "company_input_from", "contact_input_from"]
