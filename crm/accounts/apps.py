from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "crm.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from crm.accounts import lockout  # noqa: F401 - connects the lock-out journal to django-axes
