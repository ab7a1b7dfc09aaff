"""The import wizard in the browser's terms: pages, forms, the report and undo."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.contacts.models import Contact
from crm.imports.models import ImportBatch, ImportStatus

SAMPLES = Path(__file__).parent / "samples"
pytestmark = pytest.mark.django_db


def _upload(client, name="hubspot.csv", data=None):
    data = (SAMPLES / name).read_bytes() if data is None else data
    return client.post(reverse("imports:upload"), {"file": SimpleUploadedFile(name, data)})


def test_an_upload_leads_to_the_columns_and_a_preview_of_the_rows(client, admin):
    client.force_login(admin)
    response = _upload(client)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:batch_detail", args=[batch.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="mapping-table"' in page
    assert "Record ID" in page
    assert "51234567801" in page
    assert 'data-testid="preview-table"' in page
    assert "8 (916) 555-01-01" in page  # the preview shows values as they will be written, as the card does
    assert "+1 202-555-0147" in page  # a number abroad in its international form
    assert Contact.objects.count() == 0


def test_an_unreadable_file_is_refused_with_its_reason_and_nothing_is_kept(client, admin):
    client.force_login(admin)
    response = _upload(client, "empty.csv", b"")
    assert response.status_code == 422
    assert 'data-testid="upload-error"' in response.content.decode()
    assert ImportBatch.objects.count() == 0
    assert client.post(reverse("imports:upload"), {}).status_code == 422


def test_a_test_run_shows_what_would_happen_and_stores_nothing(client, admin):
    client.force_login(admin)
    _upload(client)
    batch = ImportBatch.objects.get()
    response = client.post(
        reverse("imports:configure", args=[batch.pk]), {"on_duplicate": "skip", "test": "1"}
    )
    page = response.content.decode()
    assert 'data-testid="test-report"' in page
    assert Contact.objects.count() == 0


def test_the_wizard_runs_the_import_shows_its_report_and_undoes_it(
    client, admin, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    _upload(client)
    batch = ImportBatch.objects.get()
    headers = list(batch.mapping)
    form = {f"col-{i}": spec for i, spec in enumerate(batch.mapping.values())}
    form[f"col-{headers.index('Job Title')}"] = ""  # the user leaves a column out
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("imports:configure", args=[batch.pk]), {**form, "on_duplicate": "skip", "start": "1"}
        )
    batch.refresh_from_db()
    assert (batch.status, batch.created, batch.rejected) == (ImportStatus.DONE, 10, 1)
    page = client.get(reverse("imports:batch_detail", args=[batch.pk])).content.decode()
    assert 'data-testid="import-report"' in page
    assert 'data-testid="problems-table"' in page

    listed = client.get(reverse("contacts:contact_list"), {"batch": str(batch.pk)}).content.decode()
    assert 'data-testid="batch-filter"' in listed
    assert "Belousova" in listed

    report = client.get(reverse("imports:problems_csv", args=[batch.pk]))
    text = report.content.decode("utf-8")
    assert text.startswith("\ufeff")
    assert "11;" in text

    client.post(reverse("imports:undo", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.UNDONE
    assert Contact.objects.filter(deleted_at=None).count() == 0


def test_the_progress_fragment_refreshes_the_page_once_the_import_is_over(client, admin):
    client.force_login(admin)
    _upload(client)
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.RUNNING, records_total=10, records_done=4
    )
    running = client.get(reverse("imports:progress", args=[batch.pk]))
    assert "HX-Refresh" not in running
    assert 'aria-valuenow="4"' in running.content.decode()
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.DONE)
    assert client.get(reverse("imports:progress", args=[batch.pk]))["HX-Refresh"] == "true"


def test_the_report_neutralises_formula_like_text(client, admin):
    client.force_login(admin)
    data = "Фамилия,Телефон,Дата рождения\n=HYPERLINK(1),123,=1+1\n".encode()
    _upload(client, "f.csv", data)
    batch = ImportBatch.objects.get()
    from crm.imports.services import import_run

    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.QUEUED)
    import_run(batch_id=batch.pk)
    text = client.get(reverse("imports:problems_csv", args=[batch.pk])).content.decode()
    assert "'=1+1" in text
    assert ";=1+1" not in text


def test_the_sample_file_downloads_in_the_russian_excel_habit(client, admin):
    client.force_login(admin)
    response = client.get(reverse("imports:sample"))
    assert response["Content-Disposition"] == 'attachment; filename="import-sample.csv"'
    assert response.content.decode("utf-8").startswith("\ufeffФамилия;Имя")


def test_the_contact_list_exports_what_it_shows(
    client, head_a, manager_b, django_capture_on_commit_callbacks
):
    from crm.contacts.testing import make_contact

    make_contact(head_a, last_name="Главов", city="Казань")
    make_contact(head_a, last_name="Пермяков", city="Пермь")
    make_contact(manager_b, last_name="Чужов", city="Казань")
    client.force_login(head_a)
    assert 'data-testid="export-form"' in client.get(reverse("contacts:contact_list")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:export_start"), {"format": "csv", "query": "city=Казань"})
    detail = client.get(response["Location"]).content.decode()
    assert 'data-testid="export-download"' in detail
    job_url = response["Location"]
    download = client.get(job_url + "file/")
    text = b"".join(download.streaming_content).decode("utf-8")
    assert "Главов" in text
    assert "Пермяков" not in text
    assert "Чужов" not in text


def test_a_manager_without_the_export_right_sees_no_export_and_cannot_post_one(client, manager_a):
    client.force_login(manager_a)
    assert 'data-testid="export-form"' not in client.get(reverse("contacts:contact_list")).content.decode()
    assert client.post(reverse("imports:export_start"), {"format": "csv"}).status_code == 404
