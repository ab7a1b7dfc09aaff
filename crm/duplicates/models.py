"""Pairs of cards the finder thinks are one person, and what a person decided about them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PairStatus(models.TextChoices):
    OPEN = "open", _("To review")
    DISMISSED = "dismissed", _("Not a duplicate")
    MERGED = "merged", _("Merged")


class DuplicatePair(models.Model):
    """Two cards, the lower id first; a pair marked "not a duplicate" is never proposed again."""

    first = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=PairStatus.choices, default=PairStatus.OPEN)
    found_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="duplicate_pair_unique"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="duplicate_pair_ordered"
            ),
        ]
        indexes = [models.Index(fields=["status", "-score"], name="duplicate_pair_queue_idx")]

    def __str__(self) -> str:
        return f"{self.first_id} ~ {self.second_id} ({self.score:.2f})"


class Merge(models.Model):
    """Two cards made one, and what it takes to make them two again: the survivor's values before and
    right after the merge, what came from the merged card, and the history moved to the survivor."""

    survivor = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    merged = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    before = models.JSONField()  # the survivor's input before
    after = models.JSONField()  # and right after: what was changed since stays on undo
    taken = models.JSONField()  # the merged card's phone and e-mail rows, messengers and tags it brought
    entry_ids = models.JSONField(default=list)
    task_ids = models.JSONField(default=list)
    deal_ids = models.JSONField(default=list)
    order_ids = models.JSONField(default=list)
    signal_ids = models.JSONField(default=list)  # the lead signals it moved
    comment_ids = models.JSONField(default=list)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"
