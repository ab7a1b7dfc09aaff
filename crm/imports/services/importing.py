"""Import a file, and undo an import.

A file is read (``readers``), its columns mapped (``mapping``), its rows made records and merged within
the file (``records``, ``merge``), then written through the contacts services — the batch path for new
people, the single update for cards being updated — so an imported card gets exactly the cleaning, the
duplicate rule, the journal (under the batch's id) and the system timeline entries of a card typed by
hand. A row whose phone or e-mail is already on a card in the base does what the user chose: skip it,
update the card (fill its empty fields, or overwrite them), or attach the row to the card as a timeline
note. Every card touched is recorded with the batch (``ImportTouch``), with what an update replaced, so
the batch can be undone whole.
"""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import User
from crm.activities.services import EntryInput, entries_create, entries_delete
from crm.contacts.inputs import (
    CompanyInput,
    ContactInput,
    company_input_from,
    company_input_of,
    contact_input_from,
    contact_input_of,
)
from crm.contacts.models import Company, CompanyEmail, CompanyPhone, Contact
from crm.contacts.selectors import editable_cards
from crm.contacts.services import (
    companies_delete,
    company_create,
    company_update,
    contact_companies_add,
    contacts_create,
    contacts_delete,
    contacts_update,
    locked_editable_cards,
)
from crm.contacts.services.uniqueness import duplicate_match
from crm.core import bulk
from crm.core.audit import ChangeSource
from crm.core.errors import DuplicateMatch, FieldError, NotFound, PermissionDenied, ValidationFailed
from crm.core.models import ChangeChannel
from crm.core.normalize import NormalizationError, name_key, normalize_phone
from crm.duplicates.scoring import Person, names_conflict
from crm.fields.models import FieldType
from crm.fields.schema import schema_for
from crm.imports import selectors
from crm.imports.mapping import Suggestion, Target, columns_from, importable_fields, spec_of, suggest
from crm.imports.merge import merge, person_of
from crm.imports.models import (
    ImportBatch,
    ImportProblem,
    ImportStatus,
    ImportTouch,
    OnDuplicate,
    SourceKey,
    TouchAction,
)
from crm.imports.readers import Table, read
from crm.imports.records import Note, Record, build

IMPORT = ChangeSource(channel=ChangeChannel.IMPORT)
COUNTS_LINE = (
    "created {created} · updated {updated} · attached {attached} · skipped {skipped} · rejected {rejected}"
)
UNKNOWN_OWNER = _("no active user of this name: the card goes to the import's default owner")
UNKNOWN_STATUS = _("no such client status: left empty")
UNKNOWN_USER = _("no active user of this name: left empty")
SEVERAL_CARDS = _("its phones and e-mails are on several cards: {labels}")
HIDDEN_CARD = _("already on a card you cannot see")
ALREADY_ON = _("already on the card «{label}»")
NOTHING_NEW = _("nothing new for the card «{label}»")
SHARED_WITH_CARD = _("the number is also on the card «{label}», a different person: on both, marked shared")
EMAIL_OF_CARD = _("the address is on the card «{label}», a different person: it stays on that card only")


@dataclass
class Problem:
    row: int
    rows: list[int]
    column: str
    value: str
    message: str
    rejected: bool


@dataclass
class Report:
    """What an import did (or, for a test run, would do)."""

    created: int = 0
    updated: int = 0
    attached: int = 0
    skipped: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    batch: ImportBatch | None = None

    def counts_line(self) -> str:
        # Always in this form, whatever the language: scripts read it.
        return COUNTS_LINE.format(**self.counts())

    def counts(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("created", "updated", "attached", "skipped", "rejected")}

    def note(
        self, record: Record, message: Any, *, rejected: bool, column: str = "", value: str = ""
    ) -> None:
        numbers = record.numbers
        self.problems.append(Problem(numbers[0], numbers, column, value, str(message), rejected))


class _Rollback(Exception):
    """Ends a test run's transaction, so it stores nothing."""


CHUNK = 2000  # records per transaction: what a killed worker may have to redo, never more


@dataclass
class _Plan:
    """A file read and mapped: its records in the order they are written (companies, then people)."""

    table: Table
    columns: dict[str, Target | None]
    records: list[Record]


def _plan(data: bytes, file_name: str, mapping: Mapping[str, str] | None) -> _Plan:
    return _plan_of(read(data, file_name), mapping)


def _columns_of(
    table: Table, mapping: Mapping[str, str] | None
) -> tuple[dict[str, Target | None], Suggestion]:
    """Where each column goes: the mapping given, over what the headers suggest."""
    custom_labels = {f.key: (f.label_ru, f.label_en) for f in schema_for("contact").custom()}
    suggestion = suggest(table.headers, custom_labels)
    return (suggestion.columns if mapping is None else columns_from(mapping, suggestion.columns)), suggestion


def _plan_of(table: Table, mapping: Mapping[str, str] | None) -> _Plan:
    columns, suggestion = _columns_of(table, mapping)
    records = merge(build(table, columns, date_order=suggestion.date_order))
    system = suggestion.preset.name if suggestion.preset else "file"
    for record in records:
        record.system = system
    derived = [
        Record(r.numbers, "company", company=r.company, derived=True)
        for r in records
        if r.kind == "contact" and r.company is not None
    ]
    companies = [r for r in records if r.kind == "company"]
    ordered = companies + derived + [r for r in records if r.kind != "company"]
    return _Plan(table, columns, ordered)


