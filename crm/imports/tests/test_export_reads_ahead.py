"""A worker's export reads its cards in a thread one chunk ahead, and writes every card in name order."""

import threading

import pytest
from django.core.files.storage import default_storage

from crm.contacts import selectors
from crm.contacts.testing import make_contact
from crm.imports.services import export_run, export_start, exporting


@pytest.mark.django_db(transaction=True)
def test_a_worker_export_reads_its_cards_ahead_and_writes_them_all_in_name_order(head_a, monkeypatch):
    for name in ("Яковлев", "Абрамов", "Морозов"):
        make_contact(head_a, last_name=name)
    readers = []
    chunks = selectors.contact_export_chunks

    def spied(**kwargs):
        readers.append(threading.current_thread().name)
        yield from chunks(**kwargs)

    monkeypatch.setattr(exporting, "contact_export_chunks", spied)
    monkeypatch.setattr(exporting, "CHUNK", 2)  # two chunks, the second read while the first is written
    job = export_start(actor=head_a, file_format="csv")  # the worker runs it once committed
    job = export_run(job_id=job.pk)  # done already: the job as it ended
    with default_storage.open(str(job.file.name), "rb") as handle:
        lines = handle.read().decode("utf-8-sig").splitlines()
    assert [line.split(";")[0] for line in lines[1:]] == ["Абрамов", "Морозов", "Яковлев"]
    assert readers == ["read-ahead"]
