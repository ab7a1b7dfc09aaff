"""Reading ahead: the items come in order from a thread of their own, its errors reach the reader, and a
reader that stops early stops the thread."""

import itertools
import threading

import pytest
from django.core.files.storage import default_storage

from crm.contacts.testing import make_contact
from crm.core.read_ahead import read_ahead


def test_the_items_come_in_their_order_from_another_thread():
    seen = []

    def make():
        for i in range(50):
            seen.append(threading.current_thread().name)
            yield i

    assert list(read_ahead(make)) == list(range(50))
    assert set(seen) == {"read-ahead"}


def test_an_error_while_reading_reaches_the_reader_after_the_items_before_it():
    def make():
        yield from (1, 2, 3)
        raise ValueError("the disk is gone")

    items = read_ahead(make)
    assert [next(items) for _ in range(3)] == [1, 2, 3]
    with pytest.raises(ValueError, match="the disk is gone"):
        next(items)


def test_a_reader_that_stops_early_stops_the_thread():
    before = threading.active_count()
    for item in read_ahead(lambda: itertools.count()):
        if item == 5:
            break
    assert threading.active_count() == before


@pytest.mark.django_db
def test_inside_a_transaction_the_items_are_read_in_turn_where_they_can_see_it():
    """A thread's own connection would not see what this transaction has not committed."""
    readers = []

    def make():
        readers.append(threading.current_thread().name)
        yield 1

    assert list(read_ahead(make)) == [1]
    assert readers == [threading.current_thread().name]


@pytest.mark.django_db(transaction=True)
def test_a_worker_export_reads_its_cards_ahead_and_writes_them_all_in_name_order(head_a, monkeypatch):
    from crm.contacts import selectors
    from crm.imports.services import export_run, export_start, exporting

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
    with default_storage.open(job.file.name, "rb") as handle:
        lines = handle.read().decode("utf-8-sig").splitlines()
    assert [line.split(";")[0] for line in lines[1:]] == ["Абрамов", "Морозов", "Яковлев"]
    assert readers == ["read-ahead"]