def check_choice(on_duplicate: str) -> None:
    if on_duplicate not in OnDuplicate.values:
        error = FieldError("on_duplicate", "invalid_choice", _("Choose what a duplicate does."))
        raise ValidationFailed([error])


def import_upload(*, actor: User, data: bytes, file_name: str) -> ImportBatch:
    """Keep an uploaded file for the wizard's next steps; refuses (``UnreadableFile``) one that cannot be
    read, storing nothing."""
    access.require(actor, "contact", "import")
    table = read(data, file_name)
    template = selectors.template_for_headers(table.headers)
    # Only the columns are resolved here, as when the wizard's choices are saved: the run plans the
    # records and counts them exactly (planning is most of the time of reading a file: once, not twice).
    columns, _suggestion = _columns_of(table, template.mapping if template else None)
    batch = ImportBatch(
        created_by=actor,
        file_name=file_name[:255],
        file_format=table.format,
        encoding=table.encoding or "",
        mapping={h: spec_of(t) for h, t in columns.items()},
        template_name=template.name if template else "",
        on_duplicate=template.on_duplicate if template else OnDuplicate.SKIP,
        rows_total=len(table.rows),
        records_total=len(table.rows),
    )
    batch.source_file.save(file_name[-100:] or "import", ContentFile(data), save=False)
    batch.save()
    return batch


def import_configure(
    *,
    actor: User,
    batch_id: uuid.UUID,
    mapping: Mapping[str, str],
    on_duplicate: str,
    owner_id: int | None = None,
    template_name: str | None = None,
) -> ImportBatch:
    """The wizard's choices for an uploaded file: each column's field, what a duplicate does, the owner
    (and the name of the saved template they came from, if they did)."""
    check_choice(on_duplicate)
    with transaction.atomic():
        batch = _draft(actor, batch_id)
        known = set(batch.mapping)
        unknown = [h for h in mapping if h not in known]
        if unknown:
            message = _("The file has no column «{column}».")
            raise ValidationFailed(
                [FieldError("mapping", "unknown_column", format_lazy(message, column=unknown[0]))]
            )
        check_targets(mapping)
        owner = None
        if owner_id is not None:
            owner = User.objects.filter(pk=owner_id, is_active=True).first()
            if owner is None:
                raise ValidationFailed([FieldError("owner", "invalid_choice", _("Choose an active user."))])
        # Only the columns are resolved here; the run plans the records (a million-row file once, not
        # twice) and then counts them exactly. Until then the rows stand for them.
        table = read(_file_bytes(batch), batch.file_name)
        columns, _suggestion = _columns_of(table, {**batch.mapping, **mapping})
        batch.mapping = {h: spec_of(t) for h, t in columns.items()}
        batch.records_total = len(table.rows)
        batch.on_duplicate, batch.owner = on_duplicate, owner
        if template_name is not None:
            batch.template_name = template_name
        batch.save()
    return batch


def check_targets(mapping: Mapping[str, str]) -> None:
    """Refuses a mapping that sends a column to something that is not an importable field."""
    targets = importable_fields()
    for spec in mapping.values():
        name = spec.partition(":")[0] if not spec.startswith("custom:") else spec
        if name and name not in targets and not name.startswith("custom:"):
            message = _("«{field}» is not a field a column can go to.")
            raise ValidationFailed(
                [FieldError("mapping", "invalid_choice", format_lazy(message, field=name))]
            )


def _draft(actor: User, batch_id: uuid.UUID) -> ImportBatch:
    batch = selectors.batch_get(user=actor, batch_id=batch_id)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportStatus.DRAFT:
        raise ValidationFailed([FieldError("status", "started", _("This import has already been started."))])
    return batch


def _file_bytes(batch: ImportBatch) -> bytes:
    with batch.source_file.open("rb") as handle:
        return handle.read()


def import_test_run(*, actor: User, batch_id: uuid.UUID, first_rows: int = 100) -> Report:
    """What the import would do with the first rows, stored nowhere."""
    batch = selectors.batch_get(user=actor, batch_id=batch_id)
    owner = batch.owner or actor
    return import_file(
        actor=actor,
        data=_file_bytes(batch),
        file_name=batch.file_name,
        mapping=batch.mapping,
        on_duplicate=batch.on_duplicate,
        owner=owner,
        dry_run=True,
        first_rows=first_rows,
    )


def import_start(*, actor: User, batch_id: uuid.UUID) -> ImportBatch:
    """Hand a configured import to the worker; the page follows its progress."""
    access.require(actor, "contact", "import")
    with transaction.atomic():
        batch = _draft(actor, batch_id)
        batch.status = ImportStatus.QUEUED
        batch.save(update_fields=["status"])
    from crm.imports import jobs  # jobs call services: imported here, not at the top, to keep the layers

    transaction.on_commit(lambda: jobs.run_import(str(batch.pk)))
    return batch


