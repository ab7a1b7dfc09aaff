from django.db import migrations

STATUSES = ["Первый контакт", "Ожидает предложение", "Работает по договору", "Постоянный партнер"]


def search_indexes(apps, schema_editor):
    """PostgreSQL: trigram GIN indexes (pg_trgm). SQLite: FTS5 tables and their vocabularies."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for table in ("contacts_contact", "contacts_company"):
                cursor.execute(
                    f"CREATE INDEX IF NOT EXISTS {table}_name_trgm ON {table} USING gin (name_key gin_trgm_ops)"
                )
        elif connection.vendor == "sqlite":
            for table in ("contacts_contact_fts", "contacts_company_fts"):
                cursor.execute(
                    f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5("
                    "name, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3')"
                )
                cursor.execute(
                    f"CREATE VIRTUAL TABLE IF NOT EXISTS {table}_vocab USING fts5vocab({table}, 'row')"
                )


def drop_search_indexes(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in ("contacts_contact", "contacts_company"):
                cursor.execute(f"DROP INDEX IF EXISTS {table}_name_trgm")
        elif connection.vendor == "sqlite":
            for table in ("contacts_contact_fts", "contacts_company_fts"):
                cursor.execute(f"DROP TABLE IF EXISTS {table}_vocab")
                cursor.execute(f"DROP TABLE IF EXISTS {table}")


def create_statuses(apps, schema_editor):
    ContactStatus = apps.get_model("contacts", "ContactStatus")
    for order, name in enumerate(STATUSES):
        ContactStatus.objects.get_or_create(name=name, defaults={"order": order})


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]
    operations = [
        migrations.RunPython(search_indexes, drop_search_indexes),
        migrations.RunPython(create_statuses, migrations.RunPython.noop),
    ]
