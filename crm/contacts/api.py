"""REST API for contacts and companies: the same services and selectors as the UI."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import create_model

from crm.contacts import selectors, services
from crm.contacts.declarations import declared, output_attrs
from crm.contacts.inputs import CompanyInput, ContactInput, company_input_from, contact_input_from
from crm.contacts.models import Company, Contact
from crm.core.audit import ChangeSource
from crm.core.errors import FieldError, ValidationFailed
from crm.core.ids import Id
from crm.core.models import ChangeChannel
from crm.fields.forms import filters_from_query
from crm.fields.schema import Schema as FieldSchema
from crm.fields.schema import schema_for
from crm.fields.types import type_of

router = Router(tags=["contacts"])
company_router = Router(tags=["companies"])


def _source(request: HttpRequest) -> ChangeSource:
    return ChangeSource.from_request(request, ChangeChannel.API)


def _declared_fields(kind: str, *, output: bool) -> dict[str, Any]:
    """The API fields of a kind's declared standard fields (all with defaults: a hidden one is absent)."""
    fields: dict[str, Any] = {}
    for decl in declared(kind):
        if output and not decl.in_api_out:
            continue
        annotation = (decl.kind.out_type or decl.kind.api_type) if output else decl.kind.api_type
        fields[decl.attr] = (annotation, Field(decl.api_default, description=decl.description or None))
    return fields


class _CardIn(Schema):
    record_type_id: Id | None = Field(None, description="Without it: the card's type (new card: the first)")
    custom: dict[str, Any] = Field(
        {}, description="Custom fields by key; a key not sent keeps its value, null clears it"
    )


class _CardOut(Schema):
    id: int
    record_type_id: int | None
    completeness: int | None = Field(
        description="Percent filled; null when it counts a field hidden from you"
    )
    custom: dict[str, Any] = Field(description="Custom fields by key")
    last_contact_at: datetime.datetime | None = Field(
        None, description="The last call, e-mail, meeting or message on the timeline"
    )
    created_at: datetime.datetime
    updated_at: datetime.datetime


class _ContactOutBase(_CardOut):
    full_name: str


ContactIn = create_model("ContactIn", __base__=_CardIn, **_declared_fields("contact", output=False))
ContactOut = create_model(
    "ContactOut",
    __base__=_ContactOutBase,
    __doc__="A contact card. Fields hidden from the token's role are absent (not null).",
    **_declared_fields("contact", output=True),
)
CompanyIn = create_model("CompanyIn", __base__=_CardIn, **_declared_fields("company", output=False))
CompanyOut = create_model(
    "CompanyOut",
    __base__=_CardOut,
    __doc__="A company card. Fields hidden from the token's role are absent (not null).",
    **_declared_fields("company", output=True),
)


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None
    total: int
    total_is_estimate: bool


def custom_out(schema: FieldSchema, user: Any, values: dict[str, Any]) -> dict[str, Any]:
    result = {}
    for spec in schema.visible_custom(user):
        if spec.key in values:
            result[spec.key] = type_of(spec).api_out(values[spec.key], spec, schema)
    return result


def _without_hidden(
    data: dict[str, Any], schema: FieldSchema, user: Any, keys: dict[str, tuple[str, ...]]
) -> dict[str, Any]:
    hidden = schema.hidden_keys(user)
    for key in hidden:
        for name in keys.get(key, ()):
            data.pop(name, None)
    return data


def _card_out(kind: str, card: Any, user: Any) -> dict[str, Any]:
    schema = schema_for(kind)
    values = {d.attr: d.api_out(card) for d in declared(kind) if d.in_api_out}
    values |= {
        "id": card.pk,
        "record_type_id": card.record_type_id,
        # None when the stored percent counts a field hidden from this user (Schema.completeness_hides_from)
        "completeness": None if schema.completeness_hides_from(user) else card.completeness,
        "custom": custom_out(schema, user, card.custom or {}),
        "last_contact_at": card.last_contact_at,
        "created_at": card.created_at,
        "updated_at": card.updated_at,
    }
    return _without_hidden(values, schema, user, output_attrs(kind))


def contact_out(contact: Contact, user: Any = None) -> dict[str, Any]:
    return _card_out("contact", contact, user) | {"full_name": contact.full_name}


def _contact_input(payload: dict[str, Any], base: ContactInput | None = None) -> ContactInput:
    data = base or ContactInput()
    for name, value in payload.items():
        setattr(data, name, value)
    return data


def _full(contact_id: int, request: HttpRequest) -> dict[str, Any]:
    return contact_out(selectors.contact_get(user=request.user, pk=contact_id), request.user)