def import_file(
    *,
    actor: User,
    data: bytes,
    file_name: str,
    mapping: Mapping[str, str] | None = None,
    on_duplicate: str = OnDuplicate.SKIP,
    owner: User | None = None,
    dry_run: bool = False,
    first_rows: int | None = None,
    source: ChangeSource = IMPORT,
) -> Report:
    """Import a file's people and companies at once (the command line); ``dry_run`` does everything and
    stores nothing (a test run, of the first ``first_rows`` rows if given). Raises ``UnreadableFile``
    for a file that cannot be read."""
    access.require(actor, "contact", "import")
    check_choice(on_duplicate)
    if dry_run:
        plan = _plan(data, file_name, mapping)
        records = plan.records
        if first_rows is not None:
            records = [r for r in records if r.numbers[0] <= first_rows]
        report = Report()
        try:
            with transaction.atomic():
                _write_chunk(actor, records, report, on_duplicate, owner or actor, None, source)
                raise _Rollback
        except _Rollback:
            pass
        return report
    batch = import_upload(actor=actor, data=data, file_name=file_name)
    if mapping is not None or on_duplicate != OnDuplicate.SKIP or owner is not None:
        batch = import_configure(
            actor=actor,
            batch_id=batch.pk,
            mapping=mapping or {},
            on_duplicate=on_duplicate,
            owner_id=owner.pk if owner else None,
        )
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.QUEUED)
    return import_run(batch_id=batch.pk, source=source)


def import_run(*, batch_id: uuid.UUID, source: ChangeSource = IMPORT) -> Report:
    """Write a queued import chunk by chunk, each chunk with its report lines and progress in one
    transaction; a run that finds records already done (a worker killed mid-import) resumes after them."""
    batch = ImportBatch.objects.select_related("created_by", "owner").get(pk=batch_id)
    report = Report(batch=batch)
    if batch.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return _report_of(batch, report)
    actor, owner = batch.created_by, batch.owner or batch.created_by
    try:
        plan = _plan(_file_bytes(batch), batch.file_name, batch.mapping)
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportStatus.RUNNING, heartbeat=timezone.now(), records_total=len(plan.records)
        )
        for start in range(batch.records_done, len(plan.records), CHUNK):
            chunk = plan.records[start : start + CHUNK]
            with transaction.atomic():
                part = Report(batch=batch)
                _write_chunk(actor, chunk, part, batch.on_duplicate, owner, batch, source)
                _save_progress(batch, part, start + len(chunk))
    except Exception as exc:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportStatus.FAILED, finished_at=timezone.now(), error=str(exc)[:2000]
        )
        raise
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.DONE, finished_at=timezone.now())
    batch.refresh_from_db()
    return _report_of(batch, report)


def _save_progress(batch: ImportBatch, part: Report, done: int) -> None:
    ImportProblem.objects.bulk_create(
        ImportProblem(
            batch=batch,
            row=p.row,
            rows=", ".join(map(str, p.rows))[:255],
            column=p.column[:255],
            value=p.value,
            message=p.message,
            rejected=p.rejected,
        )
        for p in part.problems
    )
    counts = {name: F(name) + value for name, value in part.counts().items()}
    ImportBatch.objects.filter(pk=batch.pk).update(records_done=done, heartbeat=timezone.now(), **counts)


def _report_of(batch: ImportBatch, report: Report) -> Report:
    for name in report.counts():
        setattr(report, name, getattr(batch, name))
    report.problems = [
        Problem(p.row, [int(n) for n in p.rows.split(", ") if n], p.column, p.value, p.message, p.rejected)
        for p in batch.problems.all()
    ]
    return report


def _write_chunk(
    actor: User,
    records: list[Record],
    report: Report,
    on_duplicate: str,
    owner: User,
    batch: ImportBatch | None,
    source: ChangeSource,
) -> None:
    owners, statuses = selectors.owners_by_name(), selectors.statuses_by_name()
    user_fields = {
        s.key: str(s.label) for s in schema_for("contact").custom() if s.field_type == FieldType.USER
    }
    people: list[Record] = []
    for record in records:
        for note in record.notes:
            report.note(record, note.message, rejected=False, column=note.column, value=note.value)
        if record.kind == "skipped" or record.kind == "group":
            report.skipped += record.kind == "skipped"
        elif record.kind == "rejected":
            report.rejected += 1
            report.note(record, record.reason, rejected=True)
        elif record.kind == "company":
            _import_company(actor, record, report, on_duplicate, owner, batch, source)
        else:
            _resolve_refs(record, report, owners, statuses, owner)
            _resolve_users(record, report, owners, user_fields)
            people.append(record)
    _link_companies_by_inn(actor, people)
    _import_people(actor, people, report, on_duplicate, batch, source)


def _link_companies_by_inn(actor: User, people: list[Record]) -> None:
    """A person whose row gives their company's INN works at the company with that INN (written just
    before, or already in the base under another name), not at whatever company bears the name."""
    wanted = {r.company.inn for r in people if r.company is not None and r.company.inn}
    if not wanted or not access.has_perm(actor, "company", "view"):
        return
    by_inn: dict[str, int] = {}
    for pk, inn in (
        Company.objects.visible_to(actor).filter(inn__in=wanted).order_by("pk").values_list("pk", "inn")
    ):
        by_inn.setdefault(inn, pk)
    for record in people:
        if record.company is not None and record.company.inn in by_inn and record.person is not None:
            record.person.company_id, record.person.company_name = by_inn[record.company.inn], ""


