from django.db import migrations

ALL = ["view", "create", "edit", "delete", "export"]

# The seeds' role table is the default (R10.5): a manager sees own clients and cannot export,
# a head sees the department and exports, an administrator sees and does everything.
ROLES = [
    (
        "manager",
        "Менеджер",
        "Sales manager",
        "own",
        {"contact": ["view", "create", "edit", "delete"], "company": ["view", "create", "edit", "delete"]},
        False,
    ),
    (
        "head",
        "Руководитель отдела",
        "Head of department",
        "department",
        {"contact": ALL, "company": ALL},
        False,
    ),
    (
        "support",
        "Поддержка",
        "Support",
        "all",
        {"contact": ["view", "create", "edit"], "company": ["view"]},
        False,
    ),
    (
        "marketer",
        "Маркетолог",
        "Marketer",
        "all",
        {"contact": ["view", "export"], "company": ["view", "export"]},
        False,
    ),
    (
        "director",
        "Директор",
        "Director",
        "all",
        {"contact": ["view", "export"], "company": ["view", "export"]},
        False,
    ),
    ("admin", "Администратор", "Administrator", "all", {"contact": ALL, "company": ALL}, True),
]


def create_roles(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for code, name_ru, name_en, scope, permissions, is_admin in ROLES:
        Role.objects.update_or_create(
            code=code,
            defaults={
                "name_ru": name_ru,
                "name_en": name_en,
                "scope": scope,
                "permissions": permissions,
                "is_admin": is_admin,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
