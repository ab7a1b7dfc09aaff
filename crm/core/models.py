from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ChangeChannel(models.TextChoices):
    UI = "ui", _("Web interface")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    AUTOMATION = "automation", _("Automation")
    INTAKE = "intake", _("Intake")
    SYSTEM = "system", _("System")


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Moved to trash")
    RESTORE = "restore", _("Restored from trash")
    PURGE = "purge", _("Deleted for good")
    MERGE = "merge", _("Merged")
    LOCKOUT = "lockout", _("Sign-in locked after failed attempts")
    EXPORT = "export", _("Exported")


class AuditEntry(models.Model):
    """One row of the change journal: who changed what (old → new), when, from where and from which IP.

    Written by services inside the same transaction as the change itself, never by signals.
    The object is referenced by type label and id (not a foreign key) so entries outlive a purge.
    """

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    channel = models.CharField(max_length=16, choices=ChangeChannel.choices)
    ip = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(max_length=64)
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=255)
    changes = models.JSONField(default=dict, blank=True)
    # The write this entry belongs to when many cards were written at once (an import, a bulk action):
    # what one batch did can be listed, reported and undone together.
    batch = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_idx"),
            models.Index(fields=["-at", "-id"], name="audit_at_idx"),
            models.Index(fields=["actor", "-at"], name="audit_actor_idx"),
            models.Index(fields=["batch"], name="audit_batch_idx", condition=models.Q(batch__isnull=False)),
        ]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
