"""Reads of tasks, always scoped by ``Task.objects.visible_to(user)`` (crm/tasks/visibility.py): a person
sees tasks assigned to them or written by them, a head their department's, everyone the tasks on cards
they may see. The day, calendar and report pages read a narrower slice of it by their own index (the
person's tasks, or a head's department), which the rule always includes."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models import Count as DbCount
from django.utils import timezone

from crm.accounts import access
from crm.accounts.models import User
from crm.accounts.selectors import colleagues as colleagues
from crm.contacts.models import BaseType, Company, Contact
from crm.core import folding
from crm.core.business import open_business_q
from crm.core.errors import NotFound
from crm.core.models import AuditEntry
from crm.core.pagination import Page, SortKey, count, paginate
from crm.fields.schema import Option, schema_for
from crm.tasks.models import CATEGORY_LIST, Task, TaskComment, TaskStatus

DAY_LIMIT = 50  # shown per section of "my day"; the counts and the full list say the rest


@dataclass
class Day:
    overdue: list[Task] = field(default_factory=list)
    today: list[Task] = field(default_factory=list)
    upcoming: list[Task] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    estimated: dict[str, bool] = field(default_factory=dict)


def day_of(
    *,
    user: User,
    now: datetime.datetime | None = None,
    tz: datetime.tzinfo | None = None,
    department: bool = False,
    upcoming_days: int = 7,
) -> Day:
    """ "My day": open tasks overdue, due today and in the next days, for the person (or, for a head, the
    department). Three range reads of the (assignee | department, status, due_at) index."""
    ranges = day_ranges(now=now, tz=tz, upcoming_days=upcoming_days)
    qs = _listed(_day_tasks(user, department)).order_by("due_at", "id")
    day = Day()
    for name, (start, end) in ranges.items():
        part = qs.filter(due_at__gte=start, due_at__lt=end) if start else qs.filter(due_at__lt=end)
        rows = list(part[: DAY_LIMIT + 1])
        setattr(day, name, rows[:DAY_LIMIT])
        if len(rows) <= DAY_LIMIT:
            day.counts[name], day.estimated[name] = len(rows), False
        elif department:  # a team's or the company's day: exact up to the threshold, then the estimate
            total = count(part)
            day.counts[name], day.estimated[name] = total.value, total.estimated
        else:  # one person's tasks: an exact count of one index range
            day.counts[name], day.estimated[name] = part.count(), False
    return day


def day_ranges(
    *, now: datetime.datetime | None = None, tz: datetime.tzinfo | None = None, upcoming_days: int = 7
) -> dict[str, tuple[datetime.datetime | None, datetime.datetime]]:
    """The due ranges of "overdue", "today" (the rest of it) and "upcoming" in the person's time zone."""
    now = now or timezone.now()
    tz = tz or timezone.get_current_timezone()
    local = now.astimezone(tz)
    start = datetime.datetime.combine(local.date(), datetime.time.min, tzinfo=tz)
    end = start + datetime.timedelta(days=1)
    return {
        "overdue": (None, now),
        "today": (now, end),
        "upcoming": (end, end + datetime.timedelta(days=upcoming_days)),
    }


def _slice(user: User, department: bool) -> QuerySet[Task]:
    """What a day, calendar or report page reads, by its own index: the person's tasks, or (``department``)
    a head's department's, everyone's for an "all" scope. Always a part of what the user sees (an assignee
    sees their tasks, a head the department's), and started from that rule all the same."""
    scope = access.scope_fields(user, owner="assignee_id") if department else None
    return Task.objects.visible_part(user, {"assignee_id": user.pk} if scope is None else scope)


def _day_tasks(user: User, department: bool) -> QuerySet[Task]:
    """Open tasks of the person, or of the head's department (everyone's for an "all" scope)."""
    return _slice(user, department).filter(status=TaskStatus.OPEN)


