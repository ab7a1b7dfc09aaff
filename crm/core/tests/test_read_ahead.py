"""Reading ahead: the items come in order from a thread of their own, its errors reach the reader, and a
reader that stops early stops the thread."""

import itertools
import threading

import pytest

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
