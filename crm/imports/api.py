"""REST API for import and export: the same services and selectors as the wizard and the lists' export."""

from __future__ import annotations

import datetime
import uuid
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from crm.accounts import access
from crm.core.audit import ChangeSource
from crm.core.errors import FieldError, NotFound, ValidationFailed
from crm.core.ids import Id
from crm.core.models import ChangeChannel
from crm.imports import selectors, services
from crm.imports.models import ExportJob, ImportBatch, ImportStatus
from crm.imports.readers import UnreadableFile
from crm.imports.readers.dispatch import max_bytes

router = Router(tags=["import and export"])

OnDuplicateChoice = Literal["skip", "fill", "overwrite", "attach"]


def _source(request: HttpRequest) -> ChangeSource:
    return ChangeSource.from_request(request, ChangeChannel.API)


class ImportOut(Schema):
    id: uuid.UUID = Field(description="Also the batch id of every journal entry the import wrote")
    file_name: str
    status: str = Field(description="queued, running, done, failed or undone")
    template_name: str = Field(description="The saved template its columns were mapped by, if any")
    on_duplicate: str
    records_total: int
    records_done: int
    created: int
    updated: int
    attached: int
    skipped: int
    rejected: int
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    undone_at: datetime.datetime | None


class ProblemOut(Schema):
    row: int = Field(description="The row of the file (the first data row is 1)")
    rows: str = Field(description="Every row merged into this one")
    column: str
    value: str
    message: str
    rejected: bool = Field(description="True: the row was refused; false: a value was left out")


class ExportIn(Schema):
    kind: Literal["contact", "company", "deal"] = "contact"
    format: Literal["csv", "csv1251", "xlsx", "vcf"] = Field("xlsx", description="vcf: people and companies")
    query: str = Field("", max_length=2000, description="The list's filters as its address has them")
    segment_id: Id | None = Field(None, description="Or: a saved segment's members (its kind is used)")
    ids: list[Id] | None = Field(None, description="Or: these cards (at most 10,000; those the user sees)")


class ExportOut(Schema):
    id: int
    kind: str
    format: str
    status: str
    rows_total: int
    rows_done: int
    created_at: datetime.datetime
    finished_at: datetime.datetime | None


def _import(batch: ImportBatch) -> dict[str, Any]:
    fields = ("file_name", "status", "template_name", "on_duplicate", "records_total", "records_done")
    counts = ("created", "updated", "attached", "skipped", "rejected")
    times = ("created_at", "finished_at", "undone_at")
    return {"id": batch.pk} | {name: getattr(batch, name) for name in (*fields, *counts, *times)}


def _export(job: ExportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "format": job.file_format,
        "status": job.status,
        "rows_total": job.rows_total,
        "rows_done": job.rows_done,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


def _batch(request: HttpRequest, import_id: uuid.UUID) -> ImportBatch:
    access.require(request.auth, "contact", "import")
    return selectors.batch_get(user=request.auth, batch_id=import_id)


@router.post(
    "/imports",
    response={202: ImportOut},
    summary="Import a file (CSV, XLSX, XLS, vCard) in the worker (multipart form)",
)
def submit_import(
    request: HttpRequest,
    file: File[UploadedFile],
    on_duplicate: Form[OnDuplicateChoice | None] = None,
    template: Form[str] = "",
    owner_id: Form[Id | None] = None,
) -> Status[dict[str, Any]]:
    access.require(request.auth, "contact", "import")
    if file.size is not None and file.size > max_bytes():
        message = format_lazy(_("The file is larger than {size} MB."), size=max_bytes() // (1024 * 1024))
        raise ValidationFailed([FieldError("file", "too_large", message)])
    try:
        batch = services.import_submit(
            actor=request.auth,
            data=file.read(),
            file_name=file.name or "import",
            on_duplicate=on_duplicate,
            owner_id=owner_id,
            template_name=template[:200],
        )
    except UnreadableFile as exc:
        raise ValidationFailed([FieldError("file", "unreadable", exc.message)]) from None
    batch.refresh_from_db()
    return Status(202, _import(batch))


@router.get("/imports", response=list[ImportOut], summary="Imports, newest first (an administrator's: all)")
def list_imports(request: HttpRequest) -> list[dict[str, Any]]:
    access.require(request.auth, "contact", "import")
    return [_import(b) for b in selectors.batches_for(user=request.auth)[:100]]


@router.get("/imports/{import_id}", response=ImportOut, summary="An import's progress and counts")
def get_import(request: HttpRequest, import_id: uuid.UUID) -> dict[str, Any]:
    return _import(_batch(request, import_id))


@router.get(
    "/imports/{import_id}/problems",
    response=list[ProblemOut],
    summary="An import's refused rows and left-out values (the first 1,000)",
)
def import_problems(request: HttpRequest, import_id: uuid.UUID) -> list[dict[str, Any]]:
    problems = selectors.problems_of(batch=_batch(request, import_id))[:1000]
    return [
        {
            "row": p.row,
            "rows": p.rows,
            "column": p.column,
            "value": p.value,
            "message": p.message,
            "rejected": p.rejected,
        }
        for p in problems
    ]


@router.post(
    "/imports/{import_id}/undo",
    response=ImportOut,
    summary="Undo a whole import: its new cards to the trash, updated ones given back",
)
def undo_import(request: HttpRequest, import_id: uuid.UUID) -> dict[str, Any]:
    batch = _batch(request, import_id)
    if batch.status not in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.UNDONE):
        message = _("Only a finished import can be undone.")
        raise ValidationFailed([FieldError("status", "not_finished", message)])
    return _import(services.import_undo(actor=request.auth, batch_id=batch.pk, source=_source(request)))


@router.post("/exports", response={202: ExportOut}, summary="Export a list in the worker")
def start_export(request: HttpRequest, payload: ExportIn) -> Status[dict[str, Any]]:
    job = services.export_start(
        actor=request.auth,
        file_format=payload.format,
        query=payload.query,
        kind=payload.kind,
        source=_source(request),
        segment_id=payload.segment_id,
        ids=payload.ids,
    )
    job.refresh_from_db()
    return Status(202, _export(job))


def _job(request: HttpRequest, export_id: int) -> ExportJob:
    job = selectors.export_get(user=request.auth, job_id=export_id)
    if job is None:
        raise NotFound
    return job


@router.get("/exports/{export_id}", response=ExportOut, summary="An export's progress")
def get_export(request: HttpRequest, export_id: Id) -> dict[str, Any]:
    return _export(_job(request, export_id))


@router.get("/exports/{export_id}/file", response={200: None}, summary="Download a finished export")
def download_export(request: HttpRequest, export_id: Id) -> FileResponse:
    job = _job(request, export_id)
    if job.status != ImportStatus.DONE or not job.file:
        raise NotFound
    name = job.file.name.rsplit("/", 1)[-1]
    response = FileResponse(job.file.open("rb"), as_attachment=True, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
