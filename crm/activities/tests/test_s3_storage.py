"""Files in S3-compatible storage, as `CRM_S3_BUCKET` configures it, against a real S3 protocol server
(moto in server mode, started by the test): a file attached to a card lands in the bucket, downloads whole
through the API, and leaves the bucket when its card is purged from the trash."""

from __future__ import annotations

import socket

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer

from crm.accounts.services import api_token_create
from crm.activities.services import attachment_add
from crm.contacts.testing import make_contact
from crm.core.audit import SYSTEM

BUCKET = "crm-files"


@pytest.fixture
def s3(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    keys = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "us-east-1"}
    client = boto3.client("s3", endpoint_url=endpoint, **keys)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = settings.STORAGES | {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "access_key": "test",
                "secret_key": "test",
            },
        }
    }
    yield client
    server.stop()


def _keys(client) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_a_file_lives_in_the_bucket_downloads_whole_and_leaves_with_its_purged_card(
    s3, client, manager_a, admin, django_capture_on_commit_callbacks
):
    from crm.contacts.services import contact_delete, contact_purge

    person = make_contact(manager_a, last_name="Файлов", phone="+79160008001")
    content = "Смета на 1 000 000 ₽\n".encode() * 1000
    attachment = attachment_add(
        actor=manager_a, upload=SimpleUploadedFile("smeta.txt", content), contact_id=person.pk, source=SYSTEM
    )
    assert _keys(s3) == [attachment.file.name]

    _, token = api_token_create(actor=manager_a, name="s3", source=SYSTEM)
    response = client.get(f"/api/v1/files/{attachment.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content

    contact_delete(actor=manager_a, contact_id=person.pk, source=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        contact_purge(actor=admin, contact_id=person.pk, source=SYSTEM)
    assert _keys(s3) == []
