from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuplicatesConfig(AppConfig):
    name = "crm.duplicates"
    label = "duplicates"
    verbose_name = _("Duplicates")

    def ready(self) -> None:
        # Huey's consumer discovers "tasks" modules; ours are called jobs.py (house style), so register them.
        from crm.contacts.signals import cards_written
        from crm.duplicates import cards, jobs

        cards.register()
        cards_written.connect(jobs.on_cards_written, dispatch_uid="duplicates.check_cards")
