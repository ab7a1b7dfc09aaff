"""``python -m bench deals``: add deals to a base ``fill`` has loaded (issue 15).

300,000 deals by default in the starter pipeline, on cards of their owner (the card's owner and its
department): 50,000 open, spread over the open stages, the rest won or lost over three years (a few
thousand of them in the last 30 days, which the board's won and lost columns show). The measured manager's
first sample card gets 20 deals (the card case). Each deal has the one stage-history row of its current
stage; amounts from 5,000 to 5,000,000 roubles, one in fifty in dollars or euros. Bulk writes as ``fill``
does them (COPY / executemany, secondary indexes dropped and rebuilt); the sample file gets what
``measure`` needs.
"""

from __future__ import annotations

import json
import random
import time
from typing import Any

from django.db import connection, transaction

from bench.fill import ADMIN, Loader, sample_path
from crm.contacts.models import Contact
from crm.deals.models import Deal, Order, OrderItem, Pipeline, StageChange, StageKind
from crm.fields.models import ChoiceOption

CHUNK = 50_000
TABLES = ["deals_deal", "deals_stagechange", "deals_order", "deals_orderitem"]
CARD_ORDERS = 200
PRODUCTS = 200
DAY = 86400.0
CARD_DEALS = 20
PRODUCT_NAMES = ["Станок", "Насос", "Фильтр", "Подшипник", "Датчик", "Кабель", "Лицензия", "Сервис"]
TITLES = [
    "Поставка оборудования",
    "Годовой сервисный договор",
    "Оптовая партия",
    "Пилотный проект",
    "Расширение лицензий",
    "Монтаж и пусконаладка",
    "Комплектующие на квартал",
]


def _products(rng: random.Random) -> list[tuple[int, str, int]]:
    """A catalogue of ``PRODUCTS`` products, through the product's service (an administrator's)."""
    from crm.accounts.models import User
    from crm.core.audit import SYSTEM
    from crm.deals.services import ProductInput, product_save

    admin = User.objects.get(username=ADMIN)
    made = []
    for n in range(1, PRODUCTS + 1):
        price = rng.randint(1, 500) * 1000
        name = f"{rng.choice(PRODUCT_NAMES)} {n:03d}"
        product = product_save(
            actor=admin,
            product_id=None,
            data=ProductInput(sku=f"BN-{n:04d}", name=name, price=price),
            source=SYSTEM,
        )
        made.append((product.pk, product.name, price))
    return made


def _orders(
    loader: Loader,
    rng: random.Random,
    orders: int,
    heavy: tuple[int, int, int],
    others: list[tuple[int, int, int]],
    products: list[tuple[int, str, int]],
    now: float,
) -> None:
    """Orders over three years, one product line each (the segments ask "bought product X"); the measured
    card gets ``CARD_ORDERS`` of them."""
    order_columns, item_columns = _columns(Order), _columns(OrderItem)
    rows: list[tuple[Any, ...]] = []
    items: list[tuple[Any, ...]] = []
    for pk in range(1, orders + 1):
        card = heavy if pk <= CARD_ORDERS else others[rng.randrange(len(others))]
        product_id, name, price = products[rng.randrange(len(products))]
        quantity = rng.randint(1, 5)
        amount = f"{price * quantity}.00"
        at = loader.ts(now - rng.uniform(0, 3 * 365) * DAY)
        status = "paid" if rng.random() < 0.85 else ("new" if rng.random() < 0.7 else "cancelled")
        order = {
            "id": pk,
            "number": f"Б-{pk:07d}",
            "contact_id": card[0],
            "company_id": None,
            "deal_id": None,
            "ordered_at": at,
            "amount": amount,
            "currency": "RUB",
            "paid": amount if status == "paid" else "0.00",
            "status": status,
            "created_by_id": card[1],
            "created_at": at,
            "updated_at": at,
            "deleted_at": None,
            "deleted_by_id": None,
        }
        rows.append(tuple(order[c] for c in order_columns))
        item = {
            "id": pk,
            "order_id": pk,
            "product_id": product_id,
            "name": name,
            "quantity": f"{quantity}.000",
            "price": f"{price}.00",
            "discount": "0.00",
            "amount": amount,
            "position": 1,
        }
        items.append(tuple(item[c] for c in item_columns))
        if len(rows) >= CHUNK:
            loader.write("deals_order", order_columns, rows)
            loader.write("deals_orderitem", item_columns, items)
            rows, items = [], []
    loader.write("deals_order", order_columns, rows)
    loader.write("deals_orderitem", item_columns, items)


def _columns(model: Any) -> list[str]:
    return [f.column for f in model._meta.local_concrete_fields]


