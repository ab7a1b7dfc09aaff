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

from crm.deals.visibility import DealQuerySet, OrderQuerySet

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
    # The kind of deal it holds (a sale, a candidate): the fields its deals carry (R8.8's recruiting).
    record_type = models.ForeignKey(
        "fields.RecordType",
        verbose_name=_("type of its deals"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
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
    # Its pipeline's type, kept by the services, and its custom fields' values (the configurable card).
    record_type = models.ForeignKey(
        "fields.RecordType", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    custom = models.JSONField(default=dict, blank=True)
    # The tags people and companies share: one spelling for everyone.
    tags = models.ManyToManyField("contacts.Tag", verbose_name=_("tags"), blank=True, related_name="deals")
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
            # The board's sums, read from the index alone: the open deals of a pipeline in GROUP BY order
            # (SQLite otherwise scans the whole table by the stage's key to avoid a sort), and those
            # closed lately, by their range.
            models.Index(
                fields=["pipeline", "status", "stage", "currency", "amount"],
                name="deal_open_sums_idx",
                condition=LIVE,
            ),
            models.Index(
                fields=["pipeline", "status", "stage_entered_at", "stage", "currency", "amount"],
                name="deal_closed_sums_idx",
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


class Product(models.Model):
    """A line of the catalogue (R4.5): what deals and orders are made of."""

    sku = models.CharField(_("SKU"), max_length=64)
    sku_key = models.CharField(max_length=64, unique=True, editable=False)  # casefolded: one SKU, one product
    name = models.CharField(_("name"), max_length=255)
    price = models.DecimalField(_("price"), max_digits=16, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    unit = models.CharField(_("unit"), max_length=16, default="шт")
    # Empty: the stock is not tracked (a service, a licence).
    stock = models.DecimalField(_("stock"), max_digits=14, decimal_places=3, null=True, blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


class Line(models.Model):
    """A line of a deal or an order: a product (or a free text), how many, at what price, less what
    discount; ``amount`` is computed by the services, to the kopeck."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=255)  # the product's name when the line was written
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3, default=1)
    price = models.DecimalField(_("price"), max_digits=16, decimal_places=2, default=0)
    discount = models.DecimalField(_("discount, %"), max_digits=5, decimal_places=2, default=0)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, default=0)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"


class DealItem(Line):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="items")

    class Meta(Line.Meta):
        verbose_name = _("deal line")
        verbose_name_plural = _("deal lines")


class OrderStatus(models.TextChoices):
    NEW = "new", _("New")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class Order(models.Model):
    """A purchase of a client (R4.5). The client's order count, total and last order date are kept on
    the card by the services, so lists and segments read them from the card's own row."""

    number = models.CharField(_("number"), max_length=64, blank=True)
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    company = models.ForeignKey(
        "contacts.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    deal = models.ForeignKey(
        Deal, verbose_name=_("deal"), null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    ordered_at = models.DateTimeField(_("ordered"), default=timezone.now)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    paid = models.DecimalField(_("paid"), max_digits=16, decimal_places=2, default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.NEW
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-ordered_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["contact", "ordered_at"], name="order_contact_idx"),
            models.Index(fields=["company", "ordered_at"], name="order_company_idx"),
            models.Index(fields=["-ordered_at", "-id"], name="order_recent_idx", condition=LIVE),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def counts(self) -> bool:
        """Whether the order is part of the client's purchase history (not cancelled, not trashed)."""
        return self.deleted_at is None and self.status != OrderStatus.CANCELLED


class OrderItem(Line):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")

    class Meta(Line.Meta):
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")


class Payment(models.Model):
    """Money received for an order; the order's ``paid`` is their sum, kept by the services."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    paid_at = models.DateTimeField(_("paid"), default=timezone.now)
    note = models.CharField(_("note"), max_length=255, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["paid_at", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.amount} {self.paid_at:%d.%m.%Y}"
