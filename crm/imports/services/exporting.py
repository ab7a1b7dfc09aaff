"""Export a list of people, companies or deals: the records the user sees with the list's filters, the
fields their role may see, to CSV (UTF-8 with a BOM, or Windows-1251 for Russian Excel), XLSX or (people
and companies) vCard 4.0 —
in the worker, with progress, journaled. Formula-like text is neutralised in CSV and XLSX."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import vobject
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from crm.accounts import access
from crm.accounts.models import User
from crm.contacts.forms import company_filters, contact_filters  # the lists' own reading of their address
from crm.contacts.models import Company
from crm.contacts.selectors import (
    ContactFilters,
    ExportCard,
    companies_for_export,
    contact_export_chunks,
    contact_export_ids,
    contacts_for_export,
    export_cards,
)
from crm.core import parallel
from crm.core.audit import ChangeSource, audit_record
from crm.core.errors import FieldError, ValidationFailed
from crm.core.ids import form_id
from crm.core.models import AuditAction, ChangeChannel
from crm.core.read_ahead import read_ahead
from crm.deals.selectors import Filters as DealFilters
from crm.deals.selectors import deals_for_export
from crm.imports.export_columns import Column, company_columns, contact_columns, deal_columns, rows_of
from crm.imports.models import ExportFormat, ExportJob, ImportStatus
from crm.segments import selectors as segment_selectors

CHUNK = 2000
MAX_CHOSEN = 10_000  # cards chosen by hand in one export (a segment has no limit)
PARALLEL_FROM = 20_000  # rows: below this, starting the other processes costs more than they save
EXPORT = ChangeSource(channel=ChangeChannel.UI)


def export_start(
    *,
    actor: User,
    file_format: str,
    query: str = "",
    kind: str = "contact",
    source: ChangeSource = EXPORT,
    segment_id: int | None = None,
    ids: list[int] | None = None,
) -> ExportJob:
    """Queue an export of the list the user sees with ``query``'s filters (the list page's address), of a
    segment's members, or of the cards ``ids`` chosen in a list (those of them the user sees)."""
    segment = None
    if segment_id is not None:
        segment = segment_selectors.segment_get(user=actor, pk=segment_id)
        kind = segment.kind
        segment_selectors.where(user=actor, kind=kind, definition=segment.definition)  # runs for this user?
    if kind not in ("contact", "company", "deal"):
        wrong = _("Choose contacts, companies or deals.")
        raise ValidationFailed([FieldError("kind", "invalid_choice", wrong)])
    access.require(actor, kind, "export")
    if file_format not in ExportFormat.values or (kind == "deal" and file_format == ExportFormat.VCARD):
        error = FieldError("format", "invalid_choice", _("Choose a file format from the list."))
        raise ValidationFailed([error])
    chosen = None
    if ids is not None:
        chosen = sorted({int(pk) for pk in ids})
        if not chosen:
            raise ValidationFailed([FieldError("ids", "required", _("Choose the cards."))])
        if len(chosen) > MAX_CHOSEN:
            message = _("At most %(n)d chosen cards at once; export a segment for more.") % {"n": MAX_CHOSEN}
            raise ValidationFailed([FieldError("ids", "too_many", message)])
    job = ExportJob.objects.create(
        created_by=actor,
        kind=kind,
        file_format=file_format,
        query="" if segment or chosen else query[:2000],
        segment=segment,
        ids=chosen,
    )
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
        parts: Iterator[tuple[int, Any]]
        if job.kind == "deal":
            query = QueryDict(job.query)
            deal_only = DealFilters.from_query(query, actor)
            deal_only.where = _where(job, actor)
            deals = deals_for_export(
                user=actor, filters=deal_only, pipeline_id=form_id(query.get("pipeline"))
            )
            columns = deal_columns(actor)
            render = Render(job.file_format, job.kind, columns)
            total, parts = deals.count(), _model_parts(deals, render)
        elif job.kind == "company":
            company_only = company_filters(QueryDict(job.query), actor)
            company_only.where = _where(job, actor)
            companies = companies_for_export(user=actor, filters=company_only)
            columns = company_columns(actor)
            render = Render(job.file_format, job.kind, columns)
            total, parts = companies.count(), _model_parts(companies, render)
        else:
            filters = contact_filters(QueryDict(job.query), actor)
            filters.where = _where(job, actor)
            total = contacts_for_export(user=actor, filters=filters).count()
            columns = contact_columns(actor)
            parts = contact_parts(actor, filters, Render(job.file_format, job.kind, columns), total)
        ExportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, rows_total=total)
        with tempfile.TemporaryFile() as out:
            written = _write(job, parts, columns, out)
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


