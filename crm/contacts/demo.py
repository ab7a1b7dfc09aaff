"""Russian demo data, written through the services like any other input: 2 departments, 5 users,
300 companies and 2,000 contacts with realistic names, phones, e-mails, cities, tags and owners."""

from __future__ import annotations

import datetime
import random
import secrets

from django.utils import timezone
from faker import Faker

from crm.accounts.models import Department, Role, User
from crm.accounts.services import UserInput, department_create, user_create
from crm.contacts.inputs import (
    CompanyInput,
    CompanyPhoneInput,
    ContactInput,
    EmailInput,
    MessengerInput,
    PhoneInput,
)
from crm.contacts.models import ContactStatus
from crm.contacts.services import company_create, contact_create
from crm.core.audit import SYSTEM
from crm.core.errors import ValidationFailed
from crm.fields.schema import schema_for

CITIES = [
    "Москва",
    "Санкт-Петербург",
    "Екатеринбург",
    "Новосибирск",
    "Казань",
    "Нижний Новгород",
    "Самара",
    "Ростов-на-Дону",
    "Краснодар",
    "Пермь",
    "Воронеж",
    "Тюмень",
]
SOURCES = ["Сайт", "Звонок", "Рекомендация", "Выставка", "Реклама", "Соцсети", "Email-рассылка"]
TAGS = [
    "VIP",
    "Запрос цены",
    "Работает_по_договору",
    "Оптовик",
    "Розница",
    "Обратный звонок",
    "Тендер",
    "Новый",
]
INDUSTRIES = [
    "Строительство",
    "Розничная торговля",
    "ИТ",
    "Логистика",
    "Производство",
    "Медицина",
    "Образование",
    "Общепит",
    "Финансы",
    "Недвижимость",
]
POSITIONS = [
    "Генеральный директор",
    "Коммерческий директор",
    "Менеджер по закупкам",
    "Главный бухгалтер",
    "Начальник отдела снабжения",
    "ИТ-директор",
    "Офис-менеджер",
    "Руководитель проекта",
]
LEGAL_FORMS = ["ООО", "АО", "ИП", "ПАО"]
BASE_TYPES = ["lead"] * 4 + ["active"] * 3 + ["sleeping"] * 2 + ["partner", "blacklist", "archive"]
TRANSLIT = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ё": "e",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "й": "y",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "h",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "sch",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
    }
)
USERS = [
    ("ivanova", "Анна", "Иванова", "head", 0),
    ("petrov", "Павел", "Петров", "manager", 0),
    ("sidorova", "Мария", "Сидорова", "manager", 0),
    ("kuznetsov", "Олег", "Кузнецов", "head", 1),
    ("smirnov", "Игорь", "Смирнов", "manager", 1),
]


