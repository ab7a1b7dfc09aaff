"""``python -m bench timeline``: add timeline entries and tasks to a base ``fill`` has loaded (issue 5).

5,000,000 entries by default: a few "heavy" cards (half of them the measured manager's) hold 1,000 entries
each, the rest are spread over all cards at random (most cards get a handful, some none); kinds, authors,
categories and times as a sales team writes them. Each card's ``last_contact_at`` is then set from its
calls, e-mails, meetings and messages in one UPDATE, as the services keep it. 1,000,000 tasks: on the
cards of their assignee (the card's owner), mostly done and past, the open ones from a month overdue to
two months ahead; reminders already past are marked sent (the worker has been running). Bulk writes as
``fill`` does them (COPY / executemany, secondary indexes dropped and rebuilt); the sample file gets the
heavy cards for ``measure``.
"""

from __future__ import annotations

import json
import random
import time
from typing import Any

from django.db import connection, transaction

from bench.fill import Loader, sample_path
from crm.activities.models import INTERACTIONS, Entry
from crm.contacts.models import Contact
from crm.fields.models import ChoiceOption
from crm.tasks.models import Task

HEAVY = 40  # cards with HEAVY_ENTRIES entries each; half of them the manager's
HEAVY_ENTRIES = 1000
CHUNK = 50_000
DAY = 86400.0
SUMMARIES = [
    "Обсудили условия поставки, ждёт КП",
    "Уточнил объём опта и сроки",
    "Не дозвонился, перезвонить",
    "Клиент просит скидку 5 %",
    "Отправили счёт, ждём оплату",
    "Встреча в офисе, показали образцы",
    "Вопрос по доставке в регион",
    "Жалоба на сроки отгрузки",
    "Подтвердил заказ письмом",
    "Спросил про рассрочку",
]
TASK_TITLES = [
    "Перезвонить клиенту",
    "Отправить КП",
    "Проконтролировать оплату",
    "Подготовить договор",
    "Отправить документы",
    "Назначить встречу",
    "Уточнить реквизиты",
]
KINDS = ["call"] * 40 + ["email"] * 20 + ["meeting"] * 8 + ["message"] * 12 + ["note"] * 18 + ["document"] * 2


def fields_of(model: Any) -> list[str]:
    return [f.column for f in model._meta.local_concrete_fields]


