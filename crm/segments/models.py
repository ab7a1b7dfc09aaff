from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.segments.visibility import SegmentQuerySet


class SegmentKind(models.TextChoices):
    CONTACT = "contact", _("People")
    COMPANY = "company", _("Companies")


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