def _resolve_users(record: Record, report: Report, owners: dict[str, int], fields: dict[str, str]) -> None:
    """A user field's value as a file writes it (a name, a login, an e-mail, or "#id" as a card shows an
    unknown one) made the user's id; a name no active user has is left out and noted."""
    custom = record.person.custom if record.person is not None else {}
    for key, label in fields.items():
        text = custom.get(key)
        if not isinstance(text, str) or not text.strip():
            continue
        plain = text.strip().removeprefix("#")
        found = int(plain) if plain.isdecimal() else owners.get(" ".join(text.split()).casefold())
        if found is None:
            del custom[key]
            report.note(record, UNKNOWN_USER, rejected=False, column=label, value=text)
        else:
            custom[key] = found


def _resolve_refs(
    record: Record, report: Report, owners: dict[str, int], statuses: dict[str, int], owner: User
) -> None:
    person = record.person
    assert person is not None
    person.owner_id = owner.pk
    if record.owner_text:
        found = owners.get(" ".join(record.owner_text.split()).casefold())
        if found is None:
            report.note(
                record, UNKNOWN_OWNER, rejected=False, column=record.owner_column, value=record.owner_text
            )
        else:
            person.owner_id = found
    if record.status_text:
        status = statuses.get(record.status_text.strip().casefold())
        if status is None:
            report.note(
                record, UNKNOWN_STATUS, rejected=False, column=record.status_column, value=record.status_text
            )
        person.status_id = status


def _errors_text(errors: list[FieldError]) -> str:
    return "; ".join(f"{e.field}: {e.message}" for e in errors)


def _import_people(
    actor: User,
    records: list[Record],
    report: Report,
    on_duplicate: str,
    batch: ImportBatch | None,
    source: ChangeSource,
) -> None:
    if not records:
        return
    created: list[int] = []  # the cards the rows created
    kept: list[tuple[Record, int]] = []  # each row written and the card it went to, for its source ids
    by_key = _found_by_source_key(actor, records)
    known = [(r, [by_key[id(r)]]) for r in records if id(r) in by_key]
    kept += _found_on_cards(actor, known, report, on_duplicate, batch, source)
    records = [r for r in records if id(r) not in by_key]
    duplicates, salvaged = _create(actor, records, report, batch, source, created, kept, salvage=True)
    # Rows whose phone or e-mail is on the card of someone else by name become their own cards; rows
    # refused for a value that can be left out (a birthday in the future) are written without it.
    apart = _set_apart(duplicates, report)
    if apart or salvaged:
        duplicates = [(r, m) for r, m in duplicates if not any(r is a for a in apart)]
        more, _none = _create(actor, apart + salvaged, report, batch, source, created, kept, salvage=False)
        duplicates += more
    kept += _found_on_cards(actor, duplicates, report, on_duplicate, batch, source)
    if (
        batch is not None
    ):  # plain rows: a chunk's model instances and Django's INSERT cost more than the write
        bulk.insert_rows(
            ImportTouch,
            ("batch_id", "contact_id", "action"),
            [(batch.pk, pk, TouchAction.CREATED.value) for pk in created],
        )
    _keep_source_keys(kept, batch)


def _found_on_cards(
    actor: User,
    found: list[tuple[Record, list[DuplicateMatch]]],
    report: Report,
    on_duplicate: str,
    batch: ImportBatch | None,
    source: ChangeSource,
) -> list[tuple[Record, int]]:
    """Do with a chunk's rows found on cards what the import was told, the cards' updates and notes
    written together; the rows kept on a card and their cards."""
    if not found:
        return []
    locked = _cards_to_update(actor, found, on_duplicate)
    kept: list[tuple[Record, int]] = []
    updates: list[_Update] = []
    attaching: list[tuple[Record, int]] = []
    for record, matches in found:
        card_id = _duplicate(
            actor, record, matches, report, on_duplicate, batch, source, locked, updates, attaching
        )
        kept += [(record, card_id)] if card_id else []
    kept += _apply_updates(actor, updates, report, batch, source, locked)
    _attach_all(actor, attaching, batch, source)
    return kept


def _cards_to_update(
    actor: User, duplicates: list[tuple[Record, list[DuplicateMatch]]], on_duplicate: str
) -> dict[int, Contact]:
    """The cards a chunk's rows may fill or overwrite, with what their input is made of, in a few queries
    for the whole chunk (each row then compares itself with its card without asking the database)."""
    if on_duplicate not in (OnDuplicate.FILL, OnDuplicate.OVERWRITE) or not duplicates:
        return {}
    ids = {m.pk for _record, matches in duplicates for m in matches if m.pk}
    return locked_editable_cards(actor, ids)  # locked: the chunk's updates write them as read here


def _create(
    actor: User,
    records: list[Record],
    report: Report,
    batch: ImportBatch | None,
    source: ChangeSource,
    created: list[int],
    kept: list[tuple[Record, int]],
    *,
    salvage: bool,
) -> tuple[list[tuple[Record, list[DuplicateMatch]]], list[Record]]:
    """Write the rows as new cards (with the creation dates of their source); count the created and
    refused ones; return those refused only as duplicates, with their matches, and (when ``salvage``)
    those refused only for values that can be left out, made ready to be written without them."""
    if not records:
        return [], []
    result = contacts_create(
        actor=actor,
        rows=[r.person for r in records],  # type: ignore[misc]
        source=source,
        batch=batch.pk if batch else None,
        created_at=[r.created_at for r in records],
    )
    duplicates, salvaged = [], []
    for record, row in zip(records, result.rows, strict=True):
        if row.card is not None:
            report.created += 1
            created.append(row.card.pk)
            kept.append((record, row.card.pk))
            _link_more_companies(actor, record, row.card.pk, batch, source)
        elif row.matches and all(e.code == "duplicate" for e in row.errors):
            duplicates.append((record, row.matches))
        elif salvage and _without_refused_values(record, record.person, row.errors, report):
            salvaged.append(record)
        else:
            report.rejected += 1
            report.note(record, _errors_text(row.errors), rejected=True)
    return duplicates, salvaged


