"""The starter pipeline (R4.1), the list of loss reasons, and the rights over deals for the default roles.

All of it is data an administrator edits: the stages on the pipelines page, the reasons on the choice
lists page, the rights on the roles page."""

import uuid

from django.db import migrations

STAGES = [
    ("Первичный контакт", "open", 3),
    ("Отправлено КП", "open", 5),
    ("Переговоры", "open", 10),
    ("Оплата", "open", 7),
    ("Исполнение", "open", None),
    ("Успешно реализовано", "won", None),
    ("Закрыто и не реализовано", "lost", None),
]
REASONS = [
    ("Дорого", "Too expensive"),
    ("Выбрали конкурента", "Chose a competitor"),
    ("Нет бюджета", "No budget"),
    ("Не выходит на связь", "Stopped answering"),
    ("Потребность отпала", "No longer needed"),
    ("Другое", "Other"),
]
ALL = ["view", "create", "edit", "delete", "export"]
RIGHTS = {
    "manager": ["view", "create", "edit", "delete"],
    "head": ALL,
    "support": ["view"],
    "marketer": ["view", "export"],
    "director": ["view", "export"],
    "admin": ALL,
}


def create(apps, schema_editor):
    Pipeline = apps.get_model("deals", "Pipeline")
    Stage = apps.get_model("deals", "Stage")
    ChoiceList = apps.get_model("fields", "ChoiceList")
    ChoiceOption = apps.get_model("fields", "ChoiceOption")
    SchemaVersion = apps.get_model("fields", "SchemaVersion")
    Role = apps.get_model("accounts", "Role")
    if not Pipeline.objects.exists():
        pipeline = Pipeline.objects.create(name="Продажи", order=10)
        Stage.objects.bulk_create(
            Stage(pipeline=pipeline, name=name, kind=kind, days_limit=days, order=(i + 1) * 10)
            for i, (name, kind, days) in enumerate(STAGES)
        )
    if not ChoiceList.objects.filter(key="loss_reason").exists():
        reasons = ChoiceList.objects.create(
            key="loss_reason", name_ru="Причина проигрыша", name_en="Loss reason"
        )
        ChoiceOption.objects.bulk_create(
            ChoiceOption(choice_list=reasons, label_ru=ru, label_en=en, order=(i + 1) * 10)
            for i, (ru, en) in enumerate(REASONS)
        )
        SchemaVersion.objects.update(token=uuid.uuid4().hex)  # every process reloads the lists
    for role in Role.objects.filter(code__in=RIGHTS):
        if "deal" not in role.permissions:
            role.permissions["deal"] = RIGHTS[role.code]
            role.save(update_fields=["permissions"])


def remove(apps, schema_editor):
    apps.get_model("fields", "ChoiceList").objects.filter(key="loss_reason").delete()
    for role in apps.get_model("accounts", "Role").objects.all():
        role.permissions.pop("deal", None)
        role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0001_initial"),
        ("fields", "0002_starter_configuration"),
        ("accounts", "0006_import_right"),
    ]
    operations = [migrations.RunPython(create, remove)]
