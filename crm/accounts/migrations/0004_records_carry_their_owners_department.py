"""Cards and tasks carry their person's department (a head's scope is that one column from now on).

The services always copied it, but tasks did not follow an assignee who changed department. This puts
every copy right once: one UPDATE per table, touching only the rows that differ.
"""

from django.db import migrations
from django.db.models import F, OuterRef, Subquery

COPIES = (("contacts", "Contact", "owner"), ("contacts", "Company", "owner"), ("tasks", "Task", "assignee"))


def repair(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for app, name, person in COPIES:
        model = apps.get_model(app, name)
        theirs = Subquery(User.objects.filter(pk=OuterRef(f"{person}_id")).values("department_id")[:1])
        stale = model.objects.filter(**{f"{person}__isnull": False}).exclude(
            department_id=F(f"{person}__department_id")
        )
        model.objects.filter(pk__in=stale.values("pk")).update(department_id=theirs)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_time_zone"),
        ("contacts", "0010_last_contact_nulls_first_on_postgresql"),
        ("tasks", "0002_task_categories"),
    ]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