_NAME_FIELDS = ("last_name", "first_name", "middle_name", "name")


def _without_refused_values(record: Record, person: Any, errors: list[FieldError], report: Report) -> bool:
    """Leave out of the row's input (``person``: a person's or a company's) each value the services
    refused, noting it (one bad value never costs the row); False, changing nothing, when the row is
    nothing without it (a name) or was refused for something else (a duplicate, no name, phone or
    e-mail)."""
    fields = [e.field.partition(".") for e in errors]
    if any(
        e.code == "duplicate" or name in _NAME_FIELDS or not hasattr(person, name)
        for e, (name, _dot, _rest) in zip(errors, fields, strict=True)
    ):
        return False
    blank = type(person)()
    dropped: dict[str, set[int]] = {}
    for error, (name, _dot, rest) in zip(errors, fields, strict=True):
        if name == "custom":
            person.custom.pop(rest, None)
        elif rest.isdecimal() and isinstance(getattr(person, name), list):
            dropped.setdefault(name, set()).add(int(rest))
        else:
            setattr(person, name, getattr(blank, name))
        report.note(record, _errors_text([error]), rejected=False)
    for name, indexes in dropped.items():
        setattr(person, name, [v for i, v in enumerate(getattr(person, name)) if i not in indexes])
    return True


def _link_more_companies(
    actor: User, record: Record, card_id: int, batch: ImportBatch | None, source: ChangeSource
) -> None:
    if record.more_companies:
        contact_companies_add(
            actor=actor,
            contact_id=card_id,
            names=record.more_companies,
            source=source,
            batch=batch.pk if batch else None,
        )


def _found_by_source_key(actor: User, records: list[Record]) -> dict[int, DuplicateMatch]:
    """The rows whose id in a known system (not a plain file's row id) is already kept on a card: that
    card is theirs, whatever their phones say now. One query for the chunk, one for the cards found."""
    wanted = {(r.system, v) for r in records if r.system != "file" for v in r.external_ids}
    if not wanted:
        return {}
    found: dict[tuple[str, str], int] = {}
    for system, value, card_id in SourceKey.objects.filter(
        system__in={s for s, _v in wanted}, value__in={v for _s, v in wanted}, contact__isnull=False
    ).values_list("system", "value", "contact_id"):
        if (system, value) in wanted:
            found.setdefault((system, value), card_id)
    cards = Contact._base_manager.filter(pk__in=set(found.values())).select_related("owner").in_bulk()
    matches: dict[int, DuplicateMatch] = {}
    for record in records:
        for value in record.external_ids:
            card = cards.get(found.get((record.system, value), 0))
            if card is not None:
                matches[id(record)] = duplicate_match(actor, card, "contact", "external_id", value)
                break
    return matches


def _keep_source_keys(kept: list[tuple[Record, int]], batch: ImportBatch | None) -> None:
    """Each written row's ids in its source system, on the card it went to (once per card)."""
    wanted = {(card_id, r.system, v) for r, card_id in kept for v in r.external_ids}
    if not wanted:
        return
    held = set(
        SourceKey.objects.filter(contact_id__in={c for c, _s, _v in wanted}).values_list(
            "contact_id", "system", "value"
        )
    )
    SourceKey.objects.bulk_create(
        [
            SourceKey(contact_id=card_id, system=system, value=value[:255], batch=batch)
            for card_id, system, value in sorted(wanted - held)
        ],
        batch_size=2000,
    )


def _set_apart(duplicates: list[tuple[Record, list[DuplicateMatch]]], report: Report) -> list[Record]:
    """The rows whose every match is a card of another person by name (a family or office phone, a shared
    mailbox), made ready to be written as their own cards: each such phone marked shared, each such
    e-mail left to the other card, with a note. One query for all of them."""
    ids = {m.pk for _record, matches in duplicates for m in matches if m.pk and m.kind == "contact"}
    if not ids:
        return []
    names = {
        pk: Person(key=pk, last=last, first=first, middle=middle)
        for pk, last, first, middle in Contact._base_manager.filter(pk__in=ids).values_list(
            "pk", "last_name", "first_name", "middle_name"
        )
    }
    apart = []
    for record, matches in duplicates:
        others = [names.get(m.pk) for m in matches]
        if not all(o is not None and names_conflict(person_of(record), o) for o in others):
            continue
        person = record.person
        assert person is not None
        dropped: set[int] = set()
        for match in matches:
            kind, _sep, index = match.field.partition(".")
            if kind == "phones":
                person.phones[int(index)] = dataclasses.replace(person.phones[int(index)], shared=True)
                message = format_lazy(SHARED_WITH_CARD, label=match.label)
                report.note(record, message, rejected=False, value=match.value)
            else:
                dropped.add(int(index))
                message = format_lazy(EMAIL_OF_CARD, label=match.label)
                report.note(record, message, rejected=False, value=match.value)
        person.emails = [e for i, e in enumerate(person.emails) if i not in dropped]
        apart.append(record)
    return apart


