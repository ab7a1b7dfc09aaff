"""An administrator's pipelines: their names and their stages, in board order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import User
from crm.core.audit import ChangeSource, audit_record, diff
from crm.core.errors import (
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    holds_nul,
    too_long,
    unstorable,
)
from crm.core.models import AuditAction
from crm.deals.models import Deal, Pipeline, Stage, StageKind
from crm.deals.visibility import KIND
from crm.fields.schema import schema_for


@dataclass
class StageInput:
    id: int | None = None  # an existing stage of the pipeline; None: a new one
    name: str = ""
    kind: str = StageKind.OPEN
    days_limit: int | None = None
    responsible_id: int | None = None
    checklist: list[str] = field(default_factory=list)
    script: str = ""


@dataclass
class PipelineInput:
    name: str = ""
    is_active: bool = True
    stages: list[StageInput] = field(default_factory=list)  # in their order on the board
    record_type_id: int | None = None  # the type of deals it holds (their fields); None: none


def pipeline_save(
    *, actor: User, pipeline_id: int | None, data: PipelineInput, source: ChangeSource
) -> Pipeline:
    """Create a pipeline or rewrite one: its name and its stages, in order. A stage left out is removed,
    which only an empty stage may be (its deals would lose their place)."""
    if not access.can_administer(actor):
        raise PermissionDenied("edit pipelines")
    with transaction.atomic():
        pipeline = None
        if pipeline_id is not None:
            pipeline = Pipeline.objects.select_for_update().filter(pk=pipeline_id).first()
            if pipeline is None:
                raise NotFound
        existing = {s.pk: s for s in Stage.objects.filter(pipeline=pipeline)} if pipeline else {}
        before = _pipeline_values(pipeline, list(existing.values())) if pipeline else {}
        name, stages = _clean_pipeline(data, existing)
        record_type_id = _record_type(data.record_type_id, pipeline.record_type_id if pipeline else None)
        if pipeline is None:
            pipeline = Pipeline(order=Pipeline.objects.count() * 10)
        retyped = pipeline.pk is not None and pipeline.record_type_id != record_type_id
        pipeline.name, pipeline.is_active = name, bool(data.is_active)
        pipeline.record_type_id = record_type_id
        pipeline.save()
        if retyped:  # its deals carry the new type's fields (the values of the others are kept)
            Deal.objects.filter(pipeline=pipeline).update(record_type_id=record_type_id)
        kept = {s.id for s in data.stages if s.id is not None}
        removed = [pk for pk in existing if pk not in kept]
        if removed and Deal.objects.filter(stage_id__in=removed).exists():
            raise ValidationFailed(
                [
                    FieldError(
                        "stages",
                        "in_use",
                        _("A stage that holds deals cannot be removed: move its deals first."),
                    )
                ]
            )
        Stage.objects.filter(pk__in=removed).delete()
        saved = []
        for order, item in enumerate(stages, start=1):
            stage = existing.get(item.pop("id") or 0) or Stage(pipeline=pipeline)
            for key, value in item.items():
                setattr(stage, key, value)
            stage.order = order * 10
            stage.save()
            saved.append(stage)
        kinds = {s.pk: s.kind for s in saved}
        for stage_id, kind in kinds.items():  # a stage's new outcome is its deals' status
            Deal.objects.filter(stage_id=stage_id).exclude(status=kind).update(status=kind)
        changes = diff(before, _pipeline_values(pipeline, saved))
        action = AuditAction.UPDATE if pipeline_id else AuditAction.CREATE
        if changes:
            audit_record(actor=actor, source=source, action=action, obj=pipeline, changes=changes)
    return pipeline


def _clean_pipeline(data: PipelineInput, existing: dict[int, Stage]) -> tuple[str, list[dict[str, Any]]]:
    errors: list[FieldError] = []
    name = " ".join((data.name or "").split())
    if holds_nul(data):
        errors.append(unstorable("name"))
    if not name:
        errors.append(FieldError("name", "required", _("Name the pipeline.")))
    elif len(name) > 100:
        errors.append(too_long("name", 100))
    stages: list[dict[str, Any]] = []
    users = set(User.objects.filter(is_active=True).values_list("pk", flat=True))
    for number, item in enumerate(data.stages, start=1):
        where = f"stages.{number}"
        stage_name = " ".join((item.name or "").split())
        if not stage_name:
            errors.append(FieldError(f"{where}.name", "required", _("Name every stage.")))
        elif len(stage_name) > 100:
            errors.append(too_long(f"{where}.name", 100))
        if item.kind not in StageKind.values:
            errors.append(FieldError(f"{where}.kind", "invalid", _("Choose open, won or lost.")))
        if item.id is not None and item.id not in existing:
            errors.append(FieldError(f"{where}.id", "invalid", _("This stage is not of this pipeline.")))
        days = item.days_limit
        if days is not None and not (0 < days <= 3650):
            errors.append(
                FieldError(f"{where}.days_limit", "invalid", _("Give a number of days from 1 to 3650."))
            )
        if item.responsible_id is not None and item.responsible_id not in users:
            errors.append(FieldError(f"{where}.responsible_id", "invalid", _("Choose an active colleague.")))
        checklist = [" ".join(line.split())[:200] for line in item.checklist if line and line.strip()]
        stages.append(
            {
                "id": item.id,
                "name": stage_name,
                "kind": item.kind,
                "days_limit": days,
                "responsible_id": item.responsible_id,
                "checklist": list(dict.fromkeys(checklist)),
                "script": (item.script or "").strip(),
            }
        )
    kinds = [s["kind"] for s in stages]
    if kinds.count(StageKind.OPEN) < 1 or kinds.count(StageKind.WON) != 1 or kinds.count(StageKind.LOST) != 1:
        errors.append(
            FieldError(
                "stages",
                "outcomes",
                _("A pipeline needs at least one stage in progress, one won and one lost."),
            )
        )
    if errors:
        raise ValidationFailed(errors)
    return name, stages


def _record_type(type_id: int | None, keep: int | None) -> int | None:
    if type_id in (None, ""):
        return None
    record_type = schema_for(KIND).types.get(int(type_id))
    if record_type is None or not (record_type.is_active or record_type.pk == keep):
        raise ValidationFailed(
            [FieldError("record_type_id", "invalid", _("Choose a type of deals from the list."))]
        )
    return record_type.pk


def _pipeline_values(pipeline: Pipeline, stages: list[Stage]) -> dict[str, Any]:
    record_type = schema_for(KIND).types.get(pipeline.record_type_id or 0)
    return {
        "name": pipeline.name,
        "is_active": pipeline.is_active,
        "record_type": record_type.name if record_type else None,
        "stages": [f"{s.name} ({s.kind})" for s in sorted(stages, key=lambda s: (s.order, s.pk))],
    }
