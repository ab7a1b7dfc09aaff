"""Demo segments: the seeds' own questions, shared, so a new user sees what a segment is for."""

from __future__ import annotations

from typing import Any

from crm.accounts.models import User
from crm.contacts.models import ContactStatus, Tag
from crm.core.audit import SYSTEM
from crm.core.errors import DomainError
from crm.segments.services import SegmentInput, segment_save, sizes_record


def _status(name: str) -> list[int]:
    return list(ContactStatus.objects.filter(name=name).values_list("pk", flat=True))


def _tag(name: str) -> list[int]:
    return list(Tag.objects.filter(key=name.casefold()).values_list("pk", flat=True))


def demo_definitions() -> list[tuple[str, dict[str, Any]]]:
    def only(*rules: dict[str, Any]) -> dict[str, Any]:
        return {"match": "all", "rules": [r for r in rules if r.get("value") != []]}

    return [
        (
            "Покупали больше двух раз за месяц",
            only({"field": "orders_in_period", "op": "gt", "value": 2, "days": 30}),
        ),
        ("Без контакта 90 дней", only({"field": "last_contact", "op": "older_days", "value": 90})),
        (
            "Заказ от 50 000 ₽, без контакта 90 дней",
            only(
                {"field": "order_amount", "op": "gte", "value": 50000},
                {"field": "last_contact", "op": "older_days", "value": 90},
            ),
        ),
        (
            "Ожидают предложение, просили прайс",
            only(
                {"field": "status", "op": "in", "value": _status("Ожидает предложение")},
                {"field": "tags", "op": "any", "value": _tag("Запрос цены")},
            ),
        ),
        (
            "Постоянные партнёры по договору",
            only(
                {"field": "status", "op": "in", "value": _status("Постоянный партнер")},
                {"field": "tags", "op": "any", "value": _tag("Работает_по_договору")},
            ),
        ),
        ("Горячие лиды", only({"field": "lead_band", "op": "in", "value": ["hot"]})),
    ]


def create_segments() -> int:
    admin = User.objects.filter(username="admin").first() or User.objects.filter(is_superuser=True).first()
    if admin is None:
        return 0
    made = 0
    for name, definition in demo_definitions():
        data = SegmentInput(name=name, definition=definition, shared=True, sort="last_contact")
        try:
            segment_save(actor=admin, segment_id=None, data=data, source=SYSTEM)
        except DomainError:
            continue
        made += 1
    sizes_record()
    return made


def register() -> None:
    from crm.core.demo import register_demo_step

    register_demo_step("segments", create_segments, order=40)
