from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "crm.activities"
    label = "activities"
    verbose_name = "Activities"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from crm.activities import cards
        from crm.activities.models import Direction, EntryKind
        from crm.core.templatetags.crm import (
            register_field_labels,
            register_object_type,
            register_value_labels,
        )

        cards.register()
        from crm.activities import demo

        demo.register()
        from crm.activities.services import entries_record_events
        from crm.core.events import register_timeline_writer

        register_timeline_writer(entries_record_events)
        from django.db.models.signals import post_delete

        from crm.activities.models import Attachment
        from crm.activities.storage import remove_stored_file

        post_delete.connect(remove_stored_file, sender=Attachment, dispatch_uid="attachment-file")
        register_object_type("activities.entry", _("Timeline entry"))
        register_object_type("activities.attachment", _("File"))
        register_value_labels("kind", dict(EntryKind.choices))
        register_value_labels("direction", dict(Direction.choices))
        register_field_labels(
            {
                "kind": _("Kind"),
                "occurred_at": _("Date and time"),
                "direction": _("Direction"),
                "summary": _("Summary"),
                "result": _("Result"),
                "next_step": _("Next step"),
                "category": _("Category"),
                "refusal_reason": _("Refusal reason"),
                "refusal_comment": _("Refusal comment"),
                "duration_seconds": _("Duration, s"),
                "recording_url": _("Recording"),
                "subject": _("Subject"),
                "file": _("File"),
                "last_contact_at": _("Last contact"),
                "location": _("Place"),
                "channel": _("Messenger"),
                "email_from": _("From"),
                "email_to": _("To"),
                "body_html": _("E-mail text"),
            }
        )