def _duplicate(
    actor: User,
    record: Record,
    matches: list[DuplicateMatch],
    report: Report,
    on_duplicate: str,
    batch: ImportBatch | None,
    source: ChangeSource,
    preloaded: dict[int, Contact] | None,
    updates: list[_Update],
    attaching: list[tuple[Record, int]],
) -> int | None:
    """Do with a row found on a card what the import was told; the card's id when the row was attached
    to it. ``preloaded``: the chunk's cards to update, read beforehand; ``updates``: where a row that
    changes its card is put, to be written with the chunk's others (``_apply_updates``); ``attaching``:
    likewise for a row attached to its card (``_attach_all``)."""
    cards = {m.pk: m for m in matches if m.pk}
    if len(cards) > 1:
        labels = ", ".join(f"«{m.label}»" for m in cards.values())
        report.rejected += 1
        report.note(record, format_lazy(SEVERAL_CARDS, labels=labels), rejected=True)
        return None
    match = next(iter(cards.values()))
    if on_duplicate == OnDuplicate.SKIP or not match.visible or match.in_trash:
        report.skipped += 1
        message = HIDDEN_CARD if not match.visible else format_lazy(ALREADY_ON, label=match.label)
        report.note(record, message, rejected=False)
        return None
    try:
        if on_duplicate == OnDuplicate.ATTACH:
            report.attached += 1
            attaching.append((record, match.pk))
            return match.pk
        card = preloaded.get(match.pk) if preloaded is not None else None
        if card is None:
            raise NotFound
        current = contact_input_from(card)
        current.custom = {k: card.custom[k] for k in record.person.custom if k in card.custom}  # type: ignore[union-attr]
        company = next((e.company.name for e in card.employments.all() if e.is_primary), "")
        overwrite = on_duplicate == OnDuplicate.OVERWRITE
        changed = _updated(current, record.person, overwrite=overwrite, company=company)  # type: ignore[arg-type]
        if changed == current:
            report.skipped += 1
            report.note(record, format_lazy(NOTHING_NEW, label=match.label), rejected=False)
            return None
        updates.append(_Update(record, card.pk, current, changed))
        return None
    except (ValidationFailed, NotFound) as exc:
        report.rejected += 1
        errors = getattr(exc, "errors", None)
        report.note(record, _errors_text(errors) if errors else HIDDEN_CARD, rejected=True)
    return None


@dataclass
class _Update:
    """A row that changes the card it was found on: the card's input before and after."""

    record: Record
    card_id: int
    before: ContactInput
    after: ContactInput


def _attach_all(
    actor: User, attaching: list[tuple[Record, int]], batch: ImportBatch | None, source: ChangeSource
) -> None:
    """A chunk's rows attached to the cards they were found on: a note on each card saying what the row
    held, written together (``entries_create``), each remembered by the batch so that undoing it removes
    the note."""
    if not attaching:
        return
    entries = entries_create(
        actor=actor,
        rows=[
            EntryInput(contact_id=pk, summary=_attachment_summary(record, batch)) for record, pk in attaching
        ],
        source=source,
        batch=batch.pk if batch else None,
    )
    if batch is not None:
        bulk.insert_rows(
            ImportTouch,
            ("batch_id", "contact_id", "action", "entry_id"),
            [(batch.pk, e.contact_id, TouchAction.ATTACHED.value, e.pk) for e in entries],
        )


def _apply_updates(
    actor: User,
    updates: list[_Update],
    report: Report,
    batch: ImportBatch | None,
    source: ChangeSource,
    locked: dict[int, Contact] | None,
) -> list[tuple[Record, int]]:
    """Write a chunk's changed cards through the batch path at once (``locked``: the cards as the rows
    were compared with them, not read again); each row counted as updated or refused with its reasons.
    The rows written and their cards."""
    if not updates:
        return []
    result = contacts_update(
        actor=actor,
        changes=[(u.card_id, u.after) for u in updates],
        source=source,
        batch=batch.pk if batch else None,
        locked=locked,
    )
    kept, touches = [], []
    for update, row in zip(updates, result.rows, strict=True):
        if not row.ok:
            report.rejected += 1
            hidden = any(e.code == "not_found" for e in row.errors)
            report.note(update.record, HIDDEN_CARD if hidden else _errors_text(row.errors), rejected=True)
            continue
        report.updated += 1
        touches.append(
            ImportTouch(
                batch=batch,
                action=TouchAction.UPDATED,
                contact_id=update.card_id,
                before=_as_json(update.before),
            )
        )
        _link_more_companies(actor, update.record, update.card_id, batch, source)
        kept.append((update.record, update.card_id))
    if batch is not None:
        bulk.insert_objects(ImportTouch, touches)
    return kept


def _attachment_summary(record: Record, batch: ImportBatch | None) -> str:
    person = record.person
    assert person is not None
    values = [p.value for p in person.phones] + [e.value for e in person.emails]
    name = " ".join(p for p in (person.last_name, person.first_name, person.middle_name) if p)
    rows = ", ".join(map(str, record.numbers))
    title = batch.file_name if batch else ""
    return gettext("Found in the import «{file}», row {rows}: {values}").format(
        file=title, rows=rows, values="; ".join(v for v in [name, *values, person.company_name] if v)
    )[:2000]


_LISTS = ("phones", "emails", "messengers")


