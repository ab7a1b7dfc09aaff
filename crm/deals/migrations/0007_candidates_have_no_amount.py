"""A candidate (R8.8) has no amount: the «Кандидат» type hides the deals' standard field «amount» (and so
the lines and the sums that make it), unless an administrator has set it otherwise already."""

import uuid

from django.db import migrations


def hide(apps, schema_editor):
    RecordType = apps.get_model("fields", "RecordType")
    for record_type in RecordType.objects.filter(kind="deal", key="candidate"):
        if "amount" not in record_type.levels:
            record_type.levels = {**record_type.levels, "amount": "hidden"}
            record_type.save(update_fields=["levels"])
    apps.get_model("fields", "SchemaVersion").objects.update(token=uuid.uuid4().hex)


class Migration(migrations.Migration):
    dependencies = [("deals", "0006_deal_types_and_recruiting")]
    operations = [migrations.RunPython(hide, migrations.RunPython.noop)]
