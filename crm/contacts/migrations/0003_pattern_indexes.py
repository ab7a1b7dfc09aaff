from django.db import migrations

# PostgreSQL serves LIKE 'prefix%' from a B-tree only with the pattern operator class (whatever the
# database's collation). SQLite uses plain range conditions on the ordinary indexes instead.
INDEXES = [
    ("contacts_contact_name_pattern", "contacts_contact", "name_key"),
    ("contacts_company_name_pattern", "contacts_company", "name_key"),
    ("contacts_email_address_pattern", "contacts_contactemail", "address"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, table, column in INDEXES:
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column} varchar_pattern_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, _table, _column in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0002_search_and_statuses")]
    operations = [migrations.RunPython(create, drop)]
