"""Demo deals: each demo manager's board filled across the starter pipeline, some won, some lost."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from crm.accounts.models import User
from crm.contacts.models import Contact
from crm.core.audit import SYSTEM
from crm.core.errors import DomainError
from crm.deals.models import Stage, StageKind
from crm.deals.selectors import loss_reasons
from crm.deals.services import DealInput, deal_create, deal_move

TITLES = [
    "Поставка оборудования",
    "Годовой сервисный договор",
    "Внедрение CRM",
    "Оптовая партия",
    "Пилотный проект",
    "Расширение лицензий",
]


def create_deals(*, per_user: int = 12, seed: int = 17) -> int:
    rng = random.Random(seed)
    stages = list(Stage.objects.filter(pipeline__is_active=True).order_by("pipeline__order", "order"))
    if not stages:
        return 0
    pipeline_id = stages[0].pipeline_id
    stages = [s for s in stages if s.pipeline_id == pipeline_id]
    reasons = [o.pk for o in loss_reasons()]
    made = 0
    for user in User.objects.filter(username__in=("petrov", "sidorova", "smirnov", "ivanova", "kuznetsov")):
        cards = list(Contact.objects.filter(owner=user, deleted_at=None).values_list("pk", flat=True)[:60])
        for _ in range(per_user):
            data = DealInput(
                title=rng.choice(TITLES),
                pipeline_id=pipeline_id,
                amount=rng.choice((45_000, 120_000, 250_000, 480_000, 1_200_000)),
                expected_close=timezone.localdate() + datetime.timedelta(days=rng.randint(-10, 60)),
                contact_id=rng.choice(cards) if cards else None,
            )
            try:
                deal = deal_create(actor=user, data=data, source=SYSTEM)
                target = rng.choice(stages)
                if target.pk != deal.stage_id:
                    lost = target.kind == StageKind.LOST
                    deal_move(
                        actor=user,
                        deal_id=deal.pk,
                        stage_id=target.pk,
                        loss_reason_id=rng.choice(reasons) if lost and reasons else None,
                        source=SYSTEM,
                    )
                made += 1
            except DomainError:
                continue
    return made


PRODUCTS = [
    ("ST-100", "Станок токарный", 450_000, "шт"),
    ("ST-200", "Станок фрезерный", 620_000, "шт"),
    ("NS-10", "Насос центробежный", 38_000, "шт"),
    ("FL-5", "Фильтр масляный", 1_200, "шт"),
    ("KB-3", "Кабель силовой", 180, "м"),
    ("LIC-1", "Лицензия на год", 24_000, "шт"),
    ("SRV-1", "Пусконаладка", 15_000, "ч"),
    ("SRV-2", "Сервисное обслуживание", 9_000, "мес"),
]


def create_orders(*, per_user: int = 10, seed: int = 19) -> int:
    """A small catalogue and a purchase history: each demo manager's clients have orders over the last
    year, some repeat buyers, most paid; the cards then show their orders, total and average."""
    from crm.deals.services import (
        LineInput,
        OrderInput,
        ProductInput,
        order_create,
        payment_add,
        product_save,
    )

    rng = random.Random(seed)
    admin = User.objects.filter(username="admin").first() or User.objects.filter(is_superuser=True).first()
    if admin is None:
        return 0
    products = []
    for sku, name, price, unit in PRODUCTS:
        try:
            products.append(
                product_save(
                    actor=admin,
                    product_id=None,
                    data=ProductInput(sku=sku, name=name, price=price, unit=unit, stock=rng.randint(0, 40)),
                    source=SYSTEM,
                )
            )
        except DomainError:
            continue
    made = 0
    now = timezone.now()
    for user in User.objects.filter(username__in=("petrov", "sidorova", "smirnov", "ivanova", "kuznetsov")):
        cards = list(Contact.objects.filter(owner=user, deleted_at=None).values_list("pk", flat=True)[:30])
        for number in range(per_user):
            if not cards or not products:
                break
            lines = [
                LineInput(product_id=product.pk, quantity=rng.randint(1, 3))
                for product in rng.sample(products, rng.randint(1, 3))
            ]
            data = OrderInput(
                contact_id=rng.choice(cards[:8]),  # a few clients buy again
                number=f"{user.username[:2].upper()}-{number + 1:03d}",
                ordered_at=now - datetime.timedelta(days=rng.randint(0, 365)),
                lines=lines,
            )
            try:
                order = order_create(actor=user, data=data, source=SYSTEM)
                if rng.random() < 0.75:
                    payment_add(actor=user, order_id=order.pk, amount=order.amount, source=SYSTEM)
                made += 1
            except DomainError:
                continue
    return made


CANDIDATES = [
    "Анна Смирнова",
    "Игорь Волков",
    "Мария Лебедева",
    "Павел Соколов",
    "Елена Морозова",
    "Денис Козлов",
    "Ольга Новикова",
    "Артём Фёдоров",
]


def create_candidates(*, seed: int = 23) -> int:
    """Recruiting (R8.8) in use: the recruiting pipeline switched on, and candidates across its stages,
    each with the vacancy, the expected salary and, for some, a résumé."""
    from crm.deals.forms import pipeline_initial
    from crm.deals.models import Pipeline
    from crm.deals.services import pipeline_save
    from crm.fields.models import ChoiceOption

    rng = random.Random(seed)
    admin = User.objects.filter(username="admin").first() or User.objects.filter(is_superuser=True).first()
    recruiter = User.objects.filter(username="ivanova").first() or admin
    pipeline = Pipeline.objects.filter(record_type__kind="deal", record_type__key="candidate").first()
    if admin is None or recruiter is None or pipeline is None:
        return 0
    data = pipeline_initial(pipeline)
    data.is_active = True
    pipeline_save(actor=admin, pipeline_id=pipeline.pk, data=data, source=SYSTEM)
    vacancies = list(ChoiceOption.objects.filter(choice_list__key="vacancy").values_list("pk", flat=True))
    stages = [s for s in pipeline.stages.all() if s.kind == StageKind.OPEN]
    made = 0
    for n, name in enumerate(CANDIDATES):
        custom = {
            "vacancy": rng.choice(vacancies) if vacancies else None,
            "expected_salary": str(rng.choice((70_000, 90_000, 120_000, 150_000))),
            "experience_years": rng.randint(1, 12),
        }
        if n % 2 == 0:
            custom["resume"] = f"https://hh.ru/resume/demo{n + 1}"
        stage = stages[n % len(stages)] if stages else None
        try:
            deal_create(
                actor=recruiter,
                data=DealInput(title=name, stage_id=stage.pk if stage else None, amount=0, custom=custom),
                source=SYSTEM,
            )
            made += 1
        except DomainError:
            continue
    return made


def register() -> None:
    from crm.core.demo import register_demo_step

    register_demo_step("deals", create_deals, order=30)
    register_demo_step("orders", create_orders, order=31)
    register_demo_step("candidates", create_candidates, order=32)
