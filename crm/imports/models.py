"""An import is a batch: what file it read, what it did to each card, and what it refused and why.

The batch's id is the journal's batch id (``AuditEntry.batch``): the entries of every card it created,
changed or attached carry it, so a list can be filtered by it and the whole batch undone together.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OnDuplicate(models.TextChoices):
    """What a row does when its phone or e-mail is already on a card in the base."""

    SKIP = "skip", _("Skip the row")
    FILL = "fill", _("Update the card: fill its empty fields")
    OVERWRITE = "overwrite", _("Update the card: overwrite with the file's values")
    ATTACH = "attach", _("Attach the row to the card (a note on its timeline, no field changed)")


class ImportStatus(models.TextChoices):
    DRAFT = "draft", _("Uploaded, not started")
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    UNDONE = "undone", _("Undone")


class ImportTemplate(models.Model):
    """A column mapping saved by name, for files exported the same way again: the wizard applies it by
    choice (or by itself when a file's columns are all in it), ``crm import --template NAME`` by name."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    mapping = models.JSONField(default=dict)  # a column's header → the target it goes to ("" : not imported)
    on_duplicate = models.CharField(max_length=16, choices=OnDuplicate.choices, default=OnDuplicate.SKIP)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("import template")

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=255)
    source_file = models.FileField(upload_to="imports/%Y/%m/", max_length=255, blank=True)
    file_format = models.CharField(max_length=16)
    encoding = models.CharField(max_length=32, blank=True)
    mapping = models.JSONField(default=dict)  # the file's header → the target it was imported into
    template_name = models.CharField(max_length=100, blank=True)  # the saved mapping applied, if any
    on_duplicate = models.CharField(max_length=16, choices=OnDuplicate.choices, default=OnDuplicate.SKIP)
    owner = models.ForeignKey(  # the cards' owner when the file names none (None: who imports)
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.DRAFT)
    rows_total = models.PositiveIntegerField(default=0)  # the file's data rows
    # The records (rows after merging) written so far, chunk by chunk in the transaction of each chunk: a
    # worker that dies mid-import resumes after the last committed chunk, so no row is written twice.
    records_total = models.PositiveIntegerField(default=0)
    records_done = models.PositiveIntegerField(default=0)
    heartbeat = models.DateTimeField(null=True, blank=True)  # the last chunk's commit
    error = models.TextField(blank=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    attached = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name


class ImportProblem(models.Model):
    """A refused row (``rejected``) or a value left out of an imported one, with the row's number."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="problems")
    row = models.PositiveIntegerField()
    rows = models.CharField(max_length=255, blank=True)  # every row of the file merged into this one
    column = models.CharField(max_length=255, blank=True)
    value = models.TextField(blank=True)
    message = models.TextField()
    rejected = models.BooleanField(default=False)

    class Meta:
        ordering = ["row", "id"]

    def __str__(self) -> str:
        return f"{self.row}: {self.message}"


class TouchAction(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    ATTACHED = "attached", _("Attached")


class ImportTouch(models.Model):
    """A card the batch created, changed or attached a row to; ``before`` holds what an update replaced,
    so undoing the batch can give it back."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="touches")
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    company = models.ForeignKey(
        "contacts.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    action = models.CharField(max_length=16, choices=TouchAction.choices)
    before = models.JSONField(null=True, blank=True)
    entry_id = models.BigIntegerField(null=True, blank=True)  # the timeline note an attachment added

    class Meta:
        indexes = [models.Index(fields=["batch", "action"], name="import_touch_batch_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.contact_id or self.company_id}"


class SourceKey(models.Model):
    """A card's id in the system a file came from (HubSpot's Record ID, amoCRM's ID, a vCard's UID): the
    card shows it, and a later export of the same system finds the card by it."""

    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    company = models.ForeignKey(
        "contacts.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    system = models.CharField(max_length=32)
    value = models.CharField(max_length=255)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["system", "value"], name="source_key_idx"),
            models.Index(fields=["contact"], name="source_key_contact_idx"),
            models.Index(fields=["company"], name="source_key_company_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.system}:{self.value}"


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV (UTF-8)")
    CSV_1251 = "csv1251", _("CSV for Russian Excel (Windows-1251)")
    XLSX = "xlsx", _("Excel (XLSX)")
    VCARD = "vcf", _("vCard 4.0")


class ExportJob(models.Model):
    """A list written to a file, in the worker, for the user who asked (only what they may see and export)."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(max_length=16, default="contact")
    file_format = models.CharField(max_length=8, choices=ExportFormat.choices)
    query = models.CharField(max_length=2000, blank=True)  # the list's filters, as its address had them
    # Or a segment's members (as its author sees them when the file is written), or cards chosen by hand.
    segment = models.ForeignKey(
        "segments.Segment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ids = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/%Y/%m/", max_length=255, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_format} {self.created_at:%Y-%m-%d %H:%M}"
