"""Reads of the import: batches a user may see, and the names a file's cells may refer to."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from crm.accounts import access
from crm.accounts.models import User
from crm.contacts.models import ContactStatus
from crm.core.errors import NotFound
from crm.imports.mapping import columns_from, suggest
from crm.imports.merge import merge
from crm.imports.models import ExportJob, ImportBatch, ImportProblem, ImportTemplate, SourceKey
from crm.imports.readers import Table, read
from crm.imports.records import Record, build


def batches_for(*, user: User) -> QuerySet[ImportBatch]:
    """An administrator sees every import; anyone else the imports they ran."""
    batches = ImportBatch.objects.select_related("created_by")
    return batches if access.can_administer(user) else batches.filter(created_by_id=user.pk)


def batch_get(*, user: User, batch_id: uuid.UUID) -> ImportBatch:
    batch = batches_for(user=user).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound
    return batch


def companies_made_on_the_way(*, batch: ImportBatch) -> list[int]:
    """The companies created under the batch's id that are not its own company rows: those its people's
    rows named and the base did not have (newest first)."""
    from crm.core.models import AuditAction, AuditEntry

    touched = set(batch.touches.exclude(company=None).values_list("company_id", flat=True))
    made = AuditEntry.objects.filter(
        batch=batch.pk, action=AuditAction.CREATE, object_type="contacts.company"
    )
    made_ids = set(made.values_list("object_id", flat=True))
    return sorted(made_ids - touched, reverse=True)


def problems_of(*, batch: ImportBatch) -> QuerySet[ImportProblem]:
    return batch.problems.all()


def owners_by_name() -> dict[str, int]:
    """Active users by login, full name ("Иван Петров" and "Петров Иван") and e-mail, lower-cased: how an
    export names a card's responsible manager."""
    names: dict[str, int] = {}
    for pk, login, first, last, email in User.objects.filter(is_active=True).values_list(
        "pk", "username", "first_name", "last_name", "email"
    ):
        for name in (login, f"{first} {last}", f"{last} {first}", email):
            key = " ".join(name.split()).casefold()
            if key:
                names.setdefault(key, pk)
    return names


def statuses_by_name() -> dict[str, int]:
    return {name.casefold(): pk for pk, name in ContactStatus.objects.values_list("pk", "name")}


PREVIEW_ROWS = 20


def preview(*, batch: ImportBatch) -> tuple[Table, list[Record]]:
    """The stored file read through the batch's mapping: its table and the records of its first rows,
    normalised and merged as the import would write them (nothing is looked up or written)."""
    with batch.source_file.open("rb") as handle:
        table = read(handle.read(), batch.file_name)
    suggestion = suggest(table.headers)
    records = merge(
        build(table, columns_from(batch.mapping, suggestion.columns), date_order=suggestion.date_order)
    )
    return table, [r for r in records if r.numbers[0] <= PREVIEW_ROWS]


def source_keys_of(*, kind: str, record_id: int) -> list[tuple[str, str]]:
    """A card's ids in the systems it was imported from, as (system's title, id); the caller has already
    fetched the card through the read guard."""
    column = "contact_id" if kind == "contact" else "company_id"
    keys = SourceKey.objects.filter(**{column: record_id}).order_by("system", "value")
    return [(system_title(k.system), k.value) for k in keys[:50]]


def system_title(system: str) -> str:
    from django.utils.translation import gettext

    from crm.imports.mapping import PRESETS

    titles = {p.name: str(p.title) for p in PRESETS}
    return titles.get(system) or gettext("a file")


def templates() -> list[ImportTemplate]:
    """The saved mappings, by name: shared by everyone who may import."""
    return list(ImportTemplate.objects.all())


def template_by_name(name: str) -> ImportTemplate | None:
    return ImportTemplate.objects.filter(name=" ".join(name.split())).first()


def template_for_headers(headers: list[str]) -> ImportTemplate | None:
    """The template last saved that names every column of a file (so a file exported the same way again
    is mapped as before without asking); None when none does."""
    wanted = {h for h in headers if h}
    if not wanted:
        return None
    for template in ImportTemplate.objects.order_by("-updated_at", "-pk"):
        if wanted <= set(template.mapping):
            return template
    return None


def export_get(*, user: User, job_id: int) -> ExportJob | None:
    """An export is its author's alone: the file holds what their role may see."""
    return ExportJob.objects.filter(pk=job_id, created_by_id=user.pk).first()
