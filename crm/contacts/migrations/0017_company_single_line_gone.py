# A migration of its own: on PostgreSQL the rows 0016 copied hold deferred foreign-key checks on the
# company table until its transaction ends, and the table cannot be altered while they are pending.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("contacts", "0016_company_phones_and_emails")]

    operations = [
        migrations.RemoveIndex(
            model_name="company",
            name="company_email_idx",
        ),
        migrations.RemoveField(
            model_name="company",
            name="email",
        ),
        migrations.RemoveField(
            model_name="company",
            name="phone",
        ),
        migrations.RemoveField(
            model_name="company",
            name="phone_ext",
        ),
    ]
