from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

RECORD_KINDS = ("contact", "company", "deal")
ACTIONS = ("view", "create", "edit", "delete", "export", "import")


class Scope(models.TextChoices):
    OWN = "own", _("Own records")
    DEPARTMENT = "department", _("Department's records")
    ALL = "all", _("All records")


class Department(models.Model):
    """A team of users; a head sees the records owned by anyone in their department."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    """Rights per record kind (view, create, edit, delete, export) and a scope (own, department, all).

    ``permissions`` is ``{"contact": ["view", "edit", …], "company": […]}``.
    """

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices, default=Scope.OWN)
    permissions = models.JSONField(_("rights"), default=dict, blank=True)
    is_admin = models.BooleanField(
        _("administrator"), default=False, help_text=_("Manages users, roles and sees the whole journal.")
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "ru").startswith("en") else self.name_ru

    def allows(self, kind: str, action: str) -> bool:
        return action in self.permissions.get(kind, ())


class User(AbstractUser):
    """A person who logs in. Their role gives rights, their department gives the team scope."""

    middle_name = models.CharField(_("middle name"), max_length=150, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    role = models.ForeignKey(
        Role, verbose_name=_("role"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # Dates and times are shown, and digests sent, in this zone ("" = the installation's CRM_TIME_ZONE).
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    # Moved on by a deactivation: part of every session's signature, so the sessions signed before it
    # never come back, even when the user is activated again.
    access_epoch = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "crm.accounts.User.get_session_auth_hash",
            f"{self.password}:{self.access_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token itself is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
