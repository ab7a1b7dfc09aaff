"""The wizard's steps as services (upload, choose, test run, start) and a worker killed mid-import."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from crm.contacts.models import Contact
from crm.core.errors import ValidationFailed
from crm.imports import jobs
from crm.imports.models import ImportBatch, ImportProblem, ImportStatus
from crm.imports.readers import UnreadableFile
from crm.imports.services import importing as services

SAMPLES = Path(__file__).parent / "samples"
pytestmark = pytest.mark.django_db


def _upload(actor, name="google_contacts.csv"):
    return services.import_upload(actor=actor, data=(SAMPLES / name).read_bytes(), file_name=name)


def test_an_upload_keeps_the_file_and_suggests_every_columns_field(admin):
    batch = _upload(admin)
    # The rows stand for the records until the run plans them (20 rows, 3 of them merged into others: 17).
    assert (batch.status, batch.rows_total, batch.records_total) == (ImportStatus.DRAFT, 20, 20)
    assert batch.mapping["Phone 1 - Value"] == "phones"
    assert batch.mapping["Photo"] == ""
    assert batch.source_file.name.endswith(".csv")
    assert Contact.objects.count() == 0


def test_an_unreadable_upload_stores_nothing(admin):
    with pytest.raises(UnreadableFile):
        services.import_upload(actor=admin, data=b"", file_name="empty.csv")
    assert ImportBatch.objects.count() == 0


def test_the_users_mapping_is_what_the_import_writes(admin, django_capture_on_commit_callbacks):
    batch = _upload(admin)
    batch = services.import_configure(
        actor=admin, batch_id=batch.pk, mapping={"Notes": "", "Labels": ""}, on_duplicate="fill"
    )
    assert (batch.mapping["Notes"], batch.mapping["Labels"], batch.on_duplicate) == ("", "", "fill")
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(actor=admin, batch_id=batch.pk)  # the worker runs at once in tests
    batch.refresh_from_db()
    assert (batch.status, batch.created, batch.records_done) == (ImportStatus.DONE, 15, 17)
    ivanova = Contact.objects.get(last_name="Иванова")
    assert (ivanova.notes, ivanova.tags.count()) == ("", 0)
    assert ivanova.phones.count() == 2  # the label columns still work for the columns kept


def test_a_mapping_naming_a_column_the_file_lacks_or_a_field_that_does_not_exist_is_refused(admin):
    batch = _upload(admin)
    with pytest.raises(ValidationFailed) as unknown_column:
        services.import_configure(
            actor=admin, batch_id=batch.pk, mapping={"Nope": "city"}, on_duplicate="skip"
        )
    assert unknown_column.value.errors[0].field == "mapping"
    with pytest.raises(ValidationFailed):
        services.import_configure(
            actor=admin, batch_id=batch.pk, mapping={"Notes": "password"}, on_duplicate="skip"
        )
    with pytest.raises(ValidationFailed):
        services.import_configure(actor=admin, batch_id=batch.pk, mapping={}, on_duplicate="merge")


def test_a_test_run_reports_on_the_first_rows_and_stores_nothing(admin):
    batch = _upload(admin)
    report = services.import_test_run(actor=admin, batch_id=batch.pk, first_rows=5)
    assert report.created == 4  # rows 1-5, row 4 merged with row 3
    assert Contact.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DRAFT


def test_a_started_import_cannot_be_started_or_changed_again(admin, django_capture_on_commit_callbacks):
    batch = _upload(admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(actor=admin, batch_id=batch.pk)
    with pytest.raises(ValidationFailed):
        services.import_start(actor=admin, batch_id=batch.pk)
    with pytest.raises(ValidationFailed):
        services.import_configure(actor=admin, batch_id=batch.pk, mapping={}, on_duplicate="skip")
    assert Contact.objects.count() == 15


class WorkerKilled(BaseException):
    """What a killed process looks like from inside: nothing after it runs, no handler catches it."""


def test_a_worker_killed_mid_import_resumes_after_its_last_chunk_writing_no_row_twice(admin, monkeypatch):
    monkeypatch.setattr(services, "CHUNK", 4)
    batch = _upload(admin)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.QUEUED)
    real_write, calls = services._write_chunk, []

    def dies_on_the_third_chunk(*args, **kwargs):
        calls.append(1)
        real_write(*args, **kwargs)
        if len(calls) == 3:
            raise WorkerKilled  # after the chunk's rows, before its commit

    monkeypatch.setattr(services, "_write_chunk", dies_on_the_third_chunk)
    with pytest.raises(WorkerKilled):
        services.import_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.records_done) == (ImportStatus.RUNNING, 8)
    written = Contact.objects.count()
    assert 0 < written < 15

    monkeypatch.setattr(services, "_write_chunk", real_write)
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat=timezone.now() - datetime.timedelta(minutes=5))
    assert jobs.resume_stalled_imports.call_local() == 1
    batch.refresh_from_db()
    assert (batch.status, batch.records_done, batch.created, batch.skipped, batch.rejected) == (
        ImportStatus.DONE,
        17,
        15,
        1,
        1,
    )
    assert Contact.objects.count() == 15
    assert ImportProblem.objects.filter(batch=batch, rejected=True).count() == 1
