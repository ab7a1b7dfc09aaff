"""REST API for segments: save them, count them, page through their members (the UI's services and
selectors)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from crm.contacts.api import CompanyPage, ContactPage, company_out, contact_out
from crm.core.audit import ChangeSource
from crm.core.errors import NotFound, PermissionDenied
from crm.core.ids import Id
from crm.core.models import ChangeChannel
from crm.deals.api import DealPage, deal_out
from crm.segments import kinds, selectors, services
from crm.segments.models import Segment, SegmentKind
from crm.tasks.api import TaskPage, task_out

router = Router(tags=["segments"])

DEFINITION_HELP = (
    'A group {"match": "all" | "any", "rules": [...]} whose rules are conditions {"field", "op", "value", '
    '"days"} or groups again (at most 4 deep, 50 conditions). GET /segments/fields lists the fields, their '
    "comparisons and their options for the token's user."
)


def _source(request: HttpRequest) -> ChangeSource:
    return ChangeSource.from_request(request, ChangeChannel.API)


class SegmentOut(Schema):
    id: int
    name: str
    kind: str = Field(description="contact, company, deal or task")
    definition: dict[str, Any] = Field(description=DEFINITION_HELP)
    sort: str
    shared: bool
    owner_id: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class SegmentIn(Schema):
    name: str
    kind: str = Field(SegmentKind.CONTACT, description="contact, company, deal or task; fixed once created")
    definition: dict[str, Any] = Field(default_factory=dict, description=DEFINITION_HELP)
    sort: str = ""
    shared: bool = False
    owner_id: Id | None = Field(
        None, description="Default: the token's user (administrators may give it away)"
    )


class SegmentEvaluateIn(Schema):
    kind: str = SegmentKind.CONTACT
    definition: dict[str, Any] = Field(default_factory=dict, description=DEFINITION_HELP)


class SegmentCountOut(Schema):
    count: int


class SegmentOptionOut(Schema):
    value: Any
    label: str


class SegmentOpOut(Schema):
    op: str
    label: str


class SegmentFieldOut(Schema):
    key: str
    label: str
    group: str
    value: str = Field(description="The kind of value: choice, set, text, flag, number, date, has, bought")
    ops: list[SegmentOpOut]
    period: str = Field(description='"required" or "optional": the condition takes "days" back from today')
    options: list[SegmentOptionOut]


class SegmentMemberParams(Schema):
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)
    sort: str = Field("", description="Default: the segment's own sort")


def segment_out(segment: Segment) -> dict[str, Any]:
    return {
        "id": segment.pk,
        "name": segment.name,
        "kind": segment.kind,
        "definition": segment.definition,
        "sort": segment.sort,
        "shared": segment.shared,
        "owner_id": segment.owner_id,
        "created_at": segment.created_at,
        "updated_at": segment.updated_at,
    }


def _input(payload: SegmentIn) -> services.SegmentInput:
    return services.SegmentInput(
        name=payload.name,
        kind=payload.kind,
        definition=payload.definition,
        shared=payload.shared,
        sort=payload.sort,
        owner_id=payload.owner_id,
    )


def _kind(request: HttpRequest, kind: str) -> str:
    if kind not in SegmentKind.values:
        raise NotFound
    if not kinds.may(request.auth, kind, "view"):
        raise PermissionDenied("view these cards")
    return kind


@router.get("/segments", response=list[SegmentOut], summary="The token's user's segments and the shared ones")
def list_segments(request: HttpRequest, kind: str = "") -> list[Any]:
    return [segment_out(s) for s in selectors.segment_list(user=request.auth, kind=kind or None)]


@router.get("/segments/fields", response=list[SegmentFieldOut], summary="What a segment's conditions may ask")
def segment_fields(request: HttpRequest, kind: str = SegmentKind.CONTACT) -> list[Any]:
    return selectors.catalogue(user=request.auth, kind=_kind(request, kind))


@router.post(
    "/segments/evaluate", response=SegmentCountOut, summary="Count the cards that meet unsaved conditions"
)
def evaluate(request: HttpRequest, payload: SegmentEvaluateIn) -> dict[str, Any]:
    kind = _kind(request, payload.kind)
    return {"count": selectors.member_count(user=request.auth, kind=kind, definition=payload.definition)}


@router.post("/segments", response={201: SegmentOut}, summary="Save a segment")
def create_segment(request: HttpRequest, payload: SegmentIn) -> Status[dict[str, Any]]:
    segment = services.segment_save(
        actor=request.auth, segment_id=None, data=_input(payload), source=_source(request)
    )
    return Status(201, segment_out(segment))


@router.get("/segments/{segment_id}", response=SegmentOut, summary="One segment")
def get_segment(request: HttpRequest, segment_id: int) -> dict[str, Any]:
    return segment_out(selectors.segment_get(user=request.auth, pk=segment_id))


@router.put(
    "/segments/{segment_id}", response=SegmentOut, summary="Rewrite a segment (its owner, administrators)"
)
def put_segment(request: HttpRequest, segment_id: int, payload: SegmentIn) -> dict[str, Any]:
    segment = services.segment_save(
        actor=request.auth, segment_id=segment_id, data=_input(payload), source=_source(request)
    )
    return segment_out(segment)


@router.delete("/segments/{segment_id}", response={204: None}, summary="Move a segment to the trash")
def delete_segment(request: HttpRequest, segment_id: int) -> Status[None]:
    services.segment_delete(actor=request.auth, segment_id=segment_id, source=_source(request))
    return Status(204, None)


@router.post(
    "/segments/{segment_id}/restore", response=SegmentOut, summary="Take a segment back from the trash"
)
def restore_segment(request: HttpRequest, segment_id: int) -> dict[str, Any]:
    segment = services.segment_restore(actor=request.auth, segment_id=segment_id, source=_source(request))
    return segment_out(segment)


@router.get("/segments/{segment_id}/count", response=SegmentCountOut, summary="How many cards are in it now")
def count_segment(request: HttpRequest, segment_id: int) -> dict[str, Any]:
    segment = selectors.segment_get(user=request.auth, pk=segment_id)
    _kind(request, segment.kind)
    return {
        "count": selectors.member_count(user=request.auth, kind=segment.kind, definition=segment.definition)
    }


def _members(
    request: HttpRequest, segment_id: int, kind: str, params: SegmentMemberParams
) -> tuple[Any, Any]:
    segment = selectors.segment_get(user=request.auth, pk=segment_id)
    if segment.kind != kind:
        raise NotFound
    _kind(request, kind)
    page = selectors.member_page(
        user=request.auth, segment=segment, sort=params.sort, cursor=params.cursor, limit=params.limit
    )
    return segment, page


def _page(page: Any, items: list[Any]) -> dict[str, Any]:
    return {
        "items": items,
        "next_cursor": page.next_cursor,
        "total": page.total,
        "total_is_estimate": page.total_is_estimate,
    }


@router.get(
    "/segments/{segment_id}/contacts",
    response=ContactPage,
    summary="A page of a people segment's members",
    exclude_unset=True,
)
def segment_contacts(
    request: HttpRequest, segment_id: int, params: Query[SegmentMemberParams]
) -> dict[str, Any]:
    _segment, page = _members(request, segment_id, SegmentKind.CONTACT, params)
    prefetch_related_objects(page.items, "phones", "emails", "messengers", "employments")
    return _page(page, [contact_out(c, request.auth) for c in page.items])


@router.get(
    "/segments/{segment_id}/companies",
    response=CompanyPage,
    summary="A page of a companies segment's members",
    exclude_unset=True,
)
def segment_companies(
    request: HttpRequest, segment_id: int, params: Query[SegmentMemberParams]
) -> dict[str, Any]:
    _segment, page = _members(request, segment_id, SegmentKind.COMPANY, params)
    prefetch_related_objects(page.items, "phones", "emails")
    return _page(page, [company_out(c, request.auth) for c in page.items])


@router.get("/segments/{segment_id}/deals", response=DealPage, summary="A page of a deals segment's members")
def segment_deals(
    request: HttpRequest, segment_id: int, params: Query[SegmentMemberParams]
) -> dict[str, Any]:
    _segment, page = _members(request, segment_id, SegmentKind.DEAL, params)
    return _page(page, [deal_out(d, request.auth) for d in page.items])


@router.get("/segments/{segment_id}/tasks", response=TaskPage, summary="A page of a tasks segment's members")
def segment_tasks(
    request: HttpRequest, segment_id: int, params: Query[SegmentMemberParams]
) -> dict[str, Any]:
    _segment, page = _members(request, segment_id, SegmentKind.TASK, params)
    return _page(page, [task_out(t) for t in page.items])


class BulkOut(Schema):
    id: str
    kind: str
    verb: str = Field(description="tag, untag, assign, status, base_type, task or due")
    params: dict[str, Any]
    segment_id: int | None
    status: str = Field(description="queued, running, done, failed, undoing or undone")
    total: int = Field(description="Cards considered")
    done: int = Field(description="Of them, gone through (the progress)")
    changed: int = Field(description="Of them, changed (the others held the value already, or are not yours)")
    error: str
    created_by_id: int
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    undone_at: datetime.datetime | None


class BulkParams(Schema):
    verb: str = Field(
        description="Cards: tag, untag, assign, status, base_type or task; deals: tag, untag, assign or "
        "stage (stage_id, loss_reason_id); tasks: status (task_status), assign (assignee_id) or due"
    )
    tag: str = Field("", description="tag: the tag's name (made if new)")
    tag_id: Id | None = Field(None, description="untag: the tag's id")
    owner_id: Id | None = Field(None, description="assign: the manager")
    status_id: Id | None = Field(None, description="status: the status")
    base_type: str = Field("", description="base_type: lead, active, sleeping, blacklist, partner or archive")
    title: str = Field("", description="task: what is to be done")
    due: datetime.date | None = Field(
        None, description="task: the day it is due; due (tasks): the new day (a timed task keeps its time)"
    )
    priority: int = Field(2, description="task: 1 low, 2 normal, 3 high, 4 urgent")
    description: str = Field("", description="task: details")
    assignee_id: Id | None = Field(
        None, description="task: who does it (empty: each card's manager); assign (tasks): the colleague"
    )
    task_status: str = Field("", description="status (tasks): open, done or cancelled")
    stage_id: Id | None = Field(None, description="stage (deals): the stage (deals of other pipelines stay)")
    loss_reason_id: Id | None = Field(None, description="stage (deals): the reason, for a lost stage")


class BulkIn(BulkParams):
    kind: str = SegmentKind.CONTACT
    ids: list[Id] = Field(description="The cards (those of them the token's user may edit are changed)")


def bulk_out(action: Any) -> dict[str, Any]:
    return {
        "id": str(action.pk),
        "kind": action.kind,
        "verb": action.verb,
        "params": action.params,
        "segment_id": action.segment_id,
        "status": action.status,
        "total": action.total,
        "done": action.done,
        "changed": action.changed,
        "error": action.error,
        "created_by_id": action.created_by_id,
        "created_at": action.created_at,
        "finished_at": action.finished_at,
        "undone_at": action.undone_at,
    }


def _bulk_params(payload: BulkParams) -> dict[str, Any]:
    return payload.model_dump(
        include={"tag", "tag_id", "owner_id", "status_id", "base_type", "title", "due", "priority"}
        | {"description", "assignee_id", "task_status", "stage_id", "loss_reason_id"}
    )


@router.post(
    "/segments/{segment_id}/bulk",
    response={202: BulkOut},
    summary="Change every member of a segment at once, in the background",
)
def bulk_segment(request: HttpRequest, segment_id: int, payload: BulkParams) -> Status[dict[str, Any]]:
    action = services.bulk_start(
        actor=request.auth,
        verb=payload.verb,
        params=_bulk_params(payload),
        segment_id=segment_id,
        source=_source(request),
    )
    return Status(202, bulk_out(action))


@router.post("/bulk", response={202: BulkOut}, summary="Change chosen cards at once, in the background")
def bulk_cards(request: HttpRequest, payload: BulkIn) -> Status[dict[str, Any]]:
    action = services.bulk_start(
        actor=request.auth,
        verb=payload.verb,
        params=_bulk_params(payload),
        kind=payload.kind,
        ids=[int(pk) for pk in payload.ids],
        source=_source(request),
    )
    return Status(202, bulk_out(action))


@router.get("/bulk", response=list[BulkOut], summary="The token's user's bulk actions, newest first")
def list_bulk(request: HttpRequest) -> list[Any]:
    return [bulk_out(a) for a in selectors.bulk_list(user=request.auth)]


@router.get("/bulk/{action_id}", response=BulkOut, summary="A bulk action's progress and outcome")
def get_bulk(request: HttpRequest, action_id: uuid.UUID) -> dict[str, Any]:
    return bulk_out(selectors.bulk_get(user=request.auth, pk=action_id))


@router.post("/bulk/{action_id}/undo", response={202: BulkOut}, summary="Undo a finished bulk action")
def undo_bulk(request: HttpRequest, action_id: uuid.UUID) -> Status[dict[str, Any]]:
    action = services.bulk_undo(actor=request.auth, action_id=action_id, source=_source(request))
    return Status(202, bulk_out(action))
