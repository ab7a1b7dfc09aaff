"""Work split over forked processes comes back whole, in order, with a child's error raised to the caller;
inside a transaction it is not split at all (a child would not see what is uncommitted)."""

import os
import signal
import time

import pytest
from django.db import connection

from crm.core import parallel


def _slow_first(item: int) -> tuple[int, int]:
    time.sleep(0.05 if item == 0 else 0)  # the first item finishes last
    return item * item, os.getpid()


def test_results_come_back_in_the_items_order_from_other_processes():
    results = list(parallel.in_order(_slow_first, list(range(12)), processes=2))
    assert [square for square, _pid in results] == [i * i for i in range(12)]
    assert os.getpid() not in {pid for _square, pid in results}


def _fails_on_three(item: int) -> int:
    if item == 3:
        raise ValueError("row 3 is bad")
    return item


def test_an_error_in_a_child_is_raised_to_the_caller_after_the_items_before_it():
    results = parallel.in_order(_fails_on_three, list(range(6)), processes=2)
    assert [next(results) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(ValueError, match="row 3 is bad"):
        next(results)


def test_the_work_may_close_over_local_state_nothing_is_pickled_but_items():
    words = {1: "один", 2: "два"}  # a closure: not picklable, inherited by the fork
    assert list(parallel.in_order(lambda item: words[item], [2, 1, 2], processes=2)) == ["два", "один", "два"]


@pytest.mark.django_db
def test_inside_a_transaction_work_is_not_split():
    assert connection.in_atomic_block
    assert parallel.available() is False


@pytest.mark.django_db(transaction=True)
def test_each_child_reads_the_database_on_a_connection_of_its_own():
    def read(_item: int) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return int(cursor.fetchone()[0])

    assert parallel.available() is (parallel.cores() > 1)
    assert list(parallel.in_order(read, [0, 1, 2, 3], processes=2)) == [1, 1, 1, 1]
    assert read(0) == 1  # the caller's own connection opens again after the fork


def _stops_by_default(_item: int) -> bool:
    return signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_child_stops_on_sigterm_whatever_handler_the_parent_has():
    """The worker's consumer handles SIGTERM (a graceful stop); a child inheriting that handler outlived
    the pool's terminate() after an error, and its parent waited for it forever."""
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        assert list(parallel.in_order(_stops_by_default, [0, 1], processes=2)) == [True, True]
    finally:
        signal.signal(signal.SIGTERM, previous)
