"""The interaction history: every call, e-mail, meeting, message, note and document on a card (R2).

An entry belongs to a person, a company or both (a deal later) and shows on each of their timelines; a
company's timeline also gathers its people's entries. Categories and refusal reasons are central choice
lists (``crm.fields``), so an administrator manages them like any other list.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.activities.visibility import AttachmentQuerySet, EntryQuerySet

CATEGORY_LIST = "activity_category"
REFUSAL_LIST = "refusal_reason"


class EntryKind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("E-mail")
    MEETING = "meeting", _("Meeting")
    MESSAGE = "message", _("Message")
    NOTE = "note", pgettext_lazy("entry kind", "Note")
    DOCUMENT = "document", _("Document")
    EVENT = "event", _("System event")


# Kinds that are a contact with the client: they move the card's "last contact" date.
INTERACTIONS = frozenset({EntryKind.CALL, EntryKind.EMAIL, EntryKind.MEETING, EntryKind.MESSAGE})


class Direction(models.TextChoices):
    INCOMING = "in", _("Incoming")
    OUTGOING = "out", _("Outgoing")


class Entry(models.Model):
    """One line of a card's timeline."""

    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    occurred_at = models.DateTimeField(_("date and time"), default=timezone.now)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="timeline",
    )
    company = models.ForeignKey(
        "contacts.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="timeline",
    )
    category = models.ForeignKey(
        "fields.ChoiceOption",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    summary = models.TextField(_("summary"), blank=True)
    result = models.CharField(_("result"), max_length=255, blank=True)
    next_step = models.CharField(_("next step"), max_length=255, blank=True)
    refusal_reason = models.ForeignKey(
        "fields.ChoiceOption",
        verbose_name=_("refusal reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    refusal_comment = models.CharField(_("refusal comment"), max_length=255, blank=True)
    # Calls and meetings.
    duration_seconds = models.PositiveIntegerField(_("duration, s"), null=True, blank=True)
    recording_url = models.URLField(_("recording"), max_length=500, blank=True)
    location = models.CharField(_("place"), max_length=255, blank=True)
    # Messages: which messenger.
    channel = models.CharField(_("messenger"), max_length=16, blank=True)
    # E-mails.
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    email_from = models.CharField(_("from"), max_length=500, blank=True)
    email_to = models.CharField(_("to"), max_length=1000, blank=True)
    body_html = models.TextField(_("body"), blank=True)  # sanitised by the services before it is stored
    # Written by the system (a merge, an import, a status change), not by a person.
    automatic = models.BooleanField(_("automatic"), default=False)
    # An automatic entry about one card field ("contact.status"): shown only to those who may see the field.
    about_field = models.CharField(max_length=64, blank=True, editable=False)
    # Kept by the services: a timeline page looks up files only for the entries that have some.
    has_files = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # ``visible_to(user)``: the one read rule of entries (crm/activities/visibility.py).
    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        indexes = [
            # A card's timeline is one index range, newest first, whatever its length.
            models.Index(
                fields=["contact", "-occurred_at", "-id"],
                name="entry_contact_idx",
                condition=models.Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["company", "-occurred_at", "-id"],
                name="entry_company_idx",
                condition=models.Q(deleted_at__isnull=True),
            ),
            models.Index(fields=["author", "-occurred_at"], name="entry_author_idx"),
            models.Index(
                fields=["deleted_at"], name="entry_trash_idx", condition=models.Q(deleted_at__isnull=False)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact__isnull=False) | models.Q(company__isnull=False),
                name="entry_has_card",
            )
        ]

    def __str__(self) -> str:
        text = self.subject or self.summary or self.get_kind_display()
        return f"{self.get_kind_display()}: {text[:60]}" if text != self.get_kind_display() else text

    @property
    def is_interaction(self) -> bool:
        return self.kind in INTERACTIONS


class Attachment(models.Model):
    """A file on a card or on an entry (R2.3). Served only through the permission-checked download view."""

    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/", max_length=255)
    name = models.CharField(_("name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("type"), max_length=100)
    entry = models.ForeignKey(
        Entry, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    company = models.ForeignKey(
        "contacts.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # ``visible_to(user)``: a file follows its entry, or its card (crm/activities/visibility.py).
    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("file")
        verbose_name_plural = _("files")
        indexes = [
            models.Index(fields=["contact", "-uploaded_at"], name="attachment_contact_idx"),
            models.Index(fields=["company", "-uploaded_at"], name="attachment_company_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact__isnull=False)
                | models.Q(company__isnull=False)
                | models.Q(entry__isnull=False),
                name="attachment_has_owner",
            )
        ]

    def __str__(self) -> str:
        return self.name
