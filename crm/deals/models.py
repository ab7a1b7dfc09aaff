"""Deals (R4): money a client may bring, moving through the stages of a pipeline to won or lost.

A pipeline is an ordered list of stages; each stage is open, won or lost, so the board's columns and the
outcomes are one list an administrator edits. A deal's moves are kept (``StageChange``): time in stage,
velocity and stuck deals are read from them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.deals.visibility import DealQuerySet

LOSS_REASON_LIST = "loss_reason"
SOURCE_LIST = "source"  # the contacts' central list: a deal comes from where its client came from
DEFAULT_CURRENCY = "RUB"
LIVE = Q(deleted_at__isnull=True)


class StageKind(models.TextChoices):
    OPEN = "open", _("In progress")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Pipeline(models.Model):
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    """One column of a pipeline, with what a manager needs at it: a checklist, a script, who answers for
    it and how many days a deal may stay."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(default=0)
    kind = models.CharField(_("outcome"), max_length=8, choices=StageKind.choices, default=StageKind.OPEN)
    # A deal entering the stage must leave it within this many days, or it is flagged as stuck.
    days_limit = models.PositiveIntegerField(_("days at the stage"), null=True, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checklist = models.JSONField(_("checklist"), default=list, blank=True)  # the items' texts, in order
    script = models.TextField(_("sales script"), blank=True)

    class Meta:
        ordering = ["pipeline", "order", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self) -> str:
        return self.name


class Deal(models.Model):
    title = models.CharField(_("title"), max_length=255)
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="+"
    )
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="deals")
    # The stage's kind, copied by the services: the board, the lists and "open business" filter on it.
    status = models.CharField(_("status"), max_length=8, choices=StageKind.choices, default=StageKind.OPEN)
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    company = models.ForeignKey(
        "contacts.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="deals"
    )
    # The owner's department, kept by the services (as on cards): a head's scope is one index range.
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.ForeignKey(
        "fields.ChoiceOption",
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    loss_reason = models.ForeignKey(
        "fields.ChoiceOption",
        verbose_name=_("loss reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    loss_comment = models.TextField(_("loss comment"), blank=True)
    stage_entered_at = models.DateTimeField(default=timezone.now)
    # When the deal must have left its stage (the stage's day limit from entering it); empty: no limit.
    stage_due_at = models.DateTimeField(null=True, blank=True)
    # Checked items of the current stage's checklist, by their text.
    checked = models.JSONField(default=list, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = DealQuerySet.as_manager()

    class Meta:
        ordering = ["-stage_entered_at", "-id"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            # A board's column: one range per stage, newest arrivals first, for each scope.
            models.Index(fields=["stage", "-stage_entered_at", "-id"], name="deal_stage_idx", condition=LIVE),
            models.Index(
                fields=["owner", "stage", "-stage_entered_at", "-id"],
                name="deal_owner_stage_idx",
                condition=LIVE,
            ),
            models.Index(
                fields=["department", "stage", "-stage_entered_at", "-id"],
                name="deal_dept_stage_idx",
                condition=LIVE,
            ),
            # The board's sums: open deals of a pipeline, and those closed lately, read from the index alone.
            models.Index(
                fields=["pipeline", "status", "stage_entered_at", "stage", "currency", "amount"],
                name="deal_board_sums_idx",
                condition=LIVE,
            ),
            # The list, newest first, for each scope.
            models.Index(fields=["-created_at", "-id"], name="deal_created_idx", condition=LIVE),
            models.Index(
                fields=["owner", "-created_at", "-id"], name="deal_owner_created_idx", condition=LIVE
            ),
            models.Index(
                fields=["department", "-created_at", "-id"], name="deal_dept_created_idx", condition=LIVE
            ),
            models.Index(fields=["contact", "status"], name="deal_contact_idx"),
            models.Index(fields=["company", "status"], name="deal_company_idx"),
            models.Index(fields=["status", "stage_due_at"], name="deal_due_idx", condition=LIVE),
            models.Index(fields=["deleted_at"], name="deal_trash_idx", condition=Q(deleted_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        """Past its stage's deadline and still open: a stuck deal."""
        return (
            self.status == StageKind.OPEN
            and self.stage_due_at is not None
            and self.stage_due_at < timezone.now()
        )


class StageChange(models.Model):
    """One move of a deal: where from, where to, when, by whom, and how long it had stayed before."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    to_stage = models.ForeignKey(Stage, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Seconds the deal spent at ``from_stage``: velocity and time in stage without a self-join.
    seconds_before = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["deal", "at"], name="deal_stage_change_idx")]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id} → {self.to_stage_id}"
