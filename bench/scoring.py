"""``python -m bench scoring``: lead signals on a filled base, and the scoring's work on them, timed (R5.4).

Loads ``signals`` signals (2,000,000 by default) on ``people`` people (300,000) over the last 120 days,
mostly mailing opens and page visits, with their points from the default rules, as ``fill`` loads (COPY /
executemany, indexes dropped and rebuilt). Then times:

- the first count of every score (the nightly ``fade_scores`` on a base none was counted on yet);
- the next night's recount (a day later: every score fades a step, most bands stay);
- one signal from the API's service (``signals_record``), p50 / p95 over ``runs`` runs: its insert and
  the person's recount;
- a call of 1,000 signals on 1,000 people (the mailing tool's batch).

Run it once per base: the signals stay (a second run refuses, as ``timeline`` does).
"""

from __future__ import annotations

import datetime
import json
import random
import statistics
import time
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from bench.fill import Loader, sample_path
from crm.accounts.models import User
from crm.contacts.models import Contact
from crm.core.audit import SYSTEM
from crm.scoring.models import Score, Signal
from crm.scoring.selectors import active_rules
from crm.scoring.services import SignalInput, points_for, scores_recount_all, signals_record

CHUNK = 50_000
DAY = 86400.0
ACTIONS = ["email_opened"] * 5 + ["page_visited"] * 3 + ["link_clicked", "form_filled", "unsubscribed"]
PAGES = [
    "https://example.ru/",
    "https://example.ru/catalog",
    "https://example.ru/prices",
    "https://example.ru/blog",
]


def run(*, signals: int, people: int, runs: int, seed: int, nights: int = 0) -> None:
    if nights:  # the base is loaded already: time that many nights' fading, one after another
        for night in range(1, nights + 1):
            started = time.perf_counter()
            changed = scores_recount_all(today=timezone.localdate() + datetime.timedelta(days=night))
            print(
                f"night {night}: {changed:,} scores changed in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
        return
    if Signal.objects.exists():
        raise SystemExit("The database has lead signals already: the figures are for a first load.")
    rng = random.Random(seed)
    loader = Loader()
    sample = json.loads(sample_path().read_text())
    admin = User.objects.select_related("role").get(username=sample["admin"])
    started = time.perf_counter()
    ids = list(Contact.objects.filter(deleted_at=None).order_by("pk").values_list("pk", flat=True))
    chosen = rng.sample(ids, min(people, len(ids)))
    rules = active_rules()
    tz = timezone.get_current_timezone()
    now = time.time()
    print(
        f"{connection.vendor}: {len(chosen):,} people chosen in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    columns = ["contact_id", "action", "occurred_at", "day", "address", "points", "channel", "created_at"]
    seen: set[tuple[int, str, str, str]] = set()
    loader.prepare()
    with transaction.atomic():
        loader.begin_load()
        rebuild = [sql for _name, sql in loader.drop_indexes(["scoring_signal"])]
        rows: list[tuple[Any, ...]] = []
        made = 0
        while made < signals:
            pk = rng.choice(chosen)
            action = rng.choice(ACTIONS)
            at = now - rng.uniform(0, 120) * DAY
            day = datetime.datetime.fromtimestamp(at, tz).date().isoformat()
            address = rng.choice(PAGES) if action in ("page_visited", "link_clicked") else ""
            if (pk, action, day, address) in seen:  # the unique key stays: once a day per kind and page
                continue
            seen.add((pk, action, day, address))
            stamp = loader.ts(at)
            rows.append((pk, action, stamp, day, address, points_for(rules, action, address), "api", stamp))
            made += 1
            if len(rows) >= CHUNK:
                loader.write("scoring_signal", columns, rows)
                rows = []
        loader.write("scoring_signal", columns, rows)
        with connection.cursor() as cursor:
            for sql in rebuild:
                cursor.execute(sql)
    loader.analyze(["scoring_signal"])
    print(f"{signals:,} signals loaded in {time.perf_counter() - started:.0f} s", flush=True)

    started = time.perf_counter()
    changed = scores_recount_all()
    print(
        f"first count of every score: {changed:,} scores in {time.perf_counter() - started:.1f} s", flush=True
    )
    hot = Score.objects.filter(band="hot").count()
    warm = Score.objects.filter(band="warm").count()
    print(f"  hot {hot:,}, warm {warm:,}, scored {Score.objects.count():,}", flush=True)
    started = time.perf_counter()
    changed = scores_recount_all(today=timezone.localdate() + datetime.timedelta(days=1))
    print(
        f"the next night's fading: {changed:,} scores changed in {time.perf_counter() - started:.1f} s",
        flush=True,
    )

    times = []
    for n in range(runs):
        person = chosen[n % len(chosen)]
        item = SignalInput(action="page_visited", contact_id=person, address=f"https://example.ru/bench/{n}")
        begun = time.perf_counter()
        signals_record(actor=admin, items=[item], source=SYSTEM)
        times.append((time.perf_counter() - begun) * 1000)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"one signal (record + recount): p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms", flush=True
    )
    batch = [
        SignalInput(action="email_opened", contact_id=pk, occurred_at=timezone.now())
        for pk in rng.sample(chosen, min(1000, len(chosen)))
    ]
    begun = time.perf_counter()
    done = signals_record(actor=admin, items=batch, source=SYSTEM)
    taken = time.perf_counter() - begun
    print(f"a call of {len(batch):,} signals: {done.recorded:,} recorded in {taken:.2f} s", flush=True)
