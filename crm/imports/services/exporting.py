"""Export a list of people or companies: the cards the user sees with the list's filters, the fields
their role may see, to CSV (UTF-8 with a BOM, or Windows-1251 for Russian Excel), XLSX or vCard 4.0 —
in the worker, with progress, journaled. Formula-like text is neutralised in CSV and XLSX."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from typing import IO, Any

import vobject
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from crm.accounts import access
from crm.accounts.models import User
from crm.contacts.forms import company_filters, contact_filters  # the lists' own reading of their address
from crm.contacts.models import Company
from crm.contacts.selectors import (
    ExportCard,
    companies_for_export,
    contact_export_chunks,
    contacts_for_export,
)
from crm.core.audit import ChangeSource, audit_record
from crm.core.errors import FieldError, ValidationFailed
from crm.core.models import AuditAction, ChangeChannel
from crm.core.read_ahead import read_ahead
from crm.imports.export_columns import Column, company_columns, contact_columns, rows_of
from crm.imports.models import ExportFormat, ExportJob, ImportStatus

CHUNK = 2000
EXPORT = ChangeSource(channel=ChangeChannel.UI)


def export_start(
    *, actor: User, file_format: str, query: str = "", kind: str = "contact", source: ChangeSource = EXPORT
) -> ExportJob:
    """Queue an export of the list the user sees with ``query``'s filters (the list page's address)."""
    if kind not in ("contact", "company"):
        raise ValidationFailed([FieldError("kind", "invalid_choice", _("Choose contacts or companies."))])
    access.require(actor, kind, "export")
    if file_format not in ExportFormat.values:
        error = FieldError("format", "invalid_choice", _("Choose a file format from the list."))
        raise ValidationFailed([error])
    job = ExportJob.objects.create(created_by=actor, kind=kind, file_format=file_format, query=query[:2000])
    from crm.imports import jobs  # jobs call services: imported here, not at the top, to keep the layers

    transaction.on_commit(lambda: jobs.run_export(job.pk))
    return job


def export_run(*, job_id: int, source: ChangeSource = EXPORT) -> ExportJob:
    job = ExportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return job
    actor = job.created_by
    with translation.override(actor.language or settings.LANGUAGE_CODE):  # the file speaks its author's
        return _run(job, actor, source)


def _run(job: ExportJob, actor: User, source: ChangeSource) -> ExportJob:
    try:
        access.require(actor, job.kind, "export")  # the right may have been taken away since
        chunks: Iterator[list[Any]]
        if job.kind == "company":
            companies = companies_for_export(user=actor, filters=company_filters(QueryDict(job.query), actor))
            total, chunks, columns = companies.count(), _model_chunks(companies), company_columns(actor)
        else:
            filters = contact_filters(QueryDict(job.query), actor)
            total = contacts_for_export(user=actor, filters=filters).count()
            chunks = read_ahead(lambda: contact_export_chunks(user=actor, filters=filters, chunk=CHUNK))
            columns = contact_columns(actor)
        ExportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, rows_total=total)
        with tempfile.TemporaryFile() as out:
            written = _write(job, chunks, columns, out)
            out.seek(0)
            job.file.save(
                f"{job.kind}s-{timezone.localdate():%Y-%m-%d}.{_extension(job)}", File(out), save=False
            )
    except Exception as exc:
        ExportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED, error=str(exc)[:2000])
        raise
    with transaction.atomic():
        job.status, job.rows_done, job.finished_at = ImportStatus.DONE, written, timezone.now()
        job.save(update_fields=["file", "status", "rows_done", "finished_at"])
        changes = {"rows": [None, written], "format": [None, job.file_format], "filters": [None, job.query]}
        audit_record(actor=actor, source=source, action=AuditAction.EXPORT, obj=job, changes=changes)
    return job


def _extension(job: ExportJob) -> str:
    return {"csv1251": "csv", "vcf": "vcf"}.get(job.file_format, job.file_format)


def _model_chunks(cards: QuerySet[Any]) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for card in cards.iterator(chunk_size=CHUNK):
        chunk.append(card)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _chunks(job: ExportJob, chunks: Iterator[list[Any]]) -> Iterator[list[Any]]:
    """The chunks one by one; the progress saved after each."""
    done = 0
    for chunk in chunks:
        yield chunk
        done += len(chunk)
        ExportJob.objects.filter(pk=job.pk).update(rows_done=done)


def _write(job: ExportJob, chunks: Iterator[list[Any]], columns: list[Column], out: IO[bytes]) -> int:
    rows = 0
    if job.file_format in (ExportFormat.CSV, ExportFormat.CSV_1251):
        encoding = "cp1251" if job.file_format == ExportFormat.CSV_1251 else "utf-8-sig"
        text = io.TextIOWrapper(out, encoding=encoding, errors="replace", newline="")
        writer = csv.writer(text, delimiter=";")
        writer.writerow([c.title for c in columns])
        for chunk in _chunks(job, chunks):
            writer.writerows(rows_of(chunk, columns))
            rows += len(chunk)
        text.flush()
        text.detach()
    elif job.file_format == ExportFormat.XLSX:
        book = Workbook(write_only=True)
        sheet = book.create_sheet(str(_("Companies") if job.kind == "company" else _("Contacts")))
        sheet.append([c.title for c in columns])
        for chunk in _chunks(job, chunks):
            for row in rows_of(chunk, columns):
                sheet.append(row)
            rows += len(chunk)
        book.save(out)
    else:
        shown = {c.key for c in columns}
        to_vcard = _company_vcard if job.kind == "company" else _vcard
        for chunk in _chunks(job, chunks):
            out.write("".join(to_vcard(card, shown) for card in chunk).encode("utf-8"))
            rows += len(chunk)
    return rows


def _add_tel(v: Any, number: str, extension: str, kind: str) -> None:
    tel = v.add("tel")
    tel.value = f"tel:{number}" + (f";ext={extension}" if extension else "")
    tel.params["VALUE"] = ["uri"]
    tel.params["TYPE"] = ["cell" if kind == "mobile" else kind]


def _company_vcard(company: Company, shown: set[str]) -> str:
    """One company as a vCard 4.0 of KIND:org, only the fields the user may see."""
    v = vobject.vCard()
    v.add("version").value = "4.0"
    v.add("kind").value = "org"
    v.add("fn").value = company.name
    v.add("org").value = [company.name]
    if "phones" in shown:
        for phone in company.phones.all():
            _add_tel(v, phone.number, phone.extension, phone.kind)
    if "emails" in shown:
        for email in company.emails.all():
            v.add("email").value = email.address
    if company.website and "website" in shown:
        v.add("url").value = company.website
    if company.notes and "notes" in shown:
        v.add("note").value = company.notes
    return str(v.serialize())


def _vcard(card: ExportCard, shown: set[str]) -> str:
    """One card as vCard 4.0 (RFC 6350), only the fields the user may see."""
    values = card.values
    v = vobject.vCard()
    v.add("version").value = "4.0"
    names = [values["last_name"], values["first_name"], values["middle_name"]]
    v.add("fn").value = " ".join(n for n in names if n) or "—"
    v.add("n").value = vobject.vcard.Name(family=names[0], given=names[1], additional=names[2])
    if "phones" in shown:
        for number, extension, kind in card.phones:
            _add_tel(v, number, extension, kind)
    if "emails" in shown:
        for address in card.emails:
            v.add("email").value = address
    if card.company and "company_id" in shown:
        v.add("org").value = [card.company]
        if card.position and "position" in shown:
            v.add("title").value = card.position
    day, month, year = values["birth_day"], values["birth_month"], values["birth_year"]
    if day and month and "birthday" in shown:
        v.add("bday").value = f"{year:04d}{month:02d}{day:02d}" if year else f"--{month:02d}{day:02d}"
    if values["notes"] and "notes" in shown:
        v.add("note").value = values["notes"]
    if card.tags and "tags" in shown:
        v.add("categories").value = card.tags
    return str(v.serialize())
