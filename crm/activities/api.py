"""REST API for the timeline and its files: the same services and selectors as the card."""

from __future__ import annotations

import dataclasses
import datetime
import typing
from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import create_model

from crm.activities import selectors, services
from crm.activities.models import Attachment, Entry, EntryKind
from crm.core.audit import ChangeSource
from crm.core.ids import Id
from crm.core.models import ChangeChannel

router = Router(tags=["timeline"])


def _source(request: HttpRequest) -> ChangeSource:
    return ChangeSource.from_request(request, ChangeChannel.API)


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    url: str = Field(description="Download (same token)")
    uploaded_at: datetime.datetime


class EntryOut(Schema):
    id: int
    kind: str = Field(description="call, email, meeting, message, note, document or event (system)")
    occurred_at: datetime.datetime
    direction: str = Field(description="'in', 'out' or ''")
    author_id: int | None
    contact_id: int | None
    company_id: int | None
    category_id: int | None = Field(description="An option of the «activity_category» list")
    summary: str
    result: str
    next_step: str
    refusal_reason_id: int | None = Field(description="An option of the «refusal_reason» list")
    refusal_comment: str
    duration_seconds: int | None
    recording_url: str
    location: str
    channel: str
    subject: str
    email_from: str
    email_to: str
    body_html: str = Field(description="Sanitised HTML")
    automatic: bool
    attachments: list[AttachmentOut]
    created_at: datetime.datetime


class EntryPage(Schema):
    items: list[EntryOut]
    next_cursor: str | None
    total: int
    total_is_estimate: bool


def _entry_fields() -> dict[str, Any]:
    """The API's entry fields are the service's input (``EntryInput``), files aside (uploaded apart)."""
    described = {
        "occurred_at": "Default: now",
        "next_step_due": "The next step's due moment (default: the date written in next_step)",
        "next_step_assignee_id": "Who does the next step (default: the author)",
    }
    hints = typing.get_type_hints(services.EntryInput)
    fields: dict[str, Any] = {}
    for item in dataclasses.fields(services.EntryInput):
        if item.name == "files":
            continue
        default = item.default if item.default is not dataclasses.MISSING else item.default_factory()
        annotation = hints[item.name]
        if item.name.endswith("_id") and annotation == int | None:
            annotation = Id | None  # a record's id: refused past what a primary key can be
        fields[item.name] = (annotation, Field(default, description=described.get(item.name)))
    return fields


EntryIn = create_model("EntryIn", __base__=Schema, **_entry_fields())


class EntryPatch(Schema):
    occurred_at: datetime.datetime | None = None
    direction: str | None = None
    category_id: Id | None = None
    summary: str | None = None
    result: str | None = None
    next_step: str | None = None
    refusal_reason_id: Id | None = None
    refusal_comment: str | None = None
    duration_seconds: int | None = None
    recording_url: str | None = None
    location: str | None = None
    channel: str | None = None
    subject: str | None = None
    email_from: str | None = None
    email_to: str | None = None
    body_html: str | None = None


class EntryListParams(Schema):
    contact_id: Id | None = Field(None, description="The person's timeline (one of contact_id / company_id)")
    company_id: Id | None = Field(None, description="The company's timeline, with its people's entries")
    kind: list[str] = Field([], description="Only these kinds")
    category_id: Id | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class OptionOut(Schema):
    id: int
    label: str


class KindOut(Schema):
    id: str
    label: str


class TimelineChoices(Schema):
    kinds: list[KindOut]
    categories: list[OptionOut]
    refusal_reasons: list[OptionOut]


def attachment_out(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "size": attachment.size,
        "content_type": attachment.content_type,
        "url": f"/api/v1/files/{attachment.pk}",
        "uploaded_at": attachment.uploaded_at,
    }


def entry_out(entry: Entry) -> dict[str, Any]:
    values = {name: getattr(entry, name) for name in EntryOut.model_fields if name != "attachments"}
    values["attachments"] = [attachment_out(a) for a in getattr(entry, "files", [])]
    return values


