"""The "import" right: adding cards by the thousand is given to heads and administrators by default; an
administrator can give it to any other role on the roles page."""

from django.db import migrations

GRANTED = ("head", "admin")


def grant(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code__in=GRANTED):
        for kind in ("contact", "company"):
            actions = role.permissions.get(kind, [])
            if "import" not in actions:
                role.permissions[kind] = [*actions, "import"]
        role.save(update_fields=["permissions"])


def revoke(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.all():
        role.permissions = {k: [a for a in v if a != "import"] for k, v in role.permissions.items()}
        role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_user_access_epoch")]
    operations = [migrations.RunPython(grant, revoke)]