def _where(job: ExportJob, actor: User) -> Q | None:
    """The segment's conditions as they stand now and as its author may run them, or the chosen cards."""
    if job.segment_id is not None:  # raises if it went to the trash or is no longer shared with them
        segment = segment_selectors.segment_get(user=actor, pk=job.segment_id)
        return segment_selectors.where(user=actor, kind=job.kind, definition=segment.definition)
    if job.ids is not None:
        return Q(pk__in=job.ids)
    return None


def _extension(job: ExportJob) -> str:
    return {"csv1251": "csv", "vcf": "vcf"}.get(job.file_format, job.file_format)


def contact_parts(
    actor: User, filters: ContactFilters, render: Render, total: int
) -> Iterator[tuple[int, Any]]:
    """A people list's file parts, a chunk each, in the list's order. A long list is read and formatted by
    one process per core, each a chunk at a time (formatting a million rows is Python's work, one core's
    at a time in a process); a short one here, the next chunk read by a thread while this one is formatted."""
    if total < PARALLEL_FROM or not parallel.available():
        chunks = read_ahead(lambda: contact_export_chunks(user=actor, filters=filters, chunk=CHUNK))
        return ((len(cards), render(cards)) for cards in chunks)
    ids = contact_export_ids(user=actor, filters=filters)

    def part(chunk_ids: list[int]) -> tuple[int, Any]:
        cards = export_cards(user=actor, ids=chunk_ids)
        return len(cards), render(cards)

    return parallel.in_order(part, [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)])


def _model_parts(cards: QuerySet[Any], render: Render) -> Iterator[tuple[int, Any]]:
    chunk: list[Any] = []
    for card in cards.iterator(chunk_size=CHUNK):
        chunk.append(card)
        if len(chunk) == CHUNK:
            yield len(chunk), render(chunk)
            chunk = []
    if chunk:
        yield len(chunk), render(chunk)


def _progress(job: ExportJob, parts: Iterator[tuple[int, Any]]) -> Iterator[tuple[int, Any]]:
    """The parts one by one; the progress saved after each."""
    done = 0
    for count, part in parts:
        yield count, part
        done += count
        ExportJob.objects.filter(pk=job.pk).update(rows_done=done)


def _write(job: ExportJob, parts: Iterator[tuple[int, Any]], columns: list[Column], out: IO[bytes]) -> int:
    """The file: its header, then each chunk's part in order (bytes, or an XLSX chunk's rows)."""
    rows = 0
    if job.file_format == ExportFormat.XLSX:
        book = Workbook(write_only=True)
        titles = {"company": _("Companies"), "deal": _("Deals")}
        sheet = book.create_sheet(str(titles.get(job.kind, _("Contacts"))))
        sheet.append([c.title for c in columns])
        for count, chunk_rows in _progress(job, parts):
            for row in chunk_rows:
                sheet.append(row)
            rows += count
        book.save(out)
        return rows
    if job.file_format in (ExportFormat.CSV, ExportFormat.CSV_1251):
        header = io.StringIO(newline="")
        csv.writer(header, delimiter=";").writerow([c.title for c in columns])
        bom = "" if job.file_format == ExportFormat.CSV_1251 else "\ufeff"
        out.write(_encoded(bom + header.getvalue(), job.file_format))
    for count, data in _progress(job, parts):
        out.write(data)
        rows += count
    return rows


def _encoded(text: str, file_format: str) -> bytes:
    """A CSV part in the file's encoding. Windows-1251 has no rouble sign: amounts say "руб.", which an
    import reads back (a "?" in its place made every amount of a re-imported export invalid)."""
    if file_format == ExportFormat.CSV_1251:
        return text.replace("₽", "руб.").encode("cp1251", errors="replace")
    return text.encode("utf-8", errors="replace")


@dataclass(frozen=True)
class Render:
    """What turns a chunk of cards into the file's next part: CSV or vCard bytes, or an XLSX chunk's rows
    (a workbook is written by one process). Plain data, so a second process can do it for half the file."""

    file_format: str
    kind: str
    columns: list[Column]

    def __call__(self, cards: list[Any]) -> Any:
        if self.file_format == ExportFormat.XLSX:
            return rows_of(cards, self.columns)
        if self.file_format in (ExportFormat.CSV, ExportFormat.CSV_1251):
            text = io.StringIO(newline="")
            csv.writer(text, delimiter=";").writerows(rows_of(cards, self.columns))
            return _encoded(text.getvalue(), self.file_format)
        shown = {c.key for c in self.columns}
        to_vcard = _company_vcard if self.kind == "company" else _vcard
        return "".join(to_vcard(card, shown) for card in cards).encode("utf-8")


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
