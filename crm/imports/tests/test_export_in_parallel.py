"""A long people list is exported by one process per core, a chunk each: the file is the same, byte for
byte (rows for XLSX), as one process writes, in every format, with the same progress and journal."""

import io

import openpyxl
import pytest
from django.core.files.storage import default_storage

from crm.contacts.selectors import export_cards
from crm.contacts.services import contact_delete
from crm.contacts.testing import make_contact
from crm.core import parallel
from crm.core.audit import SYSTEM
from crm.core.models import AuditEntry
from crm.imports.models import ExportJob, ImportStatus
from crm.imports.services import export_run, export_start, exporting

NAMES = ["Яковлев", "Абрамов", "Морозов", "=SUM(A1)", "Ёлкин", "Борисов", "Жуков"]


@pytest.fixture
def people(head_a, manager_a, manager_b):
    for i, name in enumerate(NAMES):
        owner = manager_a if i % 2 else head_a
        make_contact(owner, last_name=name, phone=f"+7916000{i:04d}", email=f"p{i}@example.ru", city="Пермь")
    make_contact(manager_b, last_name="Чужов", phone="+79160009999")  # another department: never exported


def _export(actor, file_format):
    job = export_run(job_id=export_start(actor=actor, file_format=file_format).pk)
    with default_storage.open(str(job.file.name), "rb") as handle:
        return job, handle.read()


def _content(file_format, data):
    if file_format != "xlsx":
        return data  # XLSX is a zip whose entries carry the time they were written: compared by its rows
    return [list(row) for row in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("file_format", ["csv", "csv1251", "xlsx", "vcf"])
def test_a_list_exported_by_several_processes_is_the_file_one_process_writes(
    people, head_a, monkeypatch, file_format
):
    monkeypatch.setattr(exporting, "CHUNK", 2)  # four chunks for the seven cards head_a sees
    monkeypatch.setattr(exporting, "PARALLEL_FROM", 10**9)
    _one_job, one = _export(head_a, file_format)
    split = []
    in_order = parallel.in_order
    monkeypatch.setattr(
        parallel, "in_order", lambda work, items: split.append(items) or in_order(work, items)
    )
    monkeypatch.setattr(exporting, "PARALLEL_FROM", 0)
    job, several = _export(head_a, file_format)
    assert [len(chunk) for chunk in split[0]] == [2, 2, 2, 1]
    assert _content(file_format, several) == _content(file_format, one)
    job = ExportJob.objects.get(pk=job.pk)
    assert (job.status, job.rows_total, job.rows_done) == (ImportStatus.DONE, 7, 7)
    assert AuditEntry.objects.filter(object_id=job.pk, action="export").count() == 1
    if file_format == "csv":
        assert b"\xd0\xa7\xd1\x83\xd0\xb6\xd0\xbe\xd0\xb2" not in several  # Чужов
        assert several.startswith(b"\xef\xbb\xbf")
        assert several.count(b"\xef\xbb\xbf") == 1
        assert several.count(b"'=") == 1  # the formula-like name neutralised


@pytest.mark.django_db
def test_a_chunk_read_by_its_ids_holds_only_the_cards_the_user_still_sees(head_a, manager_b):
    kept = make_contact(head_a, last_name="Оставлен", phone="+79160001001")
    trashed = make_contact(head_a, last_name="Удалён", phone="+79160001002")
    foreign = make_contact(manager_b, last_name="Чужов", phone="+79160001003")
    contact_delete(actor=head_a, contact_id=trashed.pk, source=SYSTEM)  # after its id was listed
    cards = export_cards(user=head_a, ids=[foreign.pk, trashed.pk, kept.pk])
    assert [(card.pk, card.values["last_name"], card.phones) for card in cards] == [
        (kept.pk, "Оставлен", [("+79160001001", "", "mobile")])
    ]
