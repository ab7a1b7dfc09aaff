"""The starter configuration (R1.4, R1.6, R1.12): central lists and the lead / client types of contacts.

Everything here is data an administrator can rename, reorder, deactivate or extend; nothing is required,
so a team starts with recommendations rather than with forms that refuse to save.
"""

from django.db import migrations

LISTS = {
    "industry": (
        "Отрасль",
        "Industry",
        ["Производство", "Торговля", "Строительство", "IT", "Услуги", "Логистика"],
    ),
    "client_type": ("Тип клиента", "Client type", ["Розница", "Опт", "Дилер", "Госзаказчик"]),
    "source": ("Источник", "Source", ["Сайт", "Звонок", "Рекомендация", "Выставка", "Реклама", "Соцсети"]),
    "lead_stage": ("Стадия лида", "Lead stage", ["Новый", "Квалифицирован", "Назначена встреча", "Отложен"]),
    "tariff": ("Тариф", "Tariff", ["Базовый", "Стандарт", "Премиум"]),
    "satisfaction": ("Удовлетворённость", "Satisfaction", ["1", "2", "3", "4", "5"]),
}
# key, type, label_ru, label_en, list, group
FIELDS = [
    ("lead_stage", "choice", "Стадия", "Stage", "lead_stage", "Лид"),
    ("next_contact", "date", "Дата следующего контакта", "Next contact date", None, "Лид"),
    ("client_type", "choice", "Тип клиента", "Client type", "client_type", ""),
    ("tariff", "choice", "Тариф", "Tariff", "tariff", "Клиент"),
    ("payments", "money", "Сумма оплат", "Payments", None, "Клиент"),
    ("satisfaction", "choice", "Удовлетворённость", "Satisfaction", "satisfaction", "Клиент"),
    ("account_manager", "user", "Аккаунт-менеджер", "Account manager", None, "Клиент"),
]
LEAD_ONLY = {"lead_stage", "next_contact"}
CLIENT_ONLY = {"tariff", "payments", "satisfaction", "account_manager"}


def create(apps, schema_editor):
    ChoiceList = apps.get_model("fields", "ChoiceList")
    ChoiceOption = apps.get_model("fields", "ChoiceOption")
    FieldDefinition = apps.get_model("fields", "FieldDefinition")
    RecordType = apps.get_model("fields", "RecordType")
    lists = {}
    for key, (name_ru, name_en, options) in LISTS.items():
        lists[key] = ChoiceList.objects.create(key=key, name_ru=name_ru, name_en=name_en)
        ChoiceOption.objects.bulk_create(
            ChoiceOption(choice_list=lists[key], label_ru=label, order=(i + 1) * 10)
            for i, label in enumerate(options)
        )
    for order, (key, field_type, label_ru, label_en, list_key, group) in enumerate(FIELDS, start=1):
        FieldDefinition.objects.create(
            kind="contact",
            key=key,
            field_type=field_type,
            label_ru=label_ru,
            label_en=label_en,
            choice_list=lists.get(list_key),
            group=group,
            order=order * 10,
            filterable=field_type in ("choice", "date", "user"),
            in_list=key in ("lead_stage", "next_contact"),
        )
    lead = dict.fromkeys(CLIENT_ONLY, "hidden") | {
        "lead_stage": "recommended",
        "next_contact": "recommended",
        "source": "recommended",
        "phones": "recommended",
    }
    client = dict.fromkeys(LEAD_ONLY, "hidden") | {
        "tariff": "recommended",
        "account_manager": "recommended",
        "company": "recommended",
        "phones": "recommended",
        "emails": "recommended",
    }
    RecordType.objects.create(
        kind="contact", key="lead", name_ru="Лид", name_en="Lead", order=10, levels=lead
    )
    RecordType.objects.create(
        kind="contact", key="client", name_ru="Клиент", name_en="Client", order=20, levels=client
    )


class Migration(migrations.Migration):
    dependencies = [("fields", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
