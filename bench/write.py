"""``python -m bench write --rows N``: N generated new contacts written through the product's own batch path
(``crm.contacts.services.contacts_create``: the same cleaning, checks, duplicate guard and journal as a
single create), into whatever base the settings point at, empty or filled.

Each contact has two phones written as people type them, an e-mail, a company (one of the base's, or a new
one for one row in twenty) and one or two tags. Only the write is timed; the last line printed is
``rows/s N`` (cards written per second). Before it, where the time went: each stage of the path, and the
inserts of each table (the database's own work, with the little it takes to hand the rows over), whose sum
is the most any code above the database could reach.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import Q

from bench import data
from crm.accounts.models import Role, User
from crm.contacts.inputs import ContactInput, EmailInput, PhoneInput
from crm.contacts.models import Company, ContactPhone
from crm.contacts.services import contact_rows, contacts_create, search_index
from crm.core import bulk
from crm.core.audit import ChangeSource
from crm.core.models import ChangeChannel

WRITER = "bench_writer"


def writer() -> User:
    """The administrator the rows are written as: the base's own, or one made for an empty base (a
    fixture, like the users of ``bench fill``)."""
    admin = Role.objects.get(code="admin")
    user = User.objects.filter(is_active=True, role=admin).order_by("pk").first()
    return user or User.objects.create_user(username=WRITER, password=secrets.token_urlsafe(), role=admin)


def generate(count: int, seed: int) -> list[ContactInput]:
    rng = random.Random(seed)
    token = secrets.token_hex(3)  # a run's own addresses: several runs into one base never collide
    # A run's own numbers too: numbers the base already holds (its own mobiles, earlier runs) are skipped,
    # so every row is new and the figure counts writes, not refusals.
    taken = {
        number[5:]
        for number in ContactPhone.objects.filter(
            Q(number__startswith="+7977") | Q(number__startswith="+7978")
        ).values_list("number", flat=True)
    }
    free = (n for n in itertools.count(secrets.randbelow(10**6)) if f"{n % 10**7:07d}" not in taken)
    companies = list(Company.objects.filter(deleted_at=None).values_list("name", flat=True)[:2000])
    if not companies:  # an empty base: a pool of names, each created by its first row
        roots, tails = data.COMPANY_ROOTS, data.COMPANY_TAILS
        companies = [f"{rng.choice(roots)}{rng.choice(tails)} {k}" for k in range(500)]
    rows = []
    for i in range(count):
        male = rng.random() < 0.5
        last = rng.choice(data.LAST_NAMES)[0 if male else 1]
        first = rng.choice(data.MALE_FIRST if male else data.FEMALE_FIRST)
        middle = rng.choice(data.PATRONYMICS)[0 if male else 1]
        n = next(free) % 10**7
        mobile = f"8 (977) {n // 10000:03d}-{n // 100 % 100:02d}-{n % 100:02d}"
        work = f"+7 978 {n // 10000:03d} {n // 100 % 100:02d} {n % 100:02d}"
        latin = last.lower().translate(data.TRANSLIT)
        company = rng.choice(companies) if rng.random() < 0.95 else f"ООО Новая {token}-{i}"
        rows.append(
            ContactInput(
                last_name=last,
                first_name=first,
                middle_name=middle,
                phones=[PhoneInput(mobile), PhoneInput(work, kind="work")],
                emails=[EmailInput(f"{latin}.{i}@w{token}.ru")],
                company_name=company,
                position=rng.choice(data.POSITIONS),
                tags=rng.sample(data.TAGS, rng.choice((1, 2))),
                city=rng.choice(data.CITIES),
            )
        )
    return rows


@contextlib.contextmanager
def timed_stages() -> Iterator[Counter[str]]:
    """Seconds spent in each stage of the batch path and in each table's inserts, while inside."""
    spent: Counter[str] = Counter()
    patched: list[tuple[Any, str, Callable[..., Any]]] = []

    def wrap(module: Any, name: str, label: Callable[..., str]) -> None:
        original = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label(*args)] += time.perf_counter() - started

        patched.append((module, name, original))
        setattr(module, name, timed)

    for stage in ("clean", "check", "write_new"):
        wrap(contact_rows, stage, lambda *a, stage=stage: stage)
    wrap(bulk, "insert_rows", lambda model, *a: f"insert {model._meta.db_table}")
    wrap(search_index, "_reindex", lambda kind, *a: f"search index ({kind})")
    try:
        yield spent
    finally:
        for module, name, original in patched:
            setattr(module, name, original)


def run(*, rows: int, seed: int) -> None:
    actor = writer()
    inputs = generate(rows, seed)
    source = ChangeSource(channel=ChangeChannel.IMPORT)
    with timed_stages() as spent:
        started = time.perf_counter()
        result = contacts_create(actor=actor, rows=inputs, source=source)
        elapsed = time.perf_counter() - started
    written = len(result.ok)
    refused = len(result.rows) - written
    print(f"written {written:,}, refused {refused:,} (batch {result.id}) in {elapsed:.1f} s")
    inserts = sum(v for k, v in spent.items() if k.startswith(("insert", "search")))
    other = elapsed - spent["clean"] - spent["check"] - spent["write_new"]
    lines = [*spent.most_common(), ("all inserts", inserts), ("commits and the rest", other)]
    for label, seconds in lines:
        print(f"  {label:<36} {seconds:7.2f} s {seconds / max(written, 1) * 1e6:8.1f} µs/row")
    print(f"  {'(stages nest: write_new holds the inserts)':<36}")
    print(f"rows/s {written / elapsed:.0f}")
