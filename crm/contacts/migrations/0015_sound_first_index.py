from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("contacts", "0014_first_sound")]

    operations = [
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["name_sound", "first_sound"], name="contact_sound_first_idx"),
        ),
    ]
