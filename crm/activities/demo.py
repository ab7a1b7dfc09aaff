"""Demo timeline: calls, meetings, notes and e-mails on a few hundred demo cards, written through the
services (so last contact, the journal and next-step tasks come out as they do in real use)."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from crm.activities.models import CATEGORY_LIST, REFUSAL_LIST
from crm.activities.services import EntryInput, entry_create
from crm.contacts.models import Contact
from crm.core.audit import SYSTEM
from crm.core.errors import DomainError
from crm.fields.models import ChoiceOption

CALLS = [
    ("Обсудили условия поставки, клиент ждёт КП", "Интерес есть"),
    ("Уточнил объём опта и сроки отгрузки", "Нужен расчёт"),
    ("Не дозвонился, занято", ""),
    ("Клиент просит скидку 5 % при предоплате", "Согласовать с руководителем"),
    ("Вопрос по доставке в Казань", "Отправить условия"),
]
NOTES = [
    "Предпочитает звонки после обеда",
    "ЛПР — коммерческий директор",
    "Работает с конкурентом по договору до марта",
]
STEPS = ["отправить КП до {d}", "перезвонить {d} в 11:00", "выставить счёт до {d}"]


def create_timeline(*, cards: int = 300, seed: int = 11) -> int:
    rng = random.Random(seed)
    now = timezone.now()
    categories = list(
        ChoiceOption.objects.filter(choice_list__key=CATEGORY_LIST).values_list("pk", flat=True)
    )
    reasons = list(ChoiceOption.objects.filter(choice_list__key=REFUSAL_LIST).values_list("pk", flat=True))
    written = 0
    for contact in Contact.objects.filter(deleted_at=None).select_related("owner").order_by("?")[:cards]:
        owner = contact.owner
        if owner is None:
            continue
        for n in range(rng.randint(1, 6)):
            at = now - datetime.timedelta(days=rng.uniform(0, 200), minutes=rng.randint(0, 600))
            kind = rng.choice(["call", "call", "call", "meeting", "note", "email", "message"])
            summary, result = rng.choice(CALLS)
            data = EntryInput(
                kind=kind,
                contact_id=contact.pk,
                occurred_at=at,
                direction=rng.choice(["in", "out"]) if kind != "note" else "",
                category_id=rng.choice(categories) if categories and rng.random() < 0.7 else None,
                summary=rng.choice(NOTES) if kind == "note" else summary,
                result=result if kind == "call" else "",
                duration_seconds=rng.randint(30, 900) if kind in ("call", "meeting") else None,
                subject="Коммерческое предложение" if kind == "email" else "",
                channel="telegram" if kind == "message" else "",
            )
            if n == 0 and rng.random() < 0.5:  # the latest contact often plans the next one
                day = (now + datetime.timedelta(days=rng.randint(-3, 10))).strftime("%d.%m.%Y")
                data.next_step = rng.choice(STEPS).format(d=day)
            if reasons and rng.random() < 0.05:
                data.refusal_reason_id = rng.choice(reasons)
            try:
                entry_create(actor=owner, data=data, source=SYSTEM)
                written += 1
            except DomainError:
                continue
    return written


def register() -> None:
    from crm.core.demo import register_demo_step

    register_demo_step("timeline", create_timeline, order=10)
