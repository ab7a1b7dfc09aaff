from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "crm.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        # Huey's consumer discovers "tasks" modules; ours are called jobs.py (house style), so register them.
        from crm.imports import cards, jobs  # noqa: F401

        cards.register()
