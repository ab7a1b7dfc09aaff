"""What the CRM tells a person (R3.2, R3.4): in the app, by e-mail, by Telegram.

A ``Notification`` is the in-app message (the bell's list and unread count); each outside channel gets a
``Delivery`` row, created in the same transaction, so a message is sent once: a worker claims a pending
delivery before sending it, and a restart finds the unsent ones still pending.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    TELEGRAM = "telegram", "Telegram"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32)  # reminder, task_assigned, tasks_assigned, task_comment, digest, …
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(max_length=500, blank=True)
    task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # A reminder sent after its time (the worker was down): still sent, and says so.
    late = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user_idx"),
            models.Index(fields=["user"], name="notification_unread_idx", condition=Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    not_before = models.DateTimeField(default=timezone.now)  # a rate-limited message waits
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel")
        ]
        indexes = [
            models.Index(fields=["not_before"], name="delivery_pending_idx", condition=Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.status} #{self.notification_id}"


def _token() -> str:
    return secrets.token_urlsafe(24)


class Preferences(models.Model):
    """A person's delivery settings: channels, the morning digest, the Telegram chat, the calendar feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    by_email = models.BooleanField(_("by e-mail"), default=True)
    by_telegram = models.BooleanField(_("by Telegram"), default=True)
    digest_time = models.TimeField(_("morning digest at"), null=True, blank=True)
    last_digest_on = models.DateField(null=True, blank=True)
    last_report_week = models.DateField(null=True, blank=True)  # the Monday of the last weekly report sent
    telegram_chat_id = models.CharField(max_length=32, blank=True)
    telegram_link_code = models.CharField(max_length=32, blank=True)
    # The secret in the calendar feed's address; a new one cuts off every old subscription.
    calendar_token = models.CharField(max_length=64, unique=True, default=_token)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return f"{self.user_id}"


class TelegramState(models.Model):
    """The getUpdates offset: which bot updates (link requests) have been read."""

    offset = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.offset)
