"""``python -m bench measure``: server time of search, lists and the card on the filled database.

Each case is a real GET through ``django.test.Client`` (middleware, view, selectors, template) in this
process, timed with ``time.perf_counter`` around the request, for an administrator (scope "all") and a
manager (scope "own"). A few warm-up requests run first; one more request per case is made under
``CaptureQueriesContext`` (the url that was slowest, once more) to count its queries and, with
``--explain``, to plan its slowest query.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from bench import data
from bench.fill import OUT_DIR, national, sample_path
from crm.accounts.models import User
from crm.contacts import selectors
from crm.core.pagination import encode_cursor

TARGETS = {"search": 30.0, "list": 100.0, "card": 50.0}  # p95 ms; the card also at most 15 queries
CARD_QUERIES = 15
HTMX = {"HX-Request": "true"}
ROW = re.compile(rb'href="/contacts/\d+/"')
# Static files are served by whitenoise from a manifest that a benchmark data directory does not have.
PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@dataclass
class Result:
    case: str
    user: str
    median: float
    p95: float
    queries: int
    found: str
    slowest_sql: str

    @property
    def target(self) -> float:
        return TARGETS[self.case.split(":")[0]]

    @property
    def meets(self) -> bool:
        if self.case.startswith("card") and self.queries > CARD_QUERIES:
            return False
        return self.p95 <= self.target


def deep_cursor(user: User, **filters: Any) -> tuple[str, int]:
    """The cursor of the last full page in name order: one OFFSET query, run once at setup."""
    qs = selectors.contacts_visible(user).filter(**filters).order_by("name_key", "id")
    total = qs.count()
    key, pk = qs.values_list("name_key", "id")[max(total - 51, 0)]
    return encode_cursor([key, pk]), total


def cases(user: User, sample: dict[str, Any], own: bool) -> list[tuple[str, list[str], dict[str, str]]]:
    contacts = sample["manager_contacts" if own else "contacts"]

    def search(values: list[str]) -> list[str]:
        return ["/search/?" + urlencode({"q": v}) for v in values]

    deep, total = deep_cursor(user)
    deep_active, total_active = deep_cursor(user, base_type="active")
    return [
        ("search: phone 8 (9xx) xxx-xx-xx", search([national(c["phone"]) for c in contacts]), HTMX),
        ("search: phone, last 7 digits", search([c["phone"][-7:] for c in contacts]), HTMX),
        ("search: e-mail", search([c["email"] for c in contacts if c["email"]]), HTMX),
        ("search: name prefix (3–4 letters)", search([c["name_prefix"] for c in contacts]), HTMX),
        ("search: misspelled last name", search([c["misspelled"] for c in contacts]), HTMX),
        # Not one of the cases: a first name alone takes the slower any-word path; for the record.
        ("search: first name alone", search(data.MALE_FIRST[:25] + data.FEMALE_FIRST[:25]), HTMX),
        ("search: INN", search(sample["inns"]), HTMX),
        ("list: page 1, ?base_type=active&sort=name", ["/contacts/?base_type=active&sort=name"], {}),
        (
            f"list: deep page, sort=name (row {total - 50:,} of {total:,})",
            [f"/contacts/?sort=name&after={deep}"],
            {},
        ),
        (
            f"list: deep page, base_type=active (row {total_active - 50:,} of {total_active:,})",
            [f"/contacts/?base_type=active&sort=name&after={deep_active}"],
            {},
        ),
        ("card: /contacts/<id>/", [f"/contacts/{c['id']}/" for c in contacts], {}),
    ]


def found(case: str, body: bytes) -> str:
    if case.startswith("search"):
        return f"{body.count(b'data-hit')} hits"
    if case.startswith("list"):
        return f"{len(ROW.findall(body))} rows"
    return "ok"


def measure_case(
    client: Client, urls: list[str], headers: dict[str, str], runs: int, warmup: int
) -> tuple[list[float], str]:
    """Times in ms of ``runs`` requests cycling through ``urls``, and the url of the slowest one."""
    for i in range(warmup):
        client.get(urls[i % len(urls)], headers=headers)
    times: list[float] = []
    slowest = (0.0, urls[0])
    for i in range(runs):
        url = urls[i % len(urls)]
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        slowest = max(slowest, (times[-1], url))
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}")
    return times, slowest[1]


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[-1]


def run(*, runs: int, warmup: int, explain: bool) -> Path:
    vendor = connection.vendor
    sample = json.loads(sample_path().read_text())
    results: list[Result] = []
    with override_settings(STORAGES=PLAIN_STATIC):
        for username, own in ((sample["admin"], False), (sample["manager"], True)):
            user = User.objects.select_related("role").get(username=username)
            client = Client()
            client.force_login(user)
            label = f"{user.role.code} ({'own' if own else 'all'})"
            for case, urls, headers in cases(user, sample, own):
                try:
                    times, worst_url = measure_case(client, urls, headers, runs, warmup)
                    with CaptureQueriesContext(connection) as queries:  # the slowest request, once more
                        body = client.get(worst_url, headers=headers).content
                except Exception as exc:  # a broken page is a result too; the other cases still run
                    print(f"{label:<14} {case:<60} ERROR {exc!r:.200}", flush=True)
                    results.append(
                        Result(case, label, float("nan"), float("nan"), 0, f"error: {exc!r:.80}", "")
                    )
                    continue
                plain = [q for q in queries.captured_queries if not q["sql"].startswith("EXPLAIN")]
                slowest = max(plain, key=lambda q: float(q["time"]))["sql"]
                result = Result(
                    case,
                    label,
                    statistics.median(times),
                    p95(times),
                    len(queries),
                    found(case, body),
                    slowest,
                )
                results.append(result)
                print(
                    f"{label:<14} {case:<60} {result.median:8.1f} {result.p95:8.1f} {result.queries:3d}",
                    flush=True,
                )
    table = markdown(results, vendor, sample["contact_count"], runs)
    print(table)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"results-{vendor}.md"
    path.write_text(table)
    if explain:
        plans = OUT_DIR / f"plans-{vendor}.md"
        plans.write_text(explain_all(results, vendor))
        print(f"plans of the slowest queries: {plans}")
    return path


def markdown(results: list[Result], vendor: str, contacts: int, runs: int) -> str:
    lines = [
        f"{vendor}, {contacts:,} contacts, {runs} runs per case, "
        f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC",
        "",
        "| case | database | user | median ms | p95 ms | queries | result | target (p95) |",
        "| --- | --- | --- | ---: | ---: | ---: | --- | --- |",
    ]
    for r in results:
        goal = f"≤ {r.target:.0f} ms" + (f", ≤ {CARD_QUERIES} q" if r.case.startswith("card") else "")
        mark = "met" if r.meets else "**MISSED**"
        lines.append(
            f"| {r.case} | {vendor} | {r.user} | {r.median:.1f} | {r.p95:.1f} | {r.queries} | {r.found} "
            f"| {goal}: {mark} |"
        )
    return "\n".join(lines) + "\n"


def explain_all(results: list[Result], vendor: str) -> str:
    parts = []
    plan: Callable[[str], str] = explain_pg if vendor == "postgresql" else explain_sqlite
    for r in results:
        if not r.slowest_sql:
            continue
        try:
            text = plan(r.slowest_sql)
        except Exception as exc:  # one unplannable query must not lose the others
            text = f"cannot explain: {exc!r}"
        parts.append(f"## {r.user}: {r.case}\n\n```sql\n{r.slowest_sql}\n```\n\n```\n{text}\n```\n")
    return "\n".join(parts)


def explain_pg(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def explain_sqlite(sql: str) -> str:
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(sql)
        cursor.fetchall()
        took = (time.perf_counter() - started) * 1000
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return (
            "\n".join(f"{row[0]:>4} {row[1]:>4} {row[3]}" for row in cursor.fetchall())
            + f"\n-- {took:.1f} ms"
        )
