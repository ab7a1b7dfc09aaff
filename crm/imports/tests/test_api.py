"""Import and export through the REST API: a file in one multipart call, the worker runs it, its counts and
problems read back, the whole batch undone; an export started, followed and downloaded. Same services
and rights as the wizard."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.accounts.services import api_token_create
from crm.contacts.models import Contact
from crm.core.audit import SYSTEM
from crm.imports.models import ImportBatch
from crm.imports.services import template_save

pytestmark = pytest.mark.django_db
CSV = "Фамилия;Телефон;Заметка\nОрлов;+79160001111;важный\nБез телефона;12;\n;;\n"


def _headers(user):
    _, raw = api_token_create(actor=user, name="script", source=SYSTEM)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _submit(client, headers, text=CSV, **form):
    upload = SimpleUploadedFile("clients.csv", text.encode("cp1251"))
    return client.post("/api/v1/imports", {"file": upload, **form}, **headers)


def test_a_file_is_imported_in_one_call_read_back_and_undone(
    client, head_a, django_capture_on_commit_callbacks
):
    headers = _headers(head_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = _submit(client, headers, on_duplicate="fill")
    assert response.status_code == 202
    batch_id = response.json()["id"]
    got = client.get(f"/api/v1/imports/{batch_id}", **headers).json()
    assert (got["status"], got["created"], got["rejected"]) == ("done", 2, 0)
    assert got["on_duplicate"] == "fill"
    problems = client.get(f"/api/v1/imports/{batch_id}/problems", **headers).json()
    assert [(p["row"], p["rejected"]) for p in problems] == [(2, False)]  # the bad phone, left out
    assert [b["id"] for b in client.get("/api/v1/imports", **headers).json()] == [batch_id]
    assert Contact.objects.filter(deleted_at=None).count() == 2

    undone = client.post(f"/api/v1/imports/{batch_id}/undo", **headers)
    assert undone.json()["status"] == "undone"
    assert Contact.objects.filter(deleted_at=None).count() == 0


def test_a_named_template_maps_the_columns(client, head_a, django_capture_on_commit_callbacks):
    template_save(actor=head_a, name="Без заметок", mapping={"Заметка": ""}, on_duplicate="skip")
    with django_capture_on_commit_callbacks(execute=True):
        response = _submit(client, _headers(head_a), template="Без заметок")
    assert response.json()["template_name"] == "Без заметок"
    assert Contact.objects.get(last_name="Орлов").notes == ""


@pytest.mark.parametrize(
    ("form", "text", "field"),
    [
        ({"template": "Нет такого"}, CSV, "template"),
        ({"on_duplicate": "merge"}, CSV, "on_duplicate"),
        ({}, "", "file"),
        ({}, "\x00\x01\x02" * 50, "file"),
    ],
)
def test_a_bad_import_request_is_refused_naming_the_field_and_nothing_is_kept(
    client, head_a, form, text, field
):
    response = _submit(client, _headers(head_a), text, **form)
    assert response.status_code == 422
    assert [e["field"].rsplit(".", 1)[-1] for e in response.json()["errors"]] == [field]
    assert not ImportBatch.objects.exists()
    assert not Contact.objects.exists()


def test_only_a_role_with_the_import_right_may_import_and_an_import_is_its_authors(client, head_a, manager_a):
    assert _submit(client, _headers(manager_a)).status_code == 403
    assert client.get("/api/v1/imports", **_headers(manager_a)).status_code == 403
    assert not ImportBatch.objects.exists()


def test_a_list_is_exported_followed_and_downloaded(
    client, head_a, manager_b, django_capture_on_commit_callbacks
):
    from crm.contacts.testing import make_contact

    make_contact(head_a, last_name="Главов", phone="+79160000011", city="Казань")
    headers = _headers(head_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/exports",
            {"kind": "contact", "format": "csv", "query": "city=Казань"},
            content_type="application/json",
            **headers,
        )
    assert response.status_code == 202
    job_id = response.json()["id"]
    got = client.get(f"/api/v1/exports/{job_id}", **headers).json()
    assert (got["status"], got["rows_done"]) == ("done", 1)
    download = client.get(f"/api/v1/exports/{job_id}/file", **headers)
    assert download.status_code == 200
    assert "Главов" in b"".join(download.streaming_content).decode("utf-8-sig")
    # Another user, even one who sees nothing of it, never gets the file.
    assert client.get(f"/api/v1/exports/{job_id}/file", **_headers(manager_b)).status_code == 404
