"""``python -m bench bulk``: a bulk tag of 100,000 cards and its undo, timed (issue 15: each ≤ 10 s);
``--verb task``: a task for each of them instead; ``--verb done`` or ``--verb due``: as many open tasks
(those ``bench timeline`` made) marked done, or moved a fortnight on, and put back; ``--verb reopen``: as
many done tasks opened again, and closed again by the undo as they were.

The cards are a segment's members: the administrator's "no contact for 90 days" (the seeds' segment, most
of the base), the first ``cards`` of them by id chosen as the bulk action's selection, so every run tags
the same number. The action runs as the worker runs it (``bulk_run``), then is undone (``bulk_undo_run``);
both stay in the journal, as a day's work would. Prints each phase's seconds and the cards per second.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.db import connection
from django.utils import timezone

from bench.fill import sample_path
from crm.accounts.models import User
from crm.core.audit import SYSTEM
from crm.segments.selectors import members
from crm.segments.services import bulk_run, bulk_start, bulk_undo, bulk_undo_run


def run(*, cards: int, tag: str, verb: str = "tag") -> None:
    import json

    sample = json.loads(sample_path().read_text())
    admin = User.objects.select_related("role").get(username=sample["admin"])
    definition = {"match": "all", "rules": [{"field": "last_contact", "op": "older_days", "value": 90}]}
    kind = "task" if verb in ("done", "due", "reopen") else "contact"
    if kind == "task":
        status = "done" if verb == "reopen" else "open"
        definition = {"match": "all", "rules": [{"field": "status", "op": "in", "value": [status]}]}
    started = time.perf_counter()
    ids = list(
        members(user=admin, kind=kind, definition=definition)
        .order_by("pk")
        .values_list("pk", flat=True)[:cards]
    )
    print(
        f"{connection.vendor}: {len(ids):,} members chosen in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    if verb == "task":
        due = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
        params: dict[str, Any] = {"title": "Позвонить: бенчмарк", "due": due}
    elif verb in ("done", "reopen"):
        params = {"task_status": "done" if verb == "done" else "open"}
        verb = "status"
    elif verb == "due":
        params = {"due": (timezone.localdate() + datetime.timedelta(days=14)).isoformat()}
    else:
        params = {"tag": tag}
    action = bulk_start(actor=admin, verb=verb, params=params, kind=kind, ids=ids, source=SYSTEM)
    started = time.perf_counter()
    done = bulk_run(action_id=action.pk)
    tagged = time.perf_counter() - started
    print(
        f"bulk {verb}: {done.changed:,} of {done.total:,} cards done in {tagged:.1f} s "
        f"({done.changed / tagged:,.0f} cards/s), status {done.status}",
        flush=True,
    )
    bulk_undo(actor=admin, action_id=action.pk, source=SYSTEM)
    started = time.perf_counter()
    undone = bulk_undo_run(action_id=action.pk)
    taken = time.perf_counter() - started
    print(
        f"undo: {undone.done:,} cards (or tasks) put back in {taken:.1f} s "
        f"({undone.done / taken:,.0f} a second), "
        f"status {undone.status}",
        flush=True,
    )
