"""The timeline's central lists: entry categories (R2.2) and refusal reasons (R2.5); an administrator can
rename, reorder, deactivate, merge or extend them like any other list."""

import uuid

from django.db import migrations

LISTS = {
    "activity_category": (
        "Категория взаимодействия",
        "Interaction category",
        [
            ("Продажи", "Sales"),
            ("Поддержка", "Support"),
            ("Жалоба", "Complaint"),
            ("Обратная связь", "Feedback"),
        ],
    ),
    "refusal_reason": (
        "Причина отказа",
        "Refusal reason",
        [
            ("Дорого", "Too expensive"),
            ("Выбрали конкурента", "Chose a competitor"),
            ("Нет потребности", "No need"),
            ("Нет бюджета", "No budget"),
            ("Не устроили сроки", "Timing did not suit"),
            ("Не удалось связаться", "Could not reach"),
            ("Другое", "Other"),
        ],
    ),
}


def create(apps, schema_editor):
    ChoiceList = apps.get_model("fields", "ChoiceList")
    ChoiceOption = apps.get_model("fields", "ChoiceOption")
    SchemaVersion = apps.get_model("fields", "SchemaVersion")
    for key, (name_ru, name_en, options) in LISTS.items():
        if ChoiceList.objects.filter(key=key).exists():
            continue
        choice_list = ChoiceList.objects.create(key=key, name_ru=name_ru, name_en=name_en)
        ChoiceOption.objects.bulk_create(
            ChoiceOption(choice_list=choice_list, label_ru=ru, label_en=en, order=(i + 1) * 10)
            for i, (ru, en) in enumerate(options)
        )
    SchemaVersion.objects.update(token=uuid.uuid4().hex)  # every process reloads the lists


def remove(apps, schema_editor):
    apps.get_model("fields", "ChoiceList").objects.filter(key__in=LISTS).delete()


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial"), ("fields", "0002_starter_configuration")]
    operations = [migrations.RunPython(create, remove)]