def run(*, deals: int, open_deals: int, orders: int, seed: int) -> None:
    loader = Loader()
    if Deal.objects.exists() or Order.objects.exists():
        raise SystemExit("The database already has deals: fill a fresh base.")
    sample = json.loads(sample_path().read_text())
    rng = random.Random(seed)
    started = time.perf_counter()
    pipeline = Pipeline.objects.order_by("order", "id").first()
    if pipeline is None:
        raise SystemExit("No pipeline: run the migrations first.")
    stages = list(pipeline.stages.all())
    open_stages = [s for s in stages if s.kind == StageKind.OPEN]
    won = next(s for s in stages if s.kind == StageKind.WON)
    lost = next(s for s in stages if s.kind == StageKind.LOST)
    reasons = list(ChoiceOption.objects.filter(choice_list__key="loss_reason").values_list("pk", flat=True))
    sources = list(ChoiceOption.objects.filter(choice_list__key="source").values_list("pk", flat=True))
    products = _products(rng)
    cards = list(Contact.objects.filter(deleted_at=None).values_list("pk", "owner_id", "department_id"))
    heavy_id = sample["manager_contacts"][0]["id"]
    heavy = next(c for c in cards if c[0] == heavy_id)
    others = [c for c in cards if c[0] != heavy_id]  # the measured card holds exactly CARD_DEALS deals
    print(f"{len(cards):,} cards read in {time.perf_counter() - started:.0f} s", flush=True)
    deal_columns, change_columns = _columns(Deal), _columns(StageChange)
    defaults = {f.column: f.get_default() for f in Deal._meta.local_concrete_fields}
    sale_type = Pipeline.objects.order_by("order", "id").values_list("record_type_id", flat=True).first()
    now = time.time()
    loader.prepare()
    with transaction.atomic():
        loader.begin_load()
        rebuild = [sql for _name, sql in loader.drop_indexes(TABLES)]
        rows: list[tuple[Any, ...]] = []
        changes: list[tuple[Any, ...]] = []
        for pk in range(1, deals + 1):
            card = heavy if pk <= CARD_DEALS else others[rng.randrange(len(others))]
            is_open = pk <= open_deals
            if is_open:
                stage = open_stages[rng.randrange(len(open_stages))]
                entered = now - rng.uniform(0, 60) * DAY
            else:
                stage = won if rng.random() < 0.4 else lost
                entered = now - rng.uniform(0, 3 * 365) * DAY
            created = entered - rng.uniform(0, 90) * DAY
            limit = stage.days_limit if is_open else None
            currency = "RUB" if rng.random() < 0.98 else rng.choice(("USD", "EUR"))
            values = {
                "id": pk,
                "title": rng.choice(TITLES),
                "pipeline_id": pipeline.pk,
                "stage_id": stage.pk,
                "status": stage.kind,
                "contact_id": card[0],
                "company_id": None,
                "amount": f"{rng.randint(5, 5000) * 1000}.00",
                "currency": currency,
                "expected_close": None,
                "owner_id": card[1],
                "department_id": card[2],
                "source_id": rng.choice(sources) if sources and rng.random() < 0.7 else None,
                "loss_reason_id": rng.choice(reasons) if stage.kind == StageKind.LOST and reasons else None,
                "loss_comment": "",
                "stage_entered_at": loader.ts(entered),
                "stage_due_at": loader.ts(entered + limit * DAY) if limit else None,
                "checked": "[]",
                "custom": "{}",
                "record_type_id": sale_type,
                "closed_at": None if is_open else loader.ts(entered),
                "created_at": loader.ts(created),
                "updated_at": loader.ts(entered),
                "deleted_at": None,
                "deleted_by_id": None,
            }
            rows.append(tuple(values[c] if c in values else defaults[c] for c in deal_columns))
            change = {
                "id": pk,
                "deal_id": pk,
                "from_stage_id": None,
                "to_stage_id": stage.pk,
                "at": loader.ts(entered),
                "by_id": card[1],
                "seconds_before": None,
            }
            changes.append(tuple(change[c] for c in change_columns))
            if len(rows) >= CHUNK:
                loader.write("deals_deal", deal_columns, rows)
                loader.write("deals_stagechange", change_columns, changes)
                rows, changes = [], []
        loader.write("deals_deal", deal_columns, rows)
        loader.write("deals_stagechange", change_columns, changes)
        print(f"{deals:,} deals in {time.perf_counter() - started:.0f} s", flush=True)
        _orders(loader, rng, orders, heavy, others, products, now)
        print(f"{orders:,} orders in {time.perf_counter() - started:.0f} s", flush=True)
        loaded = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in rebuild:
                cursor.execute(sql)
            if loader.pg:
                for table in TABLES:
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))",
                        [table],
                    )
        print(f"indexes rebuilt in {time.perf_counter() - loaded:.0f} s", flush=True)
        # The purchase history each card keeps, as the services do. On PostgreSQL an UPDATE of 940,000
        # cards with the contacts' indexes in place ran past 20 minutes (every index is updated for every
        # row); the indexes are dropped for it and rebuilt, as ``fill`` does for its load.
        cards_rebuild = [sql for _name, sql in loader.drop_indexes(["contacts_contact"])] if loader.pg else []
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE contacts_contact SET orders_count = o.n, orders_total = o.total, "
                "orders_max = o.largest, last_order_at = o.last FROM (SELECT contact_id, COUNT(*) AS n, "
                "SUM(CASE WHEN currency = 'RUB' THEN amount ELSE 0 END) AS total, "
                "MAX(CASE WHEN currency = 'RUB' THEN amount END) AS largest, MAX(ordered_at) AS last "
                "FROM deals_order WHERE status <> 'cancelled' GROUP BY contact_id) AS o "
                "WHERE contacts_contact.id = o.contact_id"
            )
            for sql in cards_rebuild:
                cursor.execute(sql)
        print(f"purchase history of the cards in {time.perf_counter() - loaded:.0f} s", flush=True)
    loader.analyze([*TABLES, "contacts_contact"])
    sample["deals"] = {
        "pipeline": pipeline.pk,
        "open_stages": [s.pk for s in open_stages],
        "card": heavy_id,
        "deals": deals,
        "open": open_deals,
        "orders": orders,
    }
    sample_path().write_text(json.dumps(sample, ensure_ascii=False, indent=1))
    print(f"total {time.perf_counter() - started:.0f} s; sample updated: {sample_path()}")
