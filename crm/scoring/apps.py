from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "crm.scoring"
    label = "scoring"
    verbose_name = "Lead scoring"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from crm.core.templatetags.crm import register_field_labels, register_object_type
        from crm.scoring import cards, demo, jobs  # noqa: F401  (Huey discovers tasks modules; ours are jobs.py)

        cards.register()
        demo.register()
        register_object_type("scoring.rule", _("Scoring rule"))
        register_object_type("scoring.settings", _("Lead scoring settings"))
        register_field_labels(
            {"action": _("Action"), "address_contains": _("Address contains"), "points": _("Points")},
            "scoring.rule",
        )
        register_field_labels(
            {
                "half_life_days": _("Points halve every, days"),
                "hot_from": _("Hot from, points"),
                "warm_from": _("Warm from, points"),
            },
            "scoring.settings",
        )
