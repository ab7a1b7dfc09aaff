"""Custom fields of the fixture: 20 definitions made through the services, values made in bulk.

The definitions (five choice lists, their options, 20 contact fields) are written by
``crm.fields.services`` as an administrator, so the schema token, the journal and the filterable flags are
exactly what the product keeps. The values of a million cards are generated here in the stored formats of
``crm.fields.types`` (option ids, ISO dates, kopecks…) and loaded with the other columns; the card's
record type ("lead" for the lead base type, "client" otherwise, as the demo data does) and its stored
completeness are computed the way the services compute them.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import Any

from huey.contrib.djhuey import HUEY

from bench.data import CALL_TIMES, MAIL_DOMAINS
from crm.accounts.models import User
from crm.core.audit import ChangeSource
from crm.core.models import ChangeChannel
from crm.fields import services
from crm.fields.models import FieldDefinition, Requirement
from crm.fields.schema import FieldSpec, schema_for

SOURCE = ChangeSource(channel=ChangeChannel.SYSTEM)

# key → (name_ru, name_en, options); the first segment is held by 30 % of the cards, the last by 0.5 %.
LISTS: dict[str, tuple[str, str, list[str]]] = {
    "bench_segment": (
        "Сегмент",
        "Segment",
        [
            "Малый бизнес",
            "Розница",
            "Средний бизнес",
            "Крупный бизнес",
            "Дилеры",
            "Дистрибьюторы",
            "Госсектор",
            "Интеграторы",
            "Некоммерческие",
            "Экспорт",
        ],
    ),
    "bench_channel": (
        "Канал привлечения",
        "Channel",
        ["Сайт", "Маркетплейс", "Прямые продажи", "Партнёр", "Тендер", "Колл-центр"],
    ),
    "bench_priority": ("Приоритет", "Priority", ["Низкий", "Средний", "Высокий", "Критичный"]),
    "bench_size": ("Размер клиента", "Client size", ["Микро", "Малый", "Средний", "Крупный"]),
    "bench_interest": (
        "Интересы",
        "Interests",
        ["Опт", "Доставка", "Монтаж", "Сервис", "Обучение", "Лизинг", "Рассрочка", "Экспорт"],
    ),
}
SEGMENT_WEIGHTS = [30, 16, 13, 11, 9, 8, 6, 4, 2.5, 0.5]
WEIGHTS = {"segment": SEGMENT_WEIGHTS, "priority": [40, 35, 20, 5], "size_band": [45, 30, 17, 8]}


@dataclass(frozen=True)
class Plan:
    key: str
    field_type: str
    label_ru: str
    group: str
    share: float  # the fraction of cards holding a value
    choice_list: str = ""
    filterable: bool = False
    in_list: bool = False


PLANS = [
    Plan("segment", "choice", "Сегмент", "Сегментация", 1.0, "bench_segment", True, True),
    Plan("channel", "choice", "Канал привлечения", "Сегментация", 0.85, "bench_channel"),
    Plan("priority", "choice", "Приоритет", "Сегментация", 0.7, "bench_priority", True),
    Plan("size_band", "choice", "Размер клиента", "Сегментация", 0.75, "bench_size"),
    Plan("interests", "multi_choice", "Интересы", "Сегментация", 0.6, "bench_interest"),
    Plan("renewal", "date", "Продление договора", "Договор", 0.8, filterable=True, in_list=True),
    Plan("first_deal", "date", "Первая сделка", "Договор", 0.65),
    Plan("last_visit", "datetime", "Последний визит", "Договор", 0.7),
    Plan("budget", "money", "Бюджет на год", "Договор", 0.6, filterable=True),
    Plan("ltv", "money", "Выручка за всё время", "Договор", 0.5),
    Plan("discount", "number", "Скидка, %", "Договор", 0.4),
    Plan("employees", "number", "Сотрудников", "Профиль", 0.7),
    Plan("nps", "number", "Оценка NPS", "Профиль", 0.55),
    Plan("vip_program", "boolean", "В программе VIP", "Профиль", 0.9),
    Plan("newsletter", "boolean", "Согласие на рассылку", "Профиль", 0.8),
    Plan("curator", "user", "Куратор", "Профиль", 0.7),
    Plan("call_time", "text", "Удобное время звонка", "Связь", 0.3),
    Plan("site", "url", "Личный сайт", "Связь", 0.35),
    Plan("backup_email", "email", "Запасной e-mail", "Связь", 0.4),
    Plan("assistant_phone", "phone", "Телефон помощника", "Связь", 0.35),
]
STARTER_SHARE = 0.65  # the starter fields of migration fields.0002 (lead stage, tariff…) on a card's type


def ensure_fields(admin: User) -> bool:
    """Create the lists, options and fields unless they exist; True when they were created now.

    Huey runs in immediate mode meanwhile, so the jobs a new field schedules (its expression index, the
    completeness recount) run here on the still empty table instead of waiting in a queue.
    """
    if FieldDefinition.objects.filter(kind="contact", key=PLANS[0].key).exists():
        return False
    immediate = HUEY.immediate
    HUEY.immediate = True
    try:
        lists = {}
        for key, (name_ru, name_en, labels) in LISTS.items():
            choice_list = services.choice_list_save(
                actor=admin, name_ru=name_ru, name_en=name_en, key=key, source=SOURCE
            )
            for label in labels:
                services.option_save(actor=admin, list_id=choice_list.pk, label_ru=label, source=SOURCE)
            lists[key] = choice_list.pk
        for plan in PLANS:
            data = services.FieldInput(
                key=plan.key,
                field_type=plan.field_type,
                label_ru=plan.label_ru,
                choice_list_id=lists.get(plan.choice_list),
                group=plan.group,
                filterable=plan.filterable,
                in_list=plan.in_list,
            )
            services.field_save(actor=admin, kind="contact", data=data, source=SOURCE)
    finally:
        HUEY.immediate = immediate
    return True


def filterable_specs() -> list[FieldSpec]:
    return [s for s in schema_for("contact").custom() if s.filterable]


class CustomValues:
    """Record type, custom values, completeness and journal texts of one generated card at a time."""

    def __init__(self, seed: int, user_ids: list[int], end: float) -> None:
        self.rng = random.Random(seed)
        self.schema = schema = schema_for("contact")
        self.user_ids = user_ids
        self.today = datetime.datetime.fromtimestamp(end, datetime.UTC).date()
        self.end = end
        self.types = {t.key: t for t in schema.types.values() if t.kind == "contact"}
        self.plans = {p.key: p for p in PLANS}
        self.options = {
            s.key: [o.pk for o in schema.choices(s)] for s in schema.custom() if s.choice_list_id is not None
        }
        self.fields: dict[int, list[FieldSpec]] = {}
        self.wanted: dict[int, list[FieldSpec]] = {}
        for t in self.types.values():
            on_type = schema.on_type(t.pk)
            self.fields[t.pk] = [s for s in on_type if not s.standard]
            self.wanted[t.pk] = [
                s
                for s in on_type
                if schema.requirement(s, t.pk) in (Requirement.REQUIRED, Requirement.RECOMMENDED)
            ]
        self.names = {u.pk: str(u) for u in User.objects.filter(pk__in=user_ids)}

    def segment(self) -> dict[str, Any]:
        """What ``measure`` needs of the segment field: its list and its most and least held options."""
        spec = self.schema.fields["segment"]
        ids = self.options["segment"]
        return {
            "key": spec.key,
            "list_id": spec.choice_list_id,
            "common": ids[0],
            "common_label": self.schema.options[ids[0]].label_ru,
            "rare": ids[-1],
            "rare_label": self.schema.options[ids[-1]].label_ru,
            "sort_key": "renewal",
        }

    def card(self, base_type: str, full: bool, person: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The record type and the custom values of one card; ``full``: every bench field filled."""
        record_type = self.types["lead" if base_type == "lead" else "client"]
        values: dict[str, Any] = {}
        for spec in self.fields[record_type.pk]:
            plan = self.plans.get(spec.key)
            share = plan.share if plan else STARTER_SHARE
            if (full and plan) or self.rng.random() < share:
                values[spec.key] = self.value(spec, person)
        return record_type.pk, values

    def value(self, spec: FieldSpec, person: dict[str, Any]) -> Any:
        rng, kind = self.rng, spec.field_type
        if kind == "choice":
            weights = WEIGHTS.get(spec.key)
            options = self.options[spec.key]
            return rng.choices(options, weights)[0] if weights else rng.choice(options)
        if kind == "multi_choice":
            options = self.options[spec.key]
            picked = set(rng.sample(options, rng.choice((1, 1, 2, 3))))
            return [pk for pk in options if pk in picked]  # in the list's order, as the parser keeps them
        if kind == "date":
            if spec.key == "renewal":
                days = rng.randint(-365, 730)
            elif spec.key == "first_deal":
                days = -rng.randint(30, 3 * 365)
            else:  # the starter "next contact" date
                days = rng.randint(-10, 40)
            return (self.today + datetime.timedelta(days=days)).isoformat()
        if kind == "datetime":
            moment = self.end - rng.uniform(0, 365 * 86400)
            return datetime.datetime.fromtimestamp(moment, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if kind == "money":
            if spec.key == "ltv":
                return rng.randint(1000, 50_000_000) * 100 + rng.choice((0, 0, rng.randint(1, 99)))
            return rng.randint(10, 5000) * 1000 * 100  # whole thousands of roubles, in kopecks
        if kind == "number":
            if spec.key == "discount":
                tenths = rng.randint(5, 250)
                return tenths // 10 if tenths % 10 == 0 else tenths / 10
            if spec.key == "nps":
                return rng.randint(0, 10)
            return int(rng.lognormvariate(3, 1.5)) + 1
        if kind == "boolean":
            return rng.random() < (0.1 if spec.key == "vip_program" else 0.6)
        if kind == "user":
            return rng.choice(self.user_ids)
        if kind == "text":
            return rng.choice(CALL_TIMES)
        if kind == "url":
            return f"https://{person['latin_last']}{person['pk'] % 1000}.ru"
        if kind == "email":
            login = f"{person['latin_first']}.{person['latin_last']}{person['pk'] % 997}"
            return f"{login}@{rng.choice(MAIL_DOMAINS)}"
        if kind == "phone":
            number = f"+7{person['city_code']}{rng.randrange(10**7):07d}"
            return number + (f";ext={rng.randint(100, 999)}" if rng.random() < 0.2 else "")
        raise ValueError(kind)

    def completeness(self, type_id: int, filled: dict[str, bool], values: dict[str, Any]) -> int:
        """``crm.fields.values.completeness`` with the type's wanted fields worked out once."""
        wanted = self.wanted[type_id]
        if not wanted:
            return 100
        have = sum(1 for s in wanted if (filled.get(s.key, False) if s.standard else s.key in values))
        return round(100 * have / len(wanted))
