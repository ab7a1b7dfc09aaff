from django.db import migrations

# PostgreSQL only. Columns searched by prefix get the "C" collation, so a plain B-tree range serves
# "starts with" exactly and the name order is the byte order SQLite uses too (the keys are lower-case
# with Ё→Е, so byte order is alphabetical for Russian). The pattern_ops indexes of 0003 become unneeded.
# A later AlterField on one of these columns must keep COLLATE "C" (see docs/decisions/0002-search.md).
COLUMNS = [
    ("contacts_contact", "name_key", 310),
    ("contacts_company", "name_key", 255),
    ("contacts_contactemail", "address", 254),
    ("contacts_company", "inn", 12),
    ("contacts_searchword", "word", 100),
]
PATTERN_INDEXES = [
    "contacts_contact_name_pattern",
    "contacts_company_name_pattern",
    "contacts_email_address_pattern",
]


def to_c(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in PATTERN_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        for table, column, length in COLUMNS:
            cursor.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({length}) COLLATE "C"')


def to_default(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, column, length in COLUMNS:
            cursor.execute(
                f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({length}) COLLATE "default"'
            )


class Migration(migrations.Migration):
    dependencies = [("contacts", "0004_search_words_and_partial_indexes")]
    operations = [migrations.RunPython(to_c, to_default)]
