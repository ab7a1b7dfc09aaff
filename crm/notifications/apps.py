from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "crm.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from crm.notifications import jobs  # noqa: F401  (Huey discovers tasks modules; ours are jobs.py)
