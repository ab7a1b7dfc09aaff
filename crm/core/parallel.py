"""Long work split over the machine's cores: a function run on each item by forked processes, the results
given back in the items' order.

Python runs one thread at a time, so a million-row export formats its rows on one core; the other idles.
Forked processes inherit the function and everything it closes over (columns, caches, the language), so
only the items and the results cross between processes. Each process opens its own database connections:
a connection is never shared across a fork, so the parent closes its own before forking.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from multiprocessing import util
from typing import Any, TypeVar

from django.db import connection, connections

T = TypeVar("T")
R = TypeVar("R")

_work: Callable[[Any], Any] | None = None  # set in the parent just before the fork; inherited by the children


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def available() -> bool:
    """Whether work can be split here: more than one core, a platform that forks, and no transaction open.
    A child's own connection sees only what is committed, so inside a transaction (a caller's atomic block,
    a test) the work stays in this process."""
    forks = "fork" in multiprocessing.get_all_start_methods()
    return cores() > 1 and forks and not connection.in_atomic_block


def in_order(work: Callable[[T], R], items: list[T], processes: int | None = None) -> Iterator[R]:
    """``work(item)`` for each item, done by ``processes`` forked processes (one per core by default),
    yielded in the items' order as they are done. An error in a child is raised here; leaving early stops
    the children."""
    global _work
    connections.close_all()
    _work = work
    pool = multiprocessing.get_context("fork").Pool(processes or cores(), initializer=_child_started)
    finished = False
    try:
        yield from pool.imap(_call, items)
        finished = True
    finally:
        _work = None
        if finished:
            pool.close()  # the children leave by themselves and close their connections
        else:
            pool.terminate()
        pool.join()


def _child_started() -> None:
    # The parent's signal handlers (the worker's graceful stop on SIGTERM) are not the child's: with one,
    # a child waiting for work would outlive the pool's terminate() and its parent would wait forever.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    # A child closes its database connections when it leaves, so the server sees a clean goodbye.
    util.Finalize(None, connections.close_all, exitpriority=10)


def _call(item: Any) -> Any:
    assert _work is not None, "in_order sets the work before forking"
    return _work(item)
