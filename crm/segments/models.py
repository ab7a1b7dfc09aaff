import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.segments.visibility import SegmentQuerySet


class SegmentKind(models.TextChoices):
    CONTACT = "contact", _("People")
    COMPANY = "company", _("Companies")
    DEAL = "deal", _("Deals")
    TASK = "task", _("Tasks")


class Segment(models.Model):
    """A saved, live selection of cards: conditions on any field (``rules.py``) evaluated afresh for
    whoever opens it, within what that person sees. Its owner answers for it; shared, everyone can use it
    (each sees its members among their own cards), only the owner and an administrator change it."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("cards"), max_length=16, choices=SegmentKind.choices, default=SegmentKind.CONTACT
    )
    definition = models.JSONField(_("conditions"), default=dict)
    sort = models.CharField(_("sort"), max_length=64, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="segments"
    )
    shared = models.BooleanField(_("shared"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SegmentQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        indexes = [models.Index(fields=["owner", "name"], name="segment_owner_idx")]

    def __str__(self) -> str:
        return self.name


class SegmentSize(models.Model):
    """A segment's size on a day, counted at night within its owner's sight: the report's curve."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="sizes")
    day = models.DateField()
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["segment", "day"], name="segment_size_day")]

    def __str__(self) -> str:
        return f"{self.segment_id} {self.day}: {self.size}"


class BulkVerb(models.TextChoices):
    TAG = "tag", _("Add a tag")
    UNTAG = "untag", _("Remove a tag")
    ASSIGN = "assign", _("Hand to a manager")
    STATUS = "status", _("Set the status")
    BASE_TYPE = "base_type", _("Set the base type")
    TASK = "task", _("Create a task for each")
    DUE = "due", _("Move the due date")
    STAGE = "stage", _("Move to a stage")


class BulkStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("bulk action", "Queued")
    RUNNING = "running", pgettext_lazy("bulk action", "Running")
    DONE = "done", pgettext_lazy("bulk action", "Done")
    FAILED = "failed", pgettext_lazy("bulk action", "Failed")
    UNDOING = "undoing", pgettext_lazy("bulk action", "Being undone")
    UNDONE = "undone", pgettext_lazy("bulk action", "Undone")


class BulkAction(models.Model):
    """One change made to many cards at once (a segment's members or cards chosen by hand), run by the
    worker. Its id is the journal batch of every card it changed, and of its undo."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=SegmentKind.choices, default=SegmentKind.CONTACT)
    verb = models.CharField(_("action"), max_length=16, choices=BulkVerb.choices)
    params = models.JSONField(default=dict)  # tag / tag_id, value (owner, status, base type, due), the task
    segment = models.ForeignKey(Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    selection = models.JSONField(null=True, blank=True)  # card ids chosen by hand, when not a segment
    status = models.CharField(max_length=16, choices=BulkStatus.choices, default=BulkStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)  # cards considered
    done = models.PositiveIntegerField(default=0)  # of them, gone through (for the progress bar)
    changed = models.PositiveIntegerField(default=0)  # of them, changed (the others held the value already)
    error = models.TextField(blank=True)
    channel = models.CharField(max_length=16, default="ui")  # where it was started: the journal's channel
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # a run that stops beating is taken up again
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="bulk_author_idx"),
            models.Index(fields=["status", "heartbeat_at"], name="bulk_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_verb_display()} ({self.changed})"


class BulkPart(models.Model):
    """Cards a bulk action changed that held one same value before it: what its undo puts back."""

    action = models.ForeignKey(BulkAction, on_delete=models.CASCADE, related_name="parts")
    before = models.JSONField(null=True)
    ids = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{self.action_id}: {len(self.ids)} cards"
