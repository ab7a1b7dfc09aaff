"""Demo tasks: a full "my day" for each demo manager (overdue, today, this week), on their own cards."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from crm.accounts.models import User
from crm.contacts.models import Contact
from crm.core.audit import SYSTEM
from crm.core.errors import DomainError
from crm.fields.models import ChoiceOption
from crm.tasks.models import CATEGORY_LIST
from crm.tasks.services import TaskInput, task_create

TITLES = [
    "Перезвонить по КП",
    "Отправить договор",
    "Проконтролировать оплату",
    "Назначить встречу",
    "Уточнить реквизиты",
]


def create_tasks(*, per_user: int = 8, seed: int = 13) -> int:
    rng = random.Random(seed)
    now = timezone.now()
    categories = list(
        ChoiceOption.objects.filter(choice_list__key=CATEGORY_LIST).values_list("pk", flat=True)
    )
    made = 0
    for user in User.objects.filter(username__in=("petrov", "sidorova", "smirnov", "ivanova", "kuznetsov")):
        cards = list(Contact.objects.filter(owner=user, deleted_at=None).values_list("pk", flat=True)[:50])
        for _ in range(per_user):
            due = now + datetime.timedelta(hours=rng.randint(-72, 170))
            data = TaskInput(
                title=rng.choice(TITLES),
                due_at=due,
                all_day=rng.random() < 0.3,
                priority=rng.choice((1, 2, 2, 3, 4)),
                category_id=rng.choice(categories) if categories else None,
                contact_id=rng.choice(cards) if cards else None,
            )
            try:
                task_create(actor=user, data=data, source=SYSTEM)
                made += 1
            except DomainError:
                continue
    return made


def register() -> None:
    from crm.core.demo import register_demo_step

    register_demo_step("tasks", create_tasks, order=20)
