from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "crm.segments"
    label = "segments"
    verbose_name = "Segments"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from crm.core.templatetags.crm import register_field_labels, register_object_type
        from crm.segments import demo, jobs  # noqa: F401  (Huey discovers tasks modules; ours are jobs.py)

        demo.register()

        register_object_type("segments.segment", _("Segment"))
        register_field_labels(
            {"definition": _("Conditions"), "shared": _("Shared"), "kind": _("Cards")}, "segments.segment"
        )