def _updated(
    current: ContactInput, incoming: ContactInput, *, overwrite: bool, company: str = ""
) -> ContactInput:
    """The card's input with the file's values: lists gain what they lack (phones, e-mails, messengers,
    tags), compared by what they are, not how they are written ("8 (916) 555-01-01" is "+79165550101");
    a single value replaces an empty one, or any one when ``overwrite``; the owner stays. ``company`` is
    the name of the card's company: the file naming the same one changes nothing."""
    values = dataclasses.asdict(current)  # type: ignore[call-overload]
    new = dataclasses.asdict(incoming)  # type: ignore[call-overload]
    has_company = bool(values.get("company_id") or values["company_name"])
    same_company = bool(company) and name_key(company) == name_key(new.get("company_name") or "")
    if same_company or (has_company and not overwrite):
        position = new.pop("position")
        new.pop("company_name")
        if same_company and position and (overwrite or not values["position"]):
            values["position"] = position
    _merge_values(values, new, overwrite=overwrite)
    if values["company_name"] and values.get("company_id") and not same_company and overwrite:
        values["company_id"] = None  # the file names another company
    return contact_input_of(values)


def _company_updated(current: CompanyInput, incoming: CompanyInput, *, overwrite: bool) -> CompanyInput:
    """The company's input with the file's values, by the same rule as a person's."""
    values = dataclasses.asdict(current)  # type: ignore[call-overload]
    _merge_values(values, dataclasses.asdict(incoming), overwrite=overwrite)  # type: ignore[call-overload]
    return company_input_of(values)


def _merge_values(values: dict[str, Any], new: dict[str, Any], *, overwrite: bool) -> None:
    """Lists gain what they lack, compared by what they are; a single value replaces an empty one, or any
    one when ``overwrite``. The owner, the type, the key mark and a chosen company stay."""
    for name, value in new.items():
        if name in ("owner_id", "record_type_id", "is_key", "company_id"):
            continue
        if name in _LISTS:
            have = {_list_key(name, item) for item in values[name]}
            values[name] = values[name] + [
                dict(item, is_primary=False) if name != "messengers" else item
                for item in value
                if _list_key(name, item) not in have
            ]
        elif name == "tags":
            values[name] = values[name] + [t for t in value if t not in values[name]]
        elif name == "custom":
            for key, item in value.items():
                if overwrite or values["custom"].get(key) in (None, "", []):
                    values["custom"][key] = item
        elif value not in ("", None, [], {}) and (overwrite or values[name] in ("", None, [], {})):
            values[name] = value


def _list_key(name: str, item: dict[str, Any]) -> str:
    """What a phone, e-mail or messenger is, however it is written."""
    if name == "messengers":
        return f"{item['kind']}:{str(item['handle']).casefold()}"
    if name == "emails":
        return str(item["value"]).strip().casefold()
    text = str(item["value"])
    try:
        phone = normalize_phone(text)
    except NormalizationError:
        return text
    return f"{phone.e164}/{phone.extension}"


def _as_json(data: ContactInput) -> dict[str, Any]:
    return dataclasses.asdict(data)  # type: ignore[call-overload]


def _touch(batch: ImportBatch | None, action: str, **fields: Any) -> None:
    if batch is not None:
        ImportTouch.objects.create(batch=batch, action=action, **fields)


def _import_company(
    actor: User,
    record: Record,
    report: Report,
    on_duplicate: str,
    owner: User,
    batch: ImportBatch | None,
    source: ChangeSource,
) -> None:
    data = record.company
    assert data is not None
    data.owner_id = owner.pk
    existing = _existing_company(actor, record)
    if record.derived:  # a person's company: written quietly, counted with the person
        on_duplicate = OnDuplicate.FILL if on_duplicate != OnDuplicate.SKIP else OnDuplicate.SKIP
        report = Report()
    try:
        if existing is None:
            try:
                company = company_create(
                    actor=actor, data=data, source=source, batch=batch.pk if batch else None
                )
            except ValidationFailed as exc:  # an INN that fails its checksum: the company without it
                if not _without_refused_values(record, data, exc.errors, report):
                    raise
                company = company_create(
                    actor=actor, data=data, source=source, batch=batch.pk if batch else None
                )
            report.created += 1
            _touch(batch, TouchAction.CREATED, company=company)
            _keep_company_keys(record, company.pk, batch)
        elif on_duplicate in (OnDuplicate.FILL, OnDuplicate.OVERWRITE):
            current = company_input_from(existing)
            changed = _company_updated(current, data, overwrite=on_duplicate == OnDuplicate.OVERWRITE)
            if changed == current:
                report.skipped += 1
                return
            company_update(
                actor=actor,
                company_id=existing.pk,
                data=changed,
                source=source,
                batch=batch.pk if batch else None,
            )
            report.updated += 1
            _touch(batch, TouchAction.UPDATED, company=existing, before=dataclasses.asdict(current))  # type: ignore[call-overload]
            _keep_company_keys(record, existing.pk, batch)
        else:
            report.skipped += 1
            report.note(record, format_lazy(ALREADY_ON, label=existing.name), rejected=False)
    except ValidationFailed as exc:
        report.rejected += 1
        report.note(record, _errors_text(exc.errors), rejected=True)


