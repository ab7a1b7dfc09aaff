"""The settings row and a starting set of rules an administrator then tunes."""

from django.db import migrations

DEFAULT_RULES = [
    ("email_opened", 5),
    ("link_clicked", 10),
    ("page_visited", 2),
    ("form_filled", 30),
    ("replied", 20),
    ("called", 15),
    ("met", 25),
    ("ordered", 40),
    ("unsubscribed", -30),
]


def add(apps, schema_editor):
    Settings = apps.get_model("scoring", "Settings")
    Rule = apps.get_model("scoring", "Rule")
    Settings.objects.get_or_create(pk=1)
    for action, points in DEFAULT_RULES:
        Rule.objects.get_or_create(action=action, address_contains="", defaults={"points": points})


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
