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


def register() -> None:
    from crm.core.demo import register_demo_step

    register_demo_step("deals", create_deals, order=30)