def _existing_company(actor: User, record: Record) -> Company | None:
    """The visible company a company row is: the one with its id in the same source system, else the
    one with its INN (and KPP, for a branch: the rule every company write keeps), else the one with its
    name unless their INNs differ (a namesake, or another branch)."""
    data = record.company
    assert data is not None
    if not access.has_perm(actor, "company", "view"):
        return None
    visible = Company.objects.visible_to(actor).order_by("pk")
    if record.system != "file" and record.external_ids:
        keyed = SourceKey.objects.filter(
            system=record.system, value__in=record.external_ids, company__isnull=False
        ).values("company_id")
        found = visible.filter(pk__in=keyed).first()
        if found is not None:
            return found
    if data.inn:
        for company in visible.filter(inn=data.inn):
            if not (data.kpp and company.kpp and data.kpp != company.kpp):
                return company
    holders = _line_holders(data)
    by_line = visible.filter(holders).first() if holders is not None else None
    by_name = by_line or visible.filter(name_key=name_key(data.name)).first()
    if by_name is not None and data.inn and by_name.inn and by_name.inn != data.inn:
        return None
    return by_name


def _line_holders(data: CompanyInput) -> Q | None:
    """The companies holding one of the row's lines (not marked shared) or e-mails."""
    numbers = set()
    for phone in data.phones:
        if not phone.shared:
            with contextlib.suppress(NormalizationError):
                numbers.add(normalize_phone(phone.value).e164)
    addresses = {e.value.strip().lower() for e in data.emails if e.value.strip()}
    if not (numbers or addresses):
        return None  # nothing to look for: no query
    held = CompanyPhone.objects.filter(number__in=numbers, is_shared=False).values("company_id")
    mailed = CompanyEmail.objects.filter(address__in=addresses).values("company_id")
    return Q(pk__in=held) | Q(pk__in=mailed)


def _keep_company_keys(record: Record, company_id: int, batch: ImportBatch | None) -> None:
    held = set(SourceKey.objects.filter(company_id=company_id).values_list("system", "value"))
    SourceKey.objects.bulk_create(
        SourceKey(company_id=company_id, system=record.system, value=value[:255], batch=batch)
        for value in dict.fromkeys(record.external_ids)
        if (record.system, value[:255]) not in held
    )


def import_undo(*, actor: User, batch_id: uuid.UUID, source: ChangeSource = IMPORT) -> ImportBatch:
    """Undo a whole import: the cards it created go to the trash, the cards it updated get their previous
    values back, the notes it attached go to the trash; every change journaled under the batch's id."""
    batch = selectors.batch_get(user=actor, batch_id=batch_id)
    if batch.status == ImportStatus.UNDONE:
        return batch
    access.require(actor, "contact", "import")
    created = batch.touches.filter(action=TouchAction.CREATED)
    contact_ids = list(created.filter(company=None).values_list("contact_id", flat=True))
    contacts_delete(actor=actor, contact_ids=contact_ids, source=source, batch=batch.pk)
    _give_back(actor, batch, source)
    for touch in batch.touches.exclude(action=TouchAction.CREATED).exclude(company=None).order_by("-pk"):
        if touch.action == TouchAction.UPDATED and touch.company_id:
            company_update(
                actor=actor,
                company_id=touch.company_id,
                data=company_input_of(dict(touch.before or {})),
                source=source,
                batch=batch.pk,
            )
    notes = batch.touches.filter(action=TouchAction.ATTACHED, entry_id__isnull=False)
    entry_ids = [pk for pk in notes.values_list("entry_id", flat=True) if pk]
    entries_delete(actor=actor, entry_ids=entry_ids, source=source, batch=batch.pk)
    # Its company rows, and the companies its people's rows named that the base did not have (created on
    # the way, under the batch's id), go too.
    company_ids = list(created.exclude(company=None).values_list("company_id", flat=True))
    company_ids += selectors.companies_made_on_the_way(batch=batch)
    if company_ids:
        companies_delete(actor=actor, company_ids=company_ids, source=source, batch=batch.pk)
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.UNDONE, undone_at=timezone.now(), undone_by=actor
    )
    batch.refresh_from_db()
    return batch


def _give_back(actor: User, batch: ImportBatch, source: ChangeSource) -> None:
    """The people's cards the import updated get the values they had before it, together
    (``contacts_update``): a card updated by two rows gets what it had before the first. A card gone
    since stays as it is; any other refusal is raised, naming the field."""
    before: dict[int, Any] = {}
    updated = batch.touches.filter(action=TouchAction.UPDATED, company=None).exclude(contact=None)
    for contact_id, values in updated.order_by("pk").values_list("contact_id", "before"):
        before.setdefault(contact_id, values)
    editable = set(editable_cards(user=actor, ids=list(before)).values_list("pk", flat=True))
    if Contact.objects.filter(pk__in=set(before) - editable, deleted_at=None).exists():
        raise PermissionDenied("edit contact")  # a card the import changed that this user may not change back
    result = contacts_update(
        actor=actor,
        changes=[(pk, contact_input_of(dict(values or {}))) for pk, values in before.items()],
        source=source,
        batch=batch.pk,
    )
    refused = [e for row in result.rows for e in row.errors if e.code != "not_found"]
    if refused:
        raise ValidationFailed(refused)


__all__ = [
    "Note",
    "Report",
    "import_configure",
    "import_file",
    "import_run",
    "import_start",
    "import_test_run",
    "import_undo",
    "import_upload",
]
