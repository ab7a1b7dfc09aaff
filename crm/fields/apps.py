from django.apps import AppConfig


class FieldsConfig(AppConfig):
    name = "crm.fields"
    label = "fields"
    verbose_name = "Fields"

    def ready(self) -> None:
        from crm.fields import jobs  # noqa: F401  (Huey discovers tasks modules; ours are jobs.py)
