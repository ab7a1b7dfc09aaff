from django.db import migrations, models


def fill(apps, schema_editor):
    """Existing cards get their first name's sound key, a chunk at a time."""
    from crm.core.names import sound_key

    Contact = apps.get_model("contacts", "Contact")
    last = 0
    while True:
        chunk = list(Contact.objects.filter(pk__gt=last).order_by("pk").only("pk", "first_name")[:5000])
        if not chunk:
            break
        for card in chunk:
            card.first_sound = sound_key(card.first_name)[:100]
        Contact.objects.bulk_update(chunk, ["first_sound"])
        last = chunk[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0013_phone_is_shared"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="first_sound",
            field=models.CharField(blank=True, editable=False, max_length=100),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        # The surname's sound key in name order too, so search takes the first few by name from the index.
        migrations.RemoveIndex(model_name="contact", name="contact_sound_idx"),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["name_sound", "name_key", "id"], name="contact_sound_name_idx"),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["first_sound", "name_key", "id"], name="contact_first_sound_idx"),
        ),
    ]
