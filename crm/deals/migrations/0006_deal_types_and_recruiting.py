"""Deals get record types (R4's configurable card, R8.8's recruiting): "Продажа" for the sales pipelines
and "Кандидат" for a recruiting pipeline, with the candidate's own fields (the vacancy, the expected
salary, the résumé, the years of experience) hidden from sales deals.

The recruiting pipeline comes switched off: an administrator who hires through the CRM turns it on (the
demo data does), and edits its stages and fields like any other."""

import uuid

from django.db import migrations

STAGES = [
    ("Отклик", "open", 3),
    ("Телефонное интервью", "open", 5),
    ("Собеседование", "open", 7),
    ("Тестовое задание", "open", 7),
    ("Оффер", "open", 5),
    ("Вышел на работу", "won", None),
    ("Отказ", "lost", None),
]
VACANCIES = [
    ("Менеджер по продажам", "Sales manager"),
    ("Бухгалтер", "Accountant"),
    ("Инженер сервиса", "Service engineer"),
]
FIELDS = [  # key, type, Russian label, English label, order
    ("vacancy", "choice", "Вакансия", "Vacancy", 10),
    ("expected_salary", "money", "Ожидаемая зарплата", "Expected salary", 20),
    ("resume", "url", "Резюме", "Résumé", 30),
    ("experience_years", "number", "Опыт работы, лет", "Years of experience", 40),
]


def create(apps, schema_editor):
    RecordType = apps.get_model("fields", "RecordType")
    FieldDefinition = apps.get_model("fields", "FieldDefinition")
    ChoiceList = apps.get_model("fields", "ChoiceList")
    ChoiceOption = apps.get_model("fields", "ChoiceOption")
    SchemaVersion = apps.get_model("fields", "SchemaVersion")
    Pipeline = apps.get_model("deals", "Pipeline")
    Stage = apps.get_model("deals", "Stage")
    Deal = apps.get_model("deals", "Deal")
    if RecordType.objects.filter(kind="deal").exists():
        return
    vacancies, _ = ChoiceList.objects.get_or_create(
        key="vacancy", defaults={"name_ru": "Вакансии", "name_en": "Vacancies"}
    )
    if not ChoiceOption.objects.filter(choice_list=vacancies).exists():
        ChoiceOption.objects.bulk_create(
            ChoiceOption(choice_list=vacancies, label_ru=ru, label_en=en, order=(i + 1) * 10)
            for i, (ru, en) in enumerate(VACANCIES)
        )
    for key, field_type, ru, en, order in FIELDS:
        FieldDefinition.objects.get_or_create(
            kind="deal",
            key=key,
            defaults={
                "field_type": field_type,
                "label_ru": ru,
                "label_en": en,
                "order": order,
                "group": "",
                "choice_list": vacancies if field_type == "choice" else None,
            },
        )
    sale = RecordType.objects.create(
        kind="deal",
        key="sale",
        name_ru="Продажа",
        name_en="Sale",
        order=10,
        levels={key: "hidden" for key, *_rest in FIELDS},
    )
    candidate = RecordType.objects.create(
        kind="deal",
        key="candidate",
        name_ru="Кандидат",
        name_en="Candidate",
        order=20,
        levels={"vacancy": "required", "resume": "recommended", "expected_salary": "recommended"},
    )
    Pipeline.objects.filter(record_type__isnull=True).update(record_type=sale)
    Deal.objects.filter(record_type__isnull=True).update(record_type=sale)
    recruiting = Pipeline.objects.create(
        name="Подбор персонала", order=90, is_active=False, record_type=candidate
    )
    Stage.objects.bulk_create(
        Stage(pipeline=recruiting, name=name, kind=kind, days_limit=days, order=(i + 1) * 10)
        for i, (name, kind, days) in enumerate(STAGES)
    )
    SchemaVersion.objects.update(token=uuid.uuid4().hex)  # every process reloads the definitions


def remove(apps, schema_editor):
    Pipeline = apps.get_model("deals", "Pipeline")
    Deal = apps.get_model("deals", "Deal")
    Deal.objects.update(record_type=None)
    Pipeline.objects.filter(record_type__key="candidate", record_type__kind="deal").delete()
    Pipeline.objects.update(record_type=None)
    apps.get_model("fields", "RecordType").objects.filter(kind="deal").delete()
    apps.get_model("fields", "FieldDefinition").objects.filter(kind="deal").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0005_deal_custom_deal_record_type_pipeline_record_type"),
        ("fields", "0004_alter_fieldaccess_kind_alter_fielddefinition_kind_and_more"),
    ]
    operations = [migrations.RunPython(create, remove)]
