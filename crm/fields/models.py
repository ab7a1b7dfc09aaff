"""What an administrator configures about a card without code: fields, choice lists, record types, access.

Values of custom fields live on the record itself (a ``custom`` JSON column, decision 0003); these tables
only describe them, so adding a field needs no migration and no restart.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def _in_language(ru: str, en: str) -> str:
    return (en or ru) if (get_language() or "ru").startswith("en") else (ru or en)


class RecordKind(models.TextChoices):
    CONTACT = "contact", _("Contacts")
    COMPANY = "company", _("Companies")
    DEAL = "deal", _("Deals")


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    MONEY = "money", _("Money")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date and time")
    BOOLEAN = "boolean", _("Yes / no")
    CHOICE = "choice", _("Single choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    URL = "url", _("URL")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    USER = "user", _("User")


class Requirement(models.TextChoices):
    HIDDEN = "hidden", _("Not on this type")
    OPTIONAL = "optional", _("Optional")
    RECOMMENDED = "recommended", _("Recommended")
    REQUIRED = "required", _("Required")


class AccessLevel(models.TextChoices):
    EDIT = "edit", _("Editable")
    READ = "read", _("Read-only")
    HIDDEN = "hidden", _("Hidden")


class ChoiceList(models.Model):
    """A central list of options ("Отрасль", "Тип клиента", "Источник"), reused by any number of fields."""

    key = models.SlugField(_("code"), max_length=50, unique=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)

    class Meta:
        ordering = ["name_ru", "id"]
        verbose_name = _("choice list")
        verbose_name_plural = _("choice lists")

    def __str__(self) -> str:
        return _in_language(self.name_ru, self.name_en)


class ChoiceOption(models.Model):
    """One option of a list. Records store its id, so renaming it renames it everywhere at once.

    A merged option points to the option it became; stored ids of it are read as that option.
    """

    choice_list = models.ForeignKey(ChoiceList, on_delete=models.CASCADE, related_name="options")
    label_ru = models.CharField(_("label (Russian)"), max_length=150)
    label_en = models.CharField(_("label (English)"), max_length=150, blank=True)
    order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("offered for new values"), default=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("option")
        verbose_name_plural = _("options")

    def __str__(self) -> str:
        return _in_language(self.label_ru, self.label_en)


class RecordType(models.Model):
    """A kind of card within a record kind (a lead, a client) with its own field set and required fields.

    ``levels`` maps a field key to a ``Requirement``; a field not named is optional on this type.
    """

    kind = models.CharField(_("record kind"), max_length=16, choices=RecordKind.choices)
    key = models.SlugField(_("code"), max_length=50)
    name_ru = models.CharField(_("name (Russian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)
    levels = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["kind", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="record_type_unique_key")]
        verbose_name = _("record type")
        verbose_name_plural = _("record types")

    def __str__(self) -> str:
        return _in_language(self.name_ru, self.name_en)


class FieldDefinition(models.Model):
    """A custom field of a record kind, or the settings of a standard one (``is_standard``).

    ``key`` is stable: the API and the stored values use it, so it never changes after creation.
    """

    kind = models.CharField(_("record kind"), max_length=16, choices=RecordKind.choices)
    key = models.SlugField(_("key"), max_length=50)
    is_standard = models.BooleanField(default=False, editable=False)
    field_type = models.CharField(_("type"), max_length=16, choices=FieldType.choices, default=FieldType.TEXT)
    label_ru = models.CharField(_("label (Russian)"), max_length=100, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=100, blank=True)
    help_ru = models.CharField(_("help text (Russian)"), max_length=255, blank=True)
    help_en = models.CharField(_("help text (English)"), max_length=255, blank=True)
    choice_list = models.ForeignKey(
        ChoiceList, verbose_name=_("choice list"), null=True, blank=True, on_delete=models.PROTECT
    )
    required = models.BooleanField(_("required"), default=False)
    default = models.JSONField(_("default"), null=True, blank=True)
    group = models.CharField(_("group on the card"), max_length=100, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    filterable = models.BooleanField(_("filter and sort in lists"), default=False)
    in_list = models.BooleanField(_("column in lists"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="field_unique_key")]
        verbose_name = _("field")
        verbose_name_plural = _("fields")

    def __str__(self) -> str:
        return _in_language(self.label_ru, self.label_en) or self.key


class FieldAccess(models.Model):
    """Field-level security: what a role may do with one field (no row: editable)."""

    kind = models.CharField(max_length=16, choices=RecordKind.choices)
    key = models.SlugField(max_length=50)
    role = models.ForeignKey("accounts.Role", on_delete=models.CASCADE, related_name="field_access")
    level = models.CharField(max_length=8, choices=AccessLevel.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key", "role"], name="field_access_unique")]

    def __str__(self) -> str:
        return f"{self.kind}.{self.key}: {self.role_id} {self.level}"


class SchemaVersion(models.Model):
    """One row whose token changes with every definition change: processes reload their cached schema."""

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return self.token