def inn_for_legal_entity(rng: random.Random) -> str:
    digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]  # a region code never starts 00
    weights = [2, 4, 10, 3, 5, 9, 4, 6, 8]
    digits.append(sum(d * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)
    return "".join(map(str, digits))


def ensure_admin(password: str | None = None) -> tuple[User, str | None]:
    """The administrator account; returns a new password only when one was set now.

    The one account made without a service: there is no actor yet to make it. Everything after it,
    demo users and departments included, goes through the services with this account as the actor.
    """
    admin = User.objects.filter(username="admin").first()
    if admin is not None:
        return admin, None
    password = password or secrets.token_urlsafe(9)
    admin = User.objects.create_superuser(
        username="admin", password=password, first_name="Администратор", role=Role.objects.get(code="admin")
    )
    return admin, password


def create_demo(
    *, contacts: int = 2000, companies: int = 300, seed: int = 7, password: str = "demo-password"
) -> None:
    rng = random.Random(seed)
    fake = Faker("ru_RU")
    fake.seed_instance(seed)
    admin, _ = ensure_admin()
    departments = [
        Department.objects.filter(name=name).first()
        or department_create(actor=admin, name=name, source=SYSTEM)
        for name in ("Отдел продаж Москва", "Отдел продаж Регионы")
    ]
    users = []
    for username, first, last, role, dept in USERS:
        user = User.objects.filter(username=username).first() or user_create(
            actor=admin,
            data=UserInput(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@example.ru",
                role_id=Role.objects.get(code=role).pk,
                department_id=departments[dept].pk,
                password=password,
            ),
            source=SYSTEM,
        )
        users.append(user)
    statuses = list(ContactStatus.objects.all())

    company_ids = []
    for _i in range(companies):
        owner = rng.choice(users)
        name = fake.company().replace("«", "").replace("»", "").replace('"', "")
        data = CompanyInput(
            name=name,
            legal_form=rng.choice(LEGAL_FORMS),
            inn=inn_for_legal_entity(rng),
            industry=rng.choice(INDUSTRIES),
            website=f"https://{_slug(name)}.example.ru",
            city=rng.choice(CITIES),
            size=rng.choice(["1–10", "11–50", "51–200", "201–1000"]),
            phones=[CompanyPhoneInput(value=f"+7495{rng.randint(1000000, 9999999)}")],
            source=rng.choice(SOURCES),
            owner_id=owner.pk,
            tags=rng.sample(TAGS, rng.randint(0, 2)),
        )
        try:
            company_ids.append((company_create(actor=owner, data=data, source=SYSTEM).pk, owner))
        except ValidationFailed:
            continue

    for _i in range(contacts):
        owner = rng.choice(users)
        male = rng.random() < 0.5
        first = fake.first_name_male() if male else fake.first_name_female()
        last = fake.last_name_male() if male else fake.last_name_female()
        middle = fake.middle_name_male() if male else fake.middle_name_female()
        own_companies = [cid for cid, o in company_ids if o == owner]
        company_id = rng.choice(own_companies) if own_companies and rng.random() < 0.7 else None
        login = f"{first.lower().translate(TRANSLIT)}.{last.lower().translate(TRANSLIT)}{rng.randint(1, 999)}"
        phones = [PhoneInput(value=f"+79{rng.randint(100000000, 999999999)}", kind="mobile", is_primary=True)]
        if rng.random() < 0.3:
            phones.append(
                PhoneInput(
                    value=f"8 (495) {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"
                    f" доб. {rng.randint(10, 999)}",
                    kind="work",
                )
            )
        born = fake.date_of_birth(minimum_age=20, maximum_age=70)
        data = ContactInput(
            last_name=last,
            first_name=first,
            middle_name=middle,
            phones=phones,
            emails=[
                EmailInput(
                    value=f"{login}@{rng.choice(['mail.ru', 'yandex.ru', 'gmail.com', 'bk.ru'])}",
                    is_primary=True,
                )
            ],
            messengers=[MessengerInput(kind="telegram", handle=f"@{login.replace('.', '_')}")]
            if rng.random() < 0.4
            else [],
            city=rng.choice(CITIES),
            birthday=born.strftime("%d.%m.%Y") if rng.random() < 0.6 else "",
            source=rng.choice(SOURCES),
            owner_id=owner.pk,
            base_type=rng.choice(BASE_TYPES),
            status_id=rng.choice(statuses).pk if statuses and rng.random() < 0.7 else None,
            is_key=rng.random() < 0.05,
            tags=rng.sample(TAGS, rng.randint(0, 3)),
            company_id=company_id,
            position=rng.choice(POSITIONS) if company_id else "",
            notes=fake.sentence() if rng.random() < 0.2 else "",
        )
        data.record_type_id, data.custom = _starter_values(rng, data.base_type, users)
        try:
            contact_create(actor=owner, data=data, source=SYSTEM)
        except ValidationFailed:
            continue  # a random phone collided: one client, one card


def _starter_values(
    rng: random.Random, base_type: str, users: list[User]
) -> tuple[int | None, dict[str, str]]:
    """The record type (a lead or a client, by the base type) and some of the starter fields filled."""
    schema = schema_for("contact")
    types = {t.key: t.pk for t in schema.active_types()}
    key = "lead" if base_type == "lead" else "client"
    values: dict[str, str] = {}
    for spec in schema.on_type(types.get(key)):
        if spec.standard or rng.random() < 0.35:
            continue
        options = schema.choices(spec) if spec.choice_list_id else []
        if options:
            values[spec.key] = str(rng.choice(options).pk)
        elif spec.field_type == "date":
            values[spec.key] = (
                timezone.localdate() + datetime.timedelta(days=rng.randint(-10, 40))
            ).isoformat()
        elif spec.field_type == "money":
            values[spec.key] = str(rng.randint(10, 5000) * 1000)
        elif spec.field_type == "user":
            values[spec.key] = str(rng.choice(users).pk)
    return types.get(key), values


def _slug(name: str) -> str:
    return "".join(c for c in name.lower().translate(TRANSLIT) if c.isalnum())[:20] or "company"
