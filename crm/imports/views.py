"""The import wizard: upload → columns and preview (with a test run) → the run, followed in the worker →
the report, downloadable, and undo. Views parse the request, call a service or selector, render."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.accounts import access
from crm.contacts import selectors as contact_selectors
from crm.core.audit import ChangeSource
from crm.core.errors import NotFound, PermissionDenied, ValidationFailed
from crm.core.ids import form_id
from crm.fields.schema import schema_for
from crm.imports import selectors, services
from crm.imports.export_columns import neutralised
from crm.imports.mapping import target_choices
from crm.imports.models import ExportJob, ImportBatch, ImportStatus, OnDuplicate
from crm.imports.readers import UnreadableFile
from crm.imports.readers.dispatch import max_bytes


def _require_import(request: HttpRequest) -> None:
    if not access.has_perm(request.user, "contact", "import"):
        raise Http404


def _batch(request: HttpRequest, pk: uuid.UUID) -> ImportBatch:
    _require_import(request)
    try:
        return selectors.batch_get(user=request.user, batch_id=pk)
    except NotFound:
        raise Http404 from None


@login_required
@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    _require_import(request)
    context = {"batches": selectors.batches_for(user=request.user)[:100], "templates": selectors.templates()}
    return render(request, "imports/batch_list.html", context)


@login_required
@require_POST
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_import(request)
    try:
        source = ChangeSource.from_request(request)
        services.template_delete(actor=request.user, template_id=pk, source=source)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("The template is deleted."))
    return redirect("imports:batch_list")


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    _require_import(request)
    error = None
    if request.method == "POST":
        upload_file = request.FILES.get("file")
        if upload_file is None:
            error = _("Choose a file to import.")
        elif upload_file.size is not None and upload_file.size > max_bytes():
            error = _("The file is larger than {size} MB.").format(size=max_bytes() // (1024 * 1024))
        else:
            try:
                batch = services.import_upload(
                    actor=request.user, data=upload_file.read(), file_name=upload_file.name or "import"
                )
            except UnreadableFile as exc:
                error = str(exc.message)
            else:
                return redirect("imports:batch_detail", pk=batch.pk)
    context = {"error": error, "max_mb": max_bytes() // (1024 * 1024)}
    return render(request, "imports/upload.html", context, status=422 if error else 200)


def _detail_context(request: HttpRequest, batch: ImportBatch, report: Any = None) -> dict[str, Any]:
    context: dict[str, Any] = {"batch": batch, "test_report": report}
    if batch.status == ImportStatus.DRAFT:
        table, records = selectors.preview(batch=batch)
        custom = [(f.key, f.label) for f in schema_for("contact").custom()]
        columns = []
        headers = [h for h in table.headers if h in batch.mapping]  # the file's order, not the stored one
        for index, header in enumerate(headers + [h for h in batch.mapping if h not in headers]):
            samples = [r.cells.get(header, "") for r in table.rows[:3] if r.cells.get(header, "")]
            spec = batch.mapping[header]
            columns.append({"index": index, "header": header, "spec": spec, "samples": samples})
        context |= {
            "columns": columns,
            "choices": target_choices(custom),
            "records": records,
            "owners": contact_selectors.owners_for_filter(user=request.user),
            "duplicate_choices": OnDuplicate.choices,
            "file_problems": table.problems,
            "templates": selectors.templates(),
        }
    else:
        context["problems"] = selectors.problems_of(batch=batch)[:500]
        context["problem_count"] = selectors.problems_of(batch=batch).count()
    return context


@login_required
@require_GET
def batch_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    batch = _batch(request, pk)
    return render(request, "imports/batch_detail.html", _detail_context(request, batch))


@login_required
@require_POST
def configure(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    batch = _batch(request, pk)
    # Each column's drop-down carries its header beside it; a form without them counts in the stored order.
    headers = list(batch.mapping)
    mapping = {
        request.POST.get(f"header-{index}", headers[index] if index < len(headers) else ""): request.POST[key]
        for index in range(len(headers))
        if (key := f"col-{index}") in request.POST
    }
    try:
        if "apply_template" in request.POST:
            template_id = form_id(request.POST.get("template"))
            services.template_apply(actor=request.user, batch_id=batch.pk, template_id=template_id or 0)
            return redirect("imports:batch_detail", pk=batch.pk)
        batch = services.import_configure(
            actor=request.user,
            batch_id=batch.pk,
            mapping=mapping,
            on_duplicate=request.POST.get("on_duplicate", OnDuplicate.SKIP),
            owner_id=form_id(request.POST.get("owner")),
        )
        if "save_template" in request.POST:
            template = services.template_save_from(
                actor=request.user,
                batch_id=batch.pk,
                name=request.POST.get("template_name", ""),
                source=ChangeSource.from_request(request),
            )
            saved = _("The columns are saved as the template «%(name)s».") % {"name": template}
            messages.success(request, saved)
        if "test" in request.POST:
            report = services.import_test_run(actor=request.user, batch_id=batch.pk)
            return render(request, "imports/batch_detail.html", _detail_context(request, batch, report))
        if "start" in request.POST:
            services.import_start(actor=request.user, batch_id=batch.pk)
            messages.success(request, _("The import has started. You can leave this page and come back."))
    except ValidationFailed as exc:
        messages.error(request, "; ".join(str(e.message) for e in exc.errors))
    except (UnreadableFile, PermissionDenied):
        raise Http404 from None
    return redirect("imports:batch_detail", pk=batch.pk)


@login_required
@require_GET
def progress(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    batch = _batch(request, pk)
    response = render(request, "imports/_progress.html", {"batch": batch})
    if batch.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        response["HX-Refresh"] = "true"  # finished: the page shows the report
    return response


@login_required
@require_POST
def undo(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    batch = _batch(request, pk)
    if batch.status != ImportStatus.DONE:
        messages.error(request, _("Only a finished import can be undone."))
    else:
        try:
            services.import_undo(
                actor=request.user, batch_id=batch.pk, source=ChangeSource.from_request(request)
            )
        except (ValidationFailed, PermissionDenied) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _(
                    "The import is undone: the cards it created are in the trash, the cards it changed have "
                    "their values back, its notes are removed."
                ),
            )
    return redirect("imports:batch_detail", pk=batch.pk)


@login_required
@require_GET
def problems_csv(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    batch = _batch(request, pk)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([_("Row"), _("Rows merged"), _("Column"), _("Value"), _("Problem"), _("Row refused")])
    for p in selectors.problems_of(batch=batch).iterator():
        yes_no = _("yes") if p.rejected else _("no")
        writer.writerow(
            [p.row, p.rows, neutralised(p.column), neutralised(p.value), neutralised(p.message), yes_no]
        )
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-report.csv"'
    return response


SAMPLE_ROWS = [
    [
        "Фамилия",
        "Имя",
        "Отчество",
        "Телефон",
        "E-mail",
        "Компания",
        "Должность",
        "Город",
        "Дата рождения",
        "Теги",
    ],
    [
        "Иванова",
        "Ольга",
        "Сергеевна",
        "+7 916 555-01-01",
        "olga@example.ru",
        "ООО «Ромашка»",
        "Бухгалтер",
        "Москва",
        "14.03.1985",
        "VIP",
    ],
    ["Петров", "Иван", "", "8 (912) 345-67-89 доб. 12", "", "", "", "Казань", "21.07", ""],
]


@login_required
@require_GET
def sample(request: HttpRequest) -> HttpResponse:
    """A file to fill in and import: the columns the wizard recognises, in the Russian Excel habit."""
    _require_import(request)
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(SAMPLE_ROWS)
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="import-sample.csv"'
    return response


# -- export -----------------------------------------------------------------------------------------------


def _export_job(request: HttpRequest, pk: int) -> ExportJob:
    job = selectors.export_get(user=request.user, job_id=pk)
    if job is None:
        raise Http404
    return job


@login_required
@require_POST
def export_start(request: HttpRequest) -> HttpResponse:
    """Export a list with its filters, a segment's members (``segment``) or the cards chosen (``ids``)."""
    kind = request.POST.get("kind", "")
    kind = kind if kind in ("company", "deal") else "contact"
    segment = request.POST.get("segment", "")
    chosen = request.POST.getlist("ids") if request.POST.get("chosen") else None
    try:
        job = services.export_start(
            actor=request.user,
            file_format=request.POST.get("format", ""),
            query=request.POST.get("query", "")[:2000],
            kind=kind,
            source=ChangeSource.from_request(request),
            segment_id=int(segment) if segment.isdecimal() else None,
            ids=None if chosen is None else [int(pk) for pk in chosen if pk.isdecimal()],
        )
    except (PermissionDenied, NotFound):
        raise Http404 from None
    except ValidationFailed as exc:
        messages.error(request, "; ".join(str(e.message) for e in exc.errors))
        if segment.isdecimal():
            return redirect("segments:segment_detail", pk=int(segment))
        return redirect("deals:deal_list" if kind == "deal" else f"contacts:{kind}_list")
    return redirect("imports:export_detail", pk=job.pk)


@login_required
@require_GET
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "imports/export_detail.html", {"job": _export_job(request, pk)})


@login_required
@require_GET
def export_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = _export_job(request, pk)
    response = render(request, "imports/_export_progress.html", {"job": job})
    if job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _export_job(request, pk)
    if job.status != ImportStatus.DONE or not job.file:
        raise Http404
    name = job.file.name.rsplit("/", 1)[-1]
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=name)
