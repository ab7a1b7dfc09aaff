"""The central list of task categories (R3.1); an administrator renames, reorders or extends it."""

import uuid

from django.db import migrations

CATEGORIES = [
    ("Перезвонить", "Follow-up call"),
    ("Отправить документы", "Send documents"),
    ("Подготовить КП", "Prepare a proposal"),
    ("Контроль оплаты", "Payment control"),
    ("Встреча", "Meeting"),
    ("Другое", "Other"),
]


def create(apps, schema_editor):
    ChoiceList = apps.get_model("fields", "ChoiceList")
    ChoiceOption = apps.get_model("fields", "ChoiceOption")
    SchemaVersion = apps.get_model("fields", "SchemaVersion")
    if ChoiceList.objects.filter(key="task_category").exists():
        return
    choice_list = ChoiceList.objects.create(
        key="task_category", name_ru="Категория задачи", name_en="Task category"
    )
    ChoiceOption.objects.bulk_create(
        ChoiceOption(choice_list=choice_list, label_ru=ru, label_en=en, order=(i + 1) * 10)
        for i, (ru, en) in enumerate(CATEGORIES)
    )
    SchemaVersion.objects.update(token=uuid.uuid4().hex)  # every process reloads the lists


def remove(apps, schema_editor):
    apps.get_model("fields", "ChoiceList").objects.filter(key="task_category").delete()


class Migration(migrations.Migration):
    dependencies = [("tasks", "0001_initial"), ("fields", "0002_starter_configuration")]
    operations = [migrations.RunPython(create, remove)]
