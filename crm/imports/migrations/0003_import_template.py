import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0002_exportjob"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="template_name",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.CreateModel(
            name="ImportTemplate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, unique=True, verbose_name="name")),
                ("mapping", models.JSONField(default=dict)),
                (
                    "on_duplicate",
                    models.CharField(
                        choices=[
                            ("skip", "Skip the row"),
                            ("fill", "Update the card: fill its empty fields"),
                            ("overwrite", "Update the card: overwrite with the file's values"),
                            (
                                "attach",
                                "Attach the row to the card (a note on its timeline, no field changed)",
                            ),
                        ],
                        default="skip",
                        max_length=16,
                    ),
                ),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "import template",
                "ordering": ["name"],
            },
        ),
    ]
