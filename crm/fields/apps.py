from django.apps import AppConfig


class FieldsConfig(AppConfig):
    name = "crm.fields"
    label = "fields"
    verbose_name = "Fields"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from crm.core.templatetags.crm import (
            register_field_labels,
            register_label_resolver,
            register_object_type,
            register_value_labels,
        )
        from crm.fields import jobs  # noqa: F401  (Huey discovers tasks modules; ours are jobs.py)
        from crm.fields.models import FieldType
        from crm.fields.schema import journal_label

        register_label_resolver(journal_label)
        register_value_labels("field_type", dict(FieldType.choices))
        register_object_type("fields.fielddefinition", _("Field"))
        register_object_type("fields.choicelist", _("Choice list"))
        register_object_type("fields.choiceoption", _("Option"))
        register_object_type("fields.recordtype", _("Record type"))
        register_field_labels(
            {
                "record_type": _("Type"),
                "key": _("Key"),
                "field_type": _("Type"),
                "label_ru": _("Label (Russian)"),
                "label_en": _("Label (English)"),
                "help_ru": _("Help text (Russian)"),
                "help_en": _("Help text (English)"),
                "choice_list": _("Choice list"),
                "required": _("Required"),
                "default": _("Default value"),
                "group": _("Group"),
                "order": _("Order"),
                "filterable": _("Filterable"),
                "in_list": _("In list"),
                "merged_into": _("Merged into"),
                "note": _("Note"),
            }
        )