# What a task row shows: the task's own columns and the names of its assignee and card, not their rows.
ROW_FIELDS = (
    "id",
    "title",
    "category_id",
    "due_at",
    "all_day",
    "priority",
    "status",
    "assignee_id",
    "remind_at",
    "created_at",
    "contact_id",
    "company_id",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__username",
    "contact__last_name",
    "contact__first_name",
    "contact__middle_name",
    "company__name",
)


def _listed(qs: QuerySet[Task]) -> QuerySet[Task]:
    return qs.select_related("assignee", "contact", "company").only(*ROW_FIELDS)


TASK_SORTS = {
    "due": SortKey("due_at"),
    "-due": SortKey("due_at", descending=True),
    "-priority": SortKey("priority", descending=True),
    "-created": SortKey("created_at", descending=True),
}
WHEN = ("overdue", "today", "upcoming", "open")  # "open": any due moment
STATUS_ANY = "all"


@dataclass
class TaskFilters:
    """What the tasks list narrows to: a section of "my day" (``when``), a status (open unless asked),
    the priority, the category, the assignee (a head's department view), words of the title, and a
    condition the caller built (a segment of tasks), applied as it is."""

    when: str = "open"
    status: str = TaskStatus.OPEN
    priority: int | None = None
    category_id: int | None = None
    assignee_id: int | None = None
    q: str = ""
    where: Q | None = None

    @classmethod
    def from_query(cls, query: Any) -> TaskFilters:
        when = query.get("when", "open")
        status = query.get("status", TaskStatus.OPEN)
        return cls(
            when=when if when in WHEN else "open",
            status=status if status in (*TaskStatus.values, STATUS_ANY) else TaskStatus.OPEN,
            priority=_number(query.get("priority")),
            category_id=_number(query.get("category")),
            assignee_id=_number(query.get("assignee")),
            q=" ".join(str(query.get("q", "")).split())[:100],
        )

    @property
    def narrowed(self) -> bool:
        """Whether it asks more than a section of "my day" does (the page is then titled «Tasks», not by
        the section)."""
        return bool(
            self.status != TaskStatus.OPEN or self.priority or self.category_id or self.assignee_id or self.q
        )


def _number(raw: Any) -> int | None:
    text = str(raw or "")
    return int(text) if text.isdecimal() and len(text) < 10 else None


def task_page(
    *,
    user: User,
    filters: TaskFilters,
    department: bool = False,
    sort: str = "due",
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Task]:
    """The tasks list, page by page (keyset on the sort): the person's own tasks, or (``department``) a
    head's department's, each read by its own index; a segment of tasks (``filters.where``) reads every
    task the user sees."""
    base = Task.objects.visible_to(user) if filters.where is not None else _slice(user, department)
    qs = _listed(base)
    if filters.status != STATUS_ANY:
        qs = qs.filter(status=filters.status)
    ranges = day_ranges()
    if filters.when in ranges:
        start, end = ranges[filters.when]
        qs = qs.filter(due_at__lt=end) if start is None else qs.filter(due_at__gte=start, due_at__lt=end)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.category_id:
        qs = qs.filter(category_id=filters.category_id)
    if filters.assignee_id:
        qs = qs.filter(assignee_id=filters.assignee_id)
    if filters.q:
        qs = qs.filter(folding.contains("title", filters.q))
    if filters.where is not None:
        qs = qs.filter(filters.where)
    return paginate(qs, TASK_SORTS.get(sort, TASK_SORTS["due"]), cursor, limit)


CALENDAR_PER_DAY = 4  # tasks shown in a calendar day; the rest are counted


@dataclass
class CalendarDays:
    tasks: dict[datetime.date, list[Task]]
    counts: dict[datetime.date, int]


