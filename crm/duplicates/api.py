"""REST API for the duplicate finder, merge and unmerge: the same services and selectors as the UI."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from crm.core.audit import ChangeSource
from crm.core.ids import Id
from crm.core.models import ChangeChannel
from crm.duplicates import selectors, services
from crm.duplicates.models import DuplicatePair, Merge

router = Router(tags=["duplicates"])


def _source(request: HttpRequest) -> ChangeSource:
    return ChangeSource.from_request(request, ChangeChannel.API)


class PairOut(Schema):
    id: int
    first_id: int
    second_id: int
    score: float = Field(description="0 to 1: how likely the two cards are one person")
    reasons: list[str]
    status: str = Field(description="open, dismissed (not a duplicate) or merged")


class MergeIn(Schema):
    survivor_id: Id
    merged_id: Id = Field(description="This card goes to the trash; its phones, e-mails and history move")
    choices: dict[str, Literal["survivor", "merged"]] = Field(
        default_factory=dict,
        description='A field\'s name ("city", "custom:<key>") → whose value the survivor keeps; by default '
        "the survivor's, or the merged card's where the survivor's is empty",
    )


class MergeOut(Schema):
    id: int
    survivor_id: int
    merged_id: int
    at: datetime.datetime
    undone_at: datetime.datetime | None


def _pair(pair: DuplicatePair) -> dict[str, Any]:
    return {
        "id": pair.pk,
        "first_id": pair.first_id,
        "second_id": pair.second_id,
        "score": pair.score,
        "reasons": pair.reasons,
        "status": pair.status,
    }


def _merge(merge: Merge) -> dict[str, Any]:
    return {
        "id": merge.pk,
        "survivor_id": merge.survivor_id,
        "merged_id": merge.merged_id,
        "at": merge.at,
        "undone_at": merge.undone_at,
    }


@router.get("/duplicates", response=list[PairOut], summary="Possible duplicates to review, best first")
def list_pairs(request: HttpRequest) -> list[dict[str, Any]]:
    return [_pair(p) for p in selectors.queue(user=request.auth)[:200]]


@router.post(
    "/duplicates/{pair_id}/dismiss", response=PairOut, summary="Not a duplicate: never proposed again"
)
def dismiss_pair(request: HttpRequest, pair_id: Id) -> dict[str, Any]:
    return _pair(services.pair_dismiss(actor=request.auth, pair_id=pair_id, source=_source(request)))


@router.post("/merges", response={201: MergeOut}, summary="Merge two cards of one person")
def merge_cards(request: HttpRequest, payload: MergeIn) -> Status[dict[str, Any]]:
    merge = services.contacts_merge(
        actor=request.auth,
        survivor_id=payload.survivor_id,
        merged_id=payload.merged_id,
        choices=payload.choices,
        source=_source(request),
    )
    return Status(201, _merge(merge))


@router.post("/merges/{merge_id}/undo", response=MergeOut, summary="Undo a merge: two cards again")
def undo_merge(request: HttpRequest, merge_id: Id) -> dict[str, Any]:
    return _merge(services.merge_undo(actor=request.auth, merge_id=merge_id, source=_source(request)))
