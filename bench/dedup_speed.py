"""``python -m bench dedup [--runs N] [--finder]``: the duplicate finder's speed on the filled base.

- The check each new card gets (``duplicates_check`` of one card, as the worker runs it after a write):
  on N cards picked at random, each in a transaction rolled back, so the base is left as it was; printed
  as median and p95 milliseconds.
- With ``--finder``: the whole-base run (``duplicates_find``, weekly and on demand), timed once; it
  replaces the open pairs with those it finds, as the product's run does.
"""

from __future__ import annotations

import random
import statistics
import time

from django.db import transaction

from crm.contacts.models import Contact
from crm.duplicates.models import DuplicatePair
from crm.duplicates.services import duplicates_check, duplicates_find


class _Rollback(Exception):
    pass


def run(*, runs: int, finder: bool, seed: int = 20261207) -> None:
    last = Contact.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    rng = random.Random(seed)
    picked: list[int] = []
    while len(picked) < runs + 5 and last:
        pk = rng.randint(1, last)
        if Contact.objects.filter(pk=pk, deleted_at=None).exists():
            picked.append(pk)
    times, found = [], 0
    for index, pk in enumerate(picked):
        started = time.perf_counter()
        try:
            with transaction.atomic():
                found += duplicates_check([pk])
                raise _Rollback
        except _Rollback:
            pass
        if index >= 5:  # the first few warm the caches
            times.append((time.perf_counter() - started) * 1000)
    if times:
        p95 = statistics.quantiles(times, n=20)[-1]
        print(
            f"on-create check: {len(times)} cards, median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms"
        )
        print(f"pairs the checked cards would add: {found}")
    if finder:
        started = time.perf_counter()
        open_pairs = duplicates_find()
        print(f"finder over the whole base: {time.perf_counter() - started:.1f} s, {open_pairs} open pairs")
        print(f"pairs stored: {DuplicatePair.objects.count()}")