class ContactListParams(Schema):
    q: str = ""
    owner: Id | None = None
    base_type: str = ""
    status: Id | None = None
    tag: Id | None = None
    city: str = ""
    source: str = ""
    company: Id | None = None
    type: Id | None = Field(None, description="A record type's id")
    complete_below: int | None = Field(
        None, ge=1, le=100, description="Cards less complete than this percent"
    )
    silent_days: int | None = Field(None, ge=1, le=3650, description="No contact for this many days")
    sort: str = Field(
        "name",
        description="name, -name, created, -created, -updated, completeness, -completeness, "
        "last_contact, -last_contact, "
        "cf_<key> or -cf_<key> for a filterable custom field",
    )
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


CUSTOM_FILTERS = (
    "Custom fields marked filterable filter as cf_<key>=<option or user id> (choices, users, yes/no as 1/0), "
    "cf_<key>__from / cf_<key>__to (numbers, money, dates) or cf_<key>=<text> (text contains)."
)


def _completeness_allowed(kind: str, user: Any, below: int | None, sort: str) -> None:
    """Refuse (rather than ignore) a filter or sort by completeness for whom it counts a hidden field."""
    if (below is not None or sort.lstrip("-") == "completeness") and schema_for(kind).completeness_hides_from(
        user
    ):
        field = "complete_below" if below is not None else "sort"
        message = _("Completeness counts fields hidden from your role: filter by the fields themselves.")
        raise ValidationFailed([FieldError(field, "not_available", message)])


@router.get(
    "/contacts",
    response=ContactPage,
    summary="List contacts (cursor pagination)",
    description=CUSTOM_FILTERS,
    exclude_unset=True,
)
def list_contacts(request: HttpRequest, params: Query[ContactListParams]) -> dict[str, Any]:
    _completeness_allowed("contact", request.user, params.complete_below, params.sort)
    filters = selectors.ContactFilters(
        q=params.q,
        owner_id=params.owner,
        base_type=params.base_type,
        status_id=params.status,
        tag_id=params.tag,
        city=params.city,
        source=params.source,
        company_id=params.company,
        record_type_id=params.type,
        completeness_below=params.complete_below,
        silent_days=params.silent_days,
        custom=filters_from_query(request.GET, schema_for("contact"), request.user),
    )
    page = selectors.contact_list(
        user=request.user, filters=filters, sort=params.sort, cursor=params.cursor, limit=params.limit
    )
    prefetch_related_objects(page.items, "phones", "emails", "messengers", "employments")
    return {
        "items": [contact_out(c, request.user) for c in page.items],
        "next_cursor": page.next_cursor,
        "total": page.total,
        "total_is_estimate": page.total_is_estimate,
    }


@router.post(
    "/contacts",
    response={201: ContactOut},
    summary="Create a contact (409 if its phone or e-mail is taken)",
    exclude_unset=True,
)
def create_contact(request: HttpRequest, payload: ContactIn) -> Status[dict[str, Any]]:
    contact = services.contact_create(
        actor=request.user, data=_contact_input(payload.dict()), source=_source(request)
    )
    return Status(201, _full(contact.pk, request))