def calendar_range(
    *, user: User, start: datetime.datetime, end: datetime.datetime, department: bool = False
) -> CalendarDays:
    """A month of tasks: every task's (due, id) from the index alone, counted per day, then the rows of
    the first few of each day. Two queries, no day cut off, however busy the month."""
    qs = _slice(user, department).filter(
        status__in=[TaskStatus.OPEN, TaskStatus.DONE], due_at__gte=start, due_at__lt=end
    )
    tz = timezone.get_current_timezone()
    counts: dict[datetime.date, int] = {}
    first: dict[datetime.date, list[tuple[datetime.datetime, int]]] = {}
    for due_at, pk in qs.order_by().values_list("due_at", "id"):
        day = due_at.astimezone(tz).date()
        counts[day] = counts.get(day, 0) + 1
        first.setdefault(day, []).append((due_at, pk))
    wanted = [pk for items in first.values() for _due, pk in sorted(items)[:CALENDAR_PER_DAY]]
    tasks: dict[datetime.date, list[Task]] = {}
    for task in _listed(Task.objects.filter(pk__in=wanted)).order_by("due_at", "id"):
        tasks.setdefault(task.due_at.astimezone(tz).date(), []).append(task)
    return CalendarDays(tasks=tasks, counts=counts)


def task_get(*, user: User, pk: int) -> Task:
    task = (
        Task.objects.visible_to(user)
        .filter(pk=pk)
        .select_related("assignee", "author", "contact", "company", "completed_by", "entry")
        .first()
    )
    if task is None:
        raise NotFound
    return task


def task_comments(*, task: Task) -> list[TaskComment]:
    return list(task.comments.select_related("author").order_by("created_at", "id"))


def task_journal(*, task: Task, limit: int = 50) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_type="tasks.task", object_id=task.pk).order_by("-at", "-id")[:limit]
    )


def card_tasks(*, user: User, kind: str, record: Contact | Company) -> tuple[list[Task], list[Task]]:
    """A card's open tasks (soonest first) and its last five finished ones, in one query."""
    qs = Task.objects.visible_to(user).select_related("assignee")
    qs = qs.filter(contact_id=record.pk) if kind == "contact" else qs.filter(company_id=record.pk)
    recent = timezone.now() - datetime.timedelta(days=90)
    rows = list(
        qs.filter(Q(status=TaskStatus.OPEN) | Q(updated_at__gte=recent)).order_by("due_at", "id")[:200]
    )
    open_tasks = [t for t in rows if t.status == TaskStatus.OPEN][:50]
    finished = sorted(
        (t for t in rows if t.status != TaskStatus.OPEN), key=lambda t: t.updated_at, reverse=True
    )
    return open_tasks, finished[:5]


def needs_next_step(kind: str, record: Contact | Company, open_tasks: list[Task]) -> bool:
    """R3.3: a lead with no open task (the card's other open business, an open deal, is asked of
    ``core.business``)."""
    return kind == "contact" and getattr(record, "base_type", "") == BaseType.LEAD and not open_tasks


def without_next_step(*, user: User, cursor: str | None = None, limit: int = 50) -> Page[Contact]:
    """People with open business (a lead, an open deal) the person may see (a head: the department's) and
    no open task, by name."""
    open_task = Task.objects.filter(contact_id=OuterRef("pk"), status=TaskStatus.OPEN, deleted_at=None)
    business = Q(base_type=BaseType.LEAD)
    if (registered := open_business_q("contact")) is not None:
        business |= registered
    qs = Contact.objects.visible_to(user).filter(business).filter(~Exists(open_task)).select_related("owner")
    return paginate(qs, SortKey("name_key"), cursor, limit, count_total=False)  # the page shows no total


def task_list(
    *,
    user: User,
    assignee_id: int | None = None,
    status: str = TaskStatus.OPEN,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Task]:
    qs = _listed(Task.objects.visible_to(user))
    if status:
        qs = qs.filter(status=status)
    if assignee_id:
        qs = qs.filter(assignee_id=assignee_id)
    return paginate(qs, SortKey("due_at"), cursor, limit)


def categories(keep: Any = None) -> list[Option]:
    return schema_for("contact").list_choices(CATEGORY_LIST, keep=keep)


# The weekly slip report (R3.5)