def run(*, entries: int, tasks: int, seed: int) -> None:
    loader = Loader()
    if Entry.objects.exists() or Task.objects.exists():
        raise SystemExit("The database already has timeline entries or tasks: fill a fresh base.")
    sample = json.loads(sample_path().read_text())
    rng = random.Random(seed)
    started = time.perf_counter()
    cards = list(Contact.objects.filter(deleted_at=None).values_list("pk", "owner_id", "department_id"))
    manager_id = Contact.objects.filter(pk=sample["manager_contacts"][0]["id"]).values_list(
        "owner_id", flat=True
    )[0]
    mine = [c for c in cards if c[1] == manager_id]
    heavy = rng.sample(mine, HEAVY // 2) + rng.sample(cards, HEAVY // 2)
    categories = (
        list(ChoiceOption.objects.filter(choice_list__key="activity_category").values_list("pk", flat=True))
        + [None] * 4
    )
    task_categories = (
        list(ChoiceOption.objects.filter(choice_list__key="task_category").values_list("pk", flat=True))
        + [None] * 2
    )
    now = time.time()
    print(f"{len(cards):,} cards read in {time.perf_counter() - started:.0f} s", flush=True)
    entry_columns = fields_of(Entry)
    # A column added to the model later (an automatic entry's about_field) takes its default.
    entry_defaults = {f.column: f.get_default() for f in Entry._meta.local_concrete_fields}
    task_columns = fields_of(Task)
    task_defaults = {f.column: f.get_default() for f in Task._meta.local_concrete_fields}
    loader.prepare()
    with transaction.atomic():
        loader.begin_load()
        rebuild = [sql for _name, sql in loader.drop_indexes(["activities_entry", "tasks_task"])]
        rows: list[tuple[Any, ...]] = []
        pk = 1

        def entry(card: tuple[int, int, int], at: float) -> tuple[Any, ...]:
            kind = rng.choice(KINDS)
            call_like = kind in ("call", "meeting")
            values = {
                "id": pk,
                "kind": kind,
                "occurred_at": loader.ts(at),
                "direction": rng.choice(("in", "out"))
                if kind in ("call", "email", "message", "meeting")
                else "",
                "author_id": card[1],
                "contact_id": card[0],
                "company_id": None,
                "category_id": rng.choice(categories),
                "summary": rng.choice(SUMMARIES),
                "result": "",
                "next_step": "",
                "refusal_reason_id": None,
                "refusal_comment": "",
                "duration_seconds": rng.randint(20, 1800) if call_like else None,
                "recording_url": "",
                "location": "",
                "channel": "telegram" if kind == "message" else "",
                "subject": "Коммерческое предложение" if kind == "email" else "",
                "email_from": "",
                "email_to": "",
                "body_html": "",
                "automatic": False,
                "has_files": False,
                "created_at": loader.ts(at),
                "updated_at": loader.ts(at),
                "deleted_at": None,
                "deleted_by_id": None,
            }
            return tuple(values[c] if c in values else entry_defaults[c] for c in entry_columns)

        for card in heavy:
            for _ in range(HEAVY_ENTRIES):
                rows.append(entry(card, now - rng.uniform(0, 3 * 365) * DAY))
                pk += 1
        for i in range(entries - len(rows)):
            card = cards[rng.randrange(len(cards))]
            rows.append(entry(card, now - rng.uniform(0, 3 * 365) ** 1.0 * DAY))
            pk += 1
            if len(rows) >= CHUNK:
                loader.write("activities_entry", entry_columns, rows)
                rows = []
            if (i + 1) % 1_000_000 == 0:
                print(f"{i + 1:,} entries in {time.perf_counter() - started:.0f} s", flush=True)
        loader.write("activities_entry", entry_columns, rows)
        rows = []
        print(f"{entries:,} entries in {time.perf_counter() - started:.0f} s", flush=True)

        for pk in range(1, tasks + 1):
            card = cards[rng.randrange(len(cards))]
            done = rng.random() < 0.7
            due = now - rng.uniform(1, 180) * DAY if done else now + rng.uniform(-30, 60) * DAY
            all_day = rng.random() < 0.3
            remind = due if rng.random() < 0.9 else None
            values = {
                "id": pk,
                "title": rng.choice(TASK_TITLES),
                "description": "",
                "category_id": rng.choice(task_categories),
                "due_at": loader.ts(due),
                "all_day": all_day,
                "remind_at": loader.ts(remind) if remind else None,
                "reminded_at": loader.ts(remind) if remind and remind < now else None,
                "priority": rng.choice((1, 2, 2, 2, 3, 4)),
                "assignee_id": card[1],
                "author_id": card[1],
                "department_id": card[2],
                "contact_id": card[0] if rng.random() < 0.85 else None,
                "company_id": None,
                "entry_id": None,
                "status": "done" if done else "open",
                "completed_at": loader.ts(due + rng.uniform(-1, 3) * DAY) if done else None,
                "completed_by_id": card[1] if done else None,
                "sequence": 0,
                "created_at": loader.ts(due - 3 * DAY),
                "updated_at": loader.ts(due),
                "deleted_at": None,
                "deleted_by_id": None,
            }
            rows.append(tuple(values[c] if c in values else task_defaults[c] for c in task_columns))
            if len(rows) >= CHUNK:
                loader.write("tasks_task", task_columns, rows)
                rows = []
        loader.write("tasks_task", task_columns, rows)
        print(f"{tasks:,} tasks in {time.perf_counter() - started:.0f} s", flush=True)
        loaded = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in rebuild:
                cursor.execute(sql)
            if loader.pg:
                for table in ("activities_entry", "tasks_task"):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))",
                        [table],
                    )
            print(f"indexes rebuilt in {time.perf_counter() - loaded:.0f} s", flush=True)
            kinds = ", ".join(f"'{k}'" for k in sorted(INTERACTIONS))
            # On PostgreSQL an UPDATE of most cards with the contacts' indexes in place updates each of
            # them for every row (past 20 minutes since the lists and segments added theirs): they are
            # dropped for it and rebuilt, as `deals` does for the purchase history.
            cards_rebuild = (
                [sql for _name, sql in loader.drop_indexes(["contacts_contact"])] if loader.pg else []
            )
            cursor.execute(
                "UPDATE contacts_contact SET last_contact_at = m.at FROM (SELECT contact_id, "
                f"MAX(occurred_at) AS at FROM activities_entry WHERE kind IN ({kinds}) "
                "AND deleted_at IS NULL "
                "GROUP BY contact_id) AS m WHERE contacts_contact.id = m.contact_id"
            )
            updated = cursor.rowcount
            for sql in cards_rebuild:
                cursor.execute(sql)
            print(
                f"last contact of {updated:,} cards in {time.perf_counter() - loaded:.0f} s",
                flush=True,
            )
    loader.analyze(["activities_entry", "tasks_task", "contacts_contact"])
    sample["timeline"] = {
        "heavy_manager": [c[0] for c in heavy[: HEAVY // 2]],
        "heavy_any": [c[0] for c in heavy[HEAVY // 2 :]],
        "entries": entries,
        "tasks": tasks,
    }
    sample_path().write_text(json.dumps(sample, ensure_ascii=False, indent=1))
    print(f"total {time.perf_counter() - started:.0f} s; sample updated: {sample_path()}")
