"""Starter record types for companies (issue 13: a company with nothing filled showed 100 % complete, since
no company field was recommended anywhere): a legal entity and a sole trader, each recommending what
Russian counterparties are checked by. Installations that already made company types keep theirs.

Companies without a type become legal entities (sole traders when their legal form is ИП), and their completeness is counted anew here from the
same rule the services apply (the share of the type's recommended and required fields that are filled),
since no definition change will trigger the worker's recount.
"""

import uuid

from django.db import migrations

LEGAL = ("inn", "kpp", "ogrn", "phone", "email", "address")
SOLE = ("inn", "ogrn", "phone", "email", "address")
SOLE_FORMS = {"ип", "индивидуальный предприниматель"}


def create(apps, schema_editor):
    RecordType = apps.get_model("fields", "RecordType")
    FieldDefinition = apps.get_model("fields", "FieldDefinition")
    SchemaVersion = apps.get_model("fields", "SchemaVersion")
    Company = apps.get_model("contacts", "Company")
    if RecordType.objects.filter(kind="company").exists():
        return
    legal = RecordType.objects.create(
        kind="company",
        key="legal",
        name_ru="Юрлицо",
        name_en="Legal entity",
        order=10,
        levels=dict.fromkeys(LEGAL, "recommended"),
    )
    sole = RecordType.objects.create(
        kind="company",
        key="sole",
        name_ru="ИП",
        name_en="Sole trader",
        order=20,
        levels=dict.fromkeys(SOLE, "recommended") | {"kpp": "hidden"},
    )
    required = FieldDefinition.objects.filter(kind="company", required=True, is_active=True)
    required_standard = set(required.filter(is_standard=True).values_list("key", flat=True)) - set(LEGAL)
    required_custom = list(required.filter(is_standard=False).values_list("key", flat=True))
    names = {f.name for f in Company._meta.fields}
    by_type = {
        key: (
            pk,
            [
                k
                for k in (
                    *fields,
                    *sorted(required_standard - {"kpp"} if key == "sole" else required_standard),
                )
                if k in names
            ],
        )
        for key, pk, fields in (("legal", legal.pk, LEGAL), ("sole", sole.pk, SOLE))
    }
    batch = []
    for company in Company.objects.filter(record_type=None).iterator(chunk_size=2000):
        key = "sole" if (company.legal_form or "").strip().casefold() in SOLE_FORMS else "legal"
        type_pk, columns = by_type[key]
        wanted = len(columns) + len(required_custom)
        filled = sum(1 for name in columns if getattr(company, name))
        filled += sum(1 for k in required_custom if (company.custom or {}).get(k) not in (None, "", []))
        company.record_type_id = type_pk
        company.completeness = round(100 * filled / wanted) if wanted else 100
        batch.append(company)
        if len(batch) == 2000:
            Company.objects.bulk_update(batch, ["record_type", "completeness"])
            batch = []
    Company.objects.bulk_update(batch, ["record_type", "completeness"])
    SchemaVersion.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


class Migration(migrations.Migration):
    dependencies = [("fields", "0002_starter_configuration"), ("contacts", "0011_company_legal_address")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
