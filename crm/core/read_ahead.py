"""Reading ahead in a thread: while the caller works on one chunk, the next one is read.

A database waits on its server (PostgreSQL) or in C (SQLite) with Python's lock released, so a long
export overlaps its reading with its writing on two cores instead of doing one after the other.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.db import connection, connections

T = TypeVar("T")


def read_ahead(make: Callable[[], Iterator[T]], depth: int = 2) -> Iterator[T]:
    """The items of ``make()``, read by a thread of their own at most ``depth`` items ahead.

    The thread has its own database connection and so sees only what is committed: inside a transaction
    (a caller's atomic block, a test) the items are read here, in turn, as before."""
    if connection.in_atomic_block:
        yield from make()
        return
    items: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(message: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                items.put(message, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False  # the reader left early (an error of its own, or it was closed)

    def work() -> None:
        try:
            for item in make():
                if not put(("item", item)):
                    return
            put(("done", None))
        except BaseException as exc:  # handed to the reader, which raises it
            put(("error", exc))
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(target=work, name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = items.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        thread.join()
