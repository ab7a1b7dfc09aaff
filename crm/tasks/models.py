"""Tasks (R3): dated work on a card, assigned to someone, with a reminder that fires on time.

An entry's "next step" becomes a task (R2.6); handing a task over keeps its comments and journal.
Categories are the central choice list ``task_category``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.tasks.visibility import TaskQuerySet

CATEGORY_LIST = "task_category"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


# Tabler colour names: the priority's badge and the task's left border.
PRIORITY_COLOURS = {1: "secondary", 2: "blue", 3: "orange", 4: "red"}


class Task(models.Model):
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        "fields.ChoiceOption",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_at = models.DateTimeField(_("due"))
    # A date without a time: due by the end of that day, shown as a date.
    all_day = models.BooleanField(_("all day"), default=False)
    remind_at = models.DateTimeField(_("reminder"), null=True, blank=True)
    # Set in the same transaction that creates the reminder's notification: a reminder is sent once.
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.PROTECT, related_name="tasks"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The assignee's department, kept by the services: a head's "department day" is an indexed filter.
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    company = models.ForeignKey(
        "contacts.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    entry = models.ForeignKey(
        "activities.Entry",
        verbose_name=_("from the entry"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    status = models.CharField(_("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    # When it was closed (done or cancelled); empty while open. Also keeps closed tasks out of the
    # reminder index, whose conditions are all IS NULL tests so both databases can use it.
    completed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The bulk action that made it ("a task for each member"): its re-run skips, its undo trashes by it.
    batch = models.UUIDField(null=True, blank=True, editable=False)
    # Grows with every change: calendar apps take the newest version of an item by it (iCalendar SEQUENCE).
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # ``visible_to(user)``: the one read rule of tasks (crm/tasks/visibility.py).
    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["assignee", "status", "due_at", "id"], name="task_assignee_idx"),
            models.Index(fields=["department", "status", "due_at", "id"], name="task_department_idx"),
            models.Index(fields=["contact", "status"], name="task_contact_idx"),
            models.Index(fields=["company", "status"], name="task_company_idx"),
            # The reminder scheduler's whole query is a range of this small partial index: never a scan.
            models.Index(
                fields=["remind_at"],
                name="task_reminder_due_idx",
                condition=Q(reminded_at__isnull=True, completed_at__isnull=True, deleted_at__isnull=True)
                & Q(remind_at__isnull=False),
            ),
            models.Index(fields=["status", "due_at"], name="task_status_due_idx"),
            models.Index(
                fields=["batch", "contact"], name="task_batch_idx", condition=Q(batch__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.status == TaskStatus.OPEN and self.due_at < timezone.now()

    @property
    def priority_colour(self) -> str:
        return PRIORITY_COLOURS.get(self.priority, "blue")


class TaskComment(models.Model):
    """A comment on a task; a hand-over writes one too, so the next person reads why."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("task comment")
        verbose_name_plural = _("task comments")

    def __str__(self) -> str:
        return self.text[:50]
