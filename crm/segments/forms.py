"""Parse the builder's POST into a segment's input (no saving)."""

from __future__ import annotations

import json
from typing import Any

from django.http import QueryDict

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