@router.get("/timeline", response=EntryPage, summary="A card's timeline, newest first")
def list_entries(request: HttpRequest, params: Query[EntryListParams]) -> dict[str, Any]:
    filters = selectors.TimelineFilter(
        kinds=tuple(k for k in params.kind if k in EntryKind.values), category_id=params.category_id
    )
    page = selectors.entries_for_api(
        user=request.auth,
        contact_id=params.contact_id,
        company_id=params.company_id,
        filters=filters,
        cursor=params.cursor,
        limit=params.limit,
    )
    return {
        "items": [entry_out(e) for e in page.items],
        "next_cursor": page.next_cursor,
        "total": page.total,
        "total_is_estimate": page.total_is_estimate,
    }


@router.get("/timeline/choices", response=TimelineChoices, summary="Kinds, categories and refusal reasons")
def timeline_choices(request: HttpRequest) -> dict[str, Any]:
    found = selectors.choices()
    return {
        "kinds": [{"id": k, "label": str(label)} for k, label in found.kinds],
        "categories": [{"id": o.pk, "label": o.label} for o in found.categories],
        "refusal_reasons": [{"id": o.pk, "label": o.label} for o in found.refusal_reasons],
    }


@router.post("/timeline", response={201: EntryOut}, summary="Log a call, e-mail, meeting, message or note")
def create_entry(request: HttpRequest, payload: EntryIn) -> Status[dict[str, Any]]:
    data = services.EntryInput(**payload.model_dump())
    entry = services.entry_create(actor=request.auth, data=data, source=_source(request))
    return Status(201, entry_out(selectors.entry_get(user=request.auth, pk=entry.pk)))


@router.get("/timeline/{entry_id}", response=EntryOut, summary="One timeline entry")
def get_entry(request: HttpRequest, entry_id: int) -> dict[str, Any]:
    return entry_out(selectors.entry_get(user=request.auth, pk=entry_id))


@router.patch("/timeline/{entry_id}", response=EntryOut, summary="Correct an entry (its author)")
def patch_entry(request: HttpRequest, entry_id: int, payload: EntryPatch) -> dict[str, Any]:
    services.entry_update(
        actor=request.auth,
        entry_id=entry_id,
        data=payload.model_dump(exclude_unset=True),
        source=_source(request),
    )
    return entry_out(selectors.entry_get(user=request.auth, pk=entry_id))


@router.delete("/timeline/{entry_id}", response={204: None}, summary="Move an entry to the trash")
def delete_entry(request: HttpRequest, entry_id: int) -> Status[None]:
    services.entry_delete(actor=request.auth, entry_id=entry_id, source=_source(request))
    return Status(204, None)


@router.post("/timeline/{entry_id}/restore", response=EntryOut, summary="Restore an entry from the trash")
def restore_entry(request: HttpRequest, entry_id: int) -> dict[str, Any]:
    services.entry_restore(actor=request.auth, entry_id=entry_id, source=_source(request))
    return entry_out(selectors.entry_get(user=request.auth, pk=entry_id))


@router.post(
    "/files", response={201: AttachmentOut}, summary="Attach a file to a card or an entry (multipart form)"
)
def upload_file(
    request: HttpRequest,
    file: File[UploadedFile],
    contact_id: Form[Id | None] = None,
    company_id: Form[Id | None] = None,
    entry_id: Form[Id | None] = None,
) -> Status[dict[str, Any]]:
    attachment = services.attachment_add(
        actor=request.auth,
        upload=file,
        contact_id=contact_id,
        company_id=company_id,
        entry_id=entry_id,
        source=_source(request),
    )
    return Status(201, attachment_out(attachment))


@router.get("/files/{file_id}", summary="Download a file", response={200: None})
def download_file(request: HttpRequest, file_id: int) -> FileResponse:
    attachment = selectors.attachment_for_download(user=request.auth, pk=file_id)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.delete("/files/{file_id}", response={204: None}, summary="Move a file to the trash")
def delete_file(request: HttpRequest, file_id: int) -> Status[None]:
    services.attachment_delete(actor=request.auth, attachment_id=file_id, source=_source(request))
    return Status(204, None)
