from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuplicatesConfig(AppConfig):
    name = "crm.duplicates"
    label = "duplicates"
    verbose_name = _("Duplicates")

    def ready(self) -> None:
        # Huey's consumer discovers "tasks" modules; ours are called jobs.py (house style), so register them.
        from crm.duplicates import cards, jobs  # noqa: F401

        cards.register()
