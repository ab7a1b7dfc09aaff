"""Demo signals: a month of mailing opens, page visits and form fills on some demo people, so the demo
shows hot, warm and cold leads (the timeline's replies, calls and meetings score by themselves)."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from crm.accounts.models import User
from crm.contacts.models import Contact
from crm.core.audit import SYSTEM
from crm.scoring.services import SignalInput, signals_record

PAGES = [
    "https://example.ru/",
    "https://example.ru/catalog",
    "https://example.ru/prices",
    "https://example.ru/contacts",
]


def create_signals() -> int:
    admin = User.objects.filter(username="admin").first() or User.objects.filter(is_superuser=True).first()
    if admin is None:
        return 0
    chance = random.Random(15)  # the same demo every time
    people = list(
        Contact.objects.filter(deleted_at__isnull=True).order_by("pk").values_list("pk", flat=True)[:60]
    )
    now = timezone.now()
    items = []
    for n, pk in enumerate(people):
        keen = 3 if n % 5 == 0 else 1 if n % 3 == 0 else 0  # a few keen ones, some curious, most quiet
        for _ in range(keen * 4):
            at = now - datetime.timedelta(days=chance.randint(0, 45), hours=chance.randint(0, 12))
            action = chance.choice(
                ["email_opened", "email_opened", "link_clicked", "page_visited", "page_visited"]
            )
            address = chance.choice(PAGES) if action in ("page_visited", "link_clicked") else ""
            items.append(SignalInput(action=action, contact_id=pk, occurred_at=at, address=address))
        if keen == 3:
            items.append(
                SignalInput(action="form_filled", contact_id=pk, occurred_at=now - datetime.timedelta(days=2))
            )
    return signals_record(actor=admin, items=items[:1000], source=SYSTEM).recorded


def register() -> None:
    from crm.core.demo import register_demo_step

    register_demo_step("lead signals", create_signals, order=35)