@router.get("/contacts/{contact_id}", response=ContactOut, summary="One contact card", exclude_unset=True)
def get_contact(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    return _full(contact_id, request)


@router.put(
    "/contacts/{contact_id}", response=ContactOut, summary="Replace a contact's values", exclude_unset=True
)
def replace_contact(request: HttpRequest, contact_id: int, payload: ContactIn) -> dict[str, Any]:
    services.contact_update(
        actor=request.user,
        contact_id=contact_id,
        data=_contact_input(payload.dict()),
        source=_source(request),
    )
    return _full(contact_id, request)


@router.patch(
    "/contacts/{contact_id}",
    response=ContactOut,
    summary="Change some of a contact's values",
    exclude_unset=True,
)
def patch_contact(request: HttpRequest, contact_id: int, payload: ContactIn) -> dict[str, Any]:
    current = selectors.contact_get(user=request.user, pk=contact_id)
    data = _contact_input(
        payload.dict(exclude_unset=True), contact_input_from(current)
    )  # custom: sent keys only
    services.contact_update(actor=request.user, contact_id=contact_id, data=data, source=_source(request))
    return _full(contact_id, request)


@router.delete("/contacts/{contact_id}", response={204: None}, summary="Move a contact to the trash")
def delete_contact(request: HttpRequest, contact_id: int) -> Status[None]:
    services.contact_delete(actor=request.user, contact_id=contact_id, source=_source(request))
    return Status(204, None)


@router.post(
    "/contacts/{contact_id}/restore",
    response=ContactOut,
    summary="Restore a contact from the trash",
    exclude_unset=True,
)
def restore_contact(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    services.contact_restore(actor=request.user, contact_id=contact_id, source=_source(request))
    return _full(contact_id, request)


class CompanyPage(Schema):
    items: list[CompanyOut]
    next_cursor: str | None
    total: int
    total_is_estimate: bool


def company_out(company: Company, user: Any = None) -> dict[str, Any]:
    return _card_out("company", company, user)


class CompanyListParams(Schema):
    q: str = ""
    owner: Id | None = None
    tag: Id | None = None
    city: str = ""
    industry: str = ""
    type: Id | None = None
    complete_below: int | None = Field(None, ge=1, le=100)
    silent_days: int | None = Field(None, ge=1, le=3650, description="No contact for this many days")
    sort: str = "name"
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


@company_router.get(
    "/companies",
    response=CompanyPage,
    summary="List companies (cursor pagination)",
    description=CUSTOM_FILTERS,
    exclude_unset=True,
)
def list_companies(request: HttpRequest, params: Query[CompanyListParams]) -> dict[str, Any]:
    _completeness_allowed("company", request.user, params.complete_below, params.sort)
    filters = selectors.CompanyFilters(
        q=params.q,
        owner_id=params.owner,
        tag_id=params.tag,
        city=params.city,
        industry=params.industry,
        record_type_id=params.type,
        completeness_below=params.complete_below,
        silent_days=params.silent_days,
        custom=filters_from_query(request.GET, schema_for("company"), request.user),
    )
    page = selectors.company_list(
        user=request.user, filters=filters, sort=params.sort, cursor=params.cursor, limit=params.limit
    )
    prefetch_related_objects(page.items, "phones", "emails")
    return {
        "items": [company_out(c, request.user) for c in page.items],
        "next_cursor": page.next_cursor,
        "total": page.total,
        "total_is_estimate": page.total_is_estimate,
    }


@company_router.post(
    "/companies",
    response={201: CompanyOut},
    summary="Create a company (409 if its INN is taken)",
    exclude_unset=True,
)
def create_company(request: HttpRequest, payload: CompanyIn) -> Status[dict[str, Any]]:
    company = services.company_create(
        actor=request.user, data=CompanyInput(**payload.dict()), source=_source(request)
    )
    return Status(201, company_out(selectors.company_get(user=request.user, pk=company.pk), request.user))


@company_router.get(
    "/companies/{company_id}", response=CompanyOut, summary="One company card", exclude_unset=True
)
def get_company(request: HttpRequest, company_id: int) -> dict[str, Any]:
    return company_out(selectors.company_get(user=request.user, pk=company_id), request.user)


@company_router.put(
    "/companies/{company_id}", response=CompanyOut, summary="Replace a company's values", exclude_unset=True
)
def replace_company(request: HttpRequest, company_id: int, payload: CompanyIn) -> dict[str, Any]:
    services.company_update(
        actor=request.user,
        company_id=company_id,
        data=CompanyInput(**payload.dict()),
        source=_source(request),
    )
    return company_out(selectors.company_get(user=request.user, pk=company_id), request.user)


@company_router.patch(
    "/companies/{company_id}",
    response=CompanyOut,
    summary="Change some of a company's values",
    exclude_unset=True,
)
def patch_company(request: HttpRequest, company_id: int, payload: CompanyIn) -> dict[str, Any]:
    data = company_input_from(selectors.company_get(user=request.user, pk=company_id))
    for name, value in payload.dict(exclude_unset=True).items():
        setattr(data, name, value)
    services.company_update(actor=request.user, company_id=company_id, data=data, source=_source(request))
    return company_out(selectors.company_get(user=request.user, pk=company_id), request.user)


@company_router.delete("/companies/{company_id}", response={204: None}, summary="Move a company to the trash")
def delete_company(request: HttpRequest, company_id: int) -> Status[None]:
    services.company_delete(actor=request.user, company_id=company_id, source=_source(request))
    return Status(204, None)


@company_router.post(
    "/companies/{company_id}/restore", response=CompanyOut, summary="Restore a company", exclude_unset=True
)
def restore_company(request: HttpRequest, company_id: int) -> dict[str, Any]:
    services.company_restore(actor=request.user, company_id=company_id, source=_source(request))
    return company_out(selectors.company_get(user=request.user, pk=company_id), request.user)


class SearchHitOut(Schema):
    kind: str
    id: int = Field(validation_alias="pk")
    title: str
    subtitle: str
    url: str


@router.get("/search", response=list[SearchHitOut], tags=["search"], summary="Global search, as Ctrl+K")
def search(request: HttpRequest, q: str) -> list[Any]:
    return selectors.global_search(user=request.user, query=q)