@dataclass
class SlipRow:
    label: str
    this_week: int
    last_week: int


@dataclass
class SlipReport:
    week_start: datetime.date
    this_week_total: int
    last_week_total: int
    by_category: list[SlipRow]
    by_person: list[SlipRow]


def slip_report(*, user: User, now: datetime.datetime | None = None) -> SlipReport:
    """Tasks due in a week that slipped (done after their time, or still open past it): this week so far
    against the whole week before, by category and by person, in the head's scope."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    local = now.astimezone(tz)
    monday = local.date() - datetime.timedelta(days=local.weekday())
    this_start = datetime.datetime.combine(monday, datetime.time.min, tzinfo=tz)
    last_start = this_start - datetime.timedelta(days=7)
    qs = _slice(user, department=True).exclude(status=TaskStatus.CANCELLED)
    slipped = Q(status=TaskStatus.OPEN, due_at__lt=now) | Q(
        status=TaskStatus.DONE, completed_at__gt=F("due_at")
    )
    # Grouped in the database: a handful of rows (week × category × person), whatever the scope's size.
    groups = (
        qs.filter(
            slipped, due_at__gte=last_start, due_at__lt=min(now, this_start + datetime.timedelta(days=7))
        )
        .annotate(this=Case(When(due_at__gte=this_start, then=Value(1)), default=Value(0)))
        .values("this", "category_id", "assignee_id")
        .annotate(n=DbCount("id"))
        .order_by()
    )
    rows = list(groups)
    names = {
        u.pk: str(u)
        for u in User.objects.filter(pk__in={r["assignee_id"] for r in rows}).only(
            "first_name", "last_name", "username"
        )
    }
    schema = schema_for("contact")
    cats: dict[str, Counter[str]] = {"this": Counter(), "last": Counter()}
    people: dict[str, Counter[str]] = {"this": Counter(), "last": Counter()}
    for row in rows:
        week = "this" if row["this"] else "last"
        option = schema.option(row["category_id"])
        cats[week][option.label if option else "—"] += row["n"]
        people[week][names.get(row["assignee_id"], "—")] += row["n"]

    def table(counts: dict[str, Counter[str]]) -> list[SlipRow]:
        labels = set(counts["this"]) | set(counts["last"])
        result = [SlipRow(label, counts["this"][label], counts["last"][label]) for label in labels]
        return sorted(result, key=lambda r: (-r.this_week, -r.last_week, r.label))

    return SlipReport(
        week_start=monday,
        this_week_total=sum(cats["this"].values()),
        last_week_total=sum(cats["last"].values()),
        by_category=table(cats),
        by_person=table(people),
    )


def feed_owner(*, token: str) -> User | None:
    """The active person whose calendar feed this secret address is."""
    from crm.notifications.models import Preferences

    if not token or len(token) < 20:
        return None
    prefs = (
        Preferences.objects.filter(calendar_token=token, user__is_active=True).select_related("user").first()
    )
    return prefs.user if prefs else None


def feed_tasks(*, user: User, now: datetime.datetime | None = None) -> list[Task]:
    """What the calendar shows: the person's tasks from a month back to a year ahead."""
    now = now or timezone.now()
    return list(
        _slice(user, department=False)
        .filter(
            due_at__gte=now - datetime.timedelta(days=30),
            due_at__lt=now + datetime.timedelta(days=366),
        )
        .select_related("contact", "company")
        .order_by("due_at", "id")[:2000]
    )


def zone_of(user: User) -> datetime.tzinfo:
    import zoneinfo

    from django.conf import settings

    try:
        return zoneinfo.ZoneInfo(user.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def trashed_tasks(*, user: User, limit: int = 100) -> list[Task]:
    """Tasks in the trash that this person may restore: seen by them and theirs to change."""
    qs = Task.objects.visible_to(user, trash=True).changeable_by(user)
    return list(qs.select_related("assignee", "contact", "company").order_by("-deleted_at", "-id")[:limit])
