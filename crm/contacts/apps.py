from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "crm.contacts"
    label = "contacts"
    verbose_name = "Contacts"

    def ready(self) -> None:
        # Huey's consumer discovers "tasks" modules; ours are called jobs.py (house style), so register them.
        from crm.contacts import jobs
        from crm.contacts.declarations import journal_labels
        from crm.contacts.models import BaseType
        from crm.contacts.standard_fields import register_all
        from crm.core.templatetags.crm import register_field_labels, register_value_labels

        register_value_labels("base_type", dict(BaseType.choices), "contacts.contact")
        register_field_labels(journal_labels("contact"), "contacts.contact")
        register_field_labels(journal_labels("company"), "contacts.company")
        register_all()
        from crm.fields.signals import schema_changed

        schema_changed.connect(jobs.on_schema_changed, dispatch_uid="contacts.recount_completeness")
