"""Tasks: created and changed through the services, handed over with their history, scoped, dated from
people's words; the next step of an entry becomes one."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.contacts.testing import make_contact
from crm.core.audit import SYSTEM
from crm.core.errors import NotFound, PermissionDenied, ValidationFailed
from crm.core.models import AuditEntry
from crm.notifications.models import Notification
from crm.tasks import selectors
from crm.tasks.dates import find_due
from crm.tasks.models import Task, TaskComment, TaskStatus
from crm.tasks.services import (
    Remind,
    TaskInput,
    task_assign,
    task_complete,
    task_create,
    task_reopen,
    task_update,
)

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
NOW = datetime.datetime(2026, 11, 24, 11, 0, tzinfo=MSK)  # a Tuesday


@pytest.mark.parametrize(
    ("text", "expected", "all_day"),
    [
        ("отправить КП до 18.10", datetime.datetime(2027, 10, 18, 23, 59, 59, tzinfo=MSK), True),
        ("send the proposal by 18.12", datetime.datetime(2026, 12, 18, 23, 59, 59, tzinfo=MSK), True),
        ("позвонить завтра в 15:00", datetime.datetime(2026, 11, 25, 15, 0, tzinfo=MSK), False),
        ("перезвонить послезавтра", datetime.datetime(2026, 11, 26, 23, 59, 59, tzinfo=MSK), True),
        ("встреча 01.12.2026 10:30", datetime.datetime(2026, 12, 1, 10, 30, tzinfo=MSK), False),
        ("напомнить через 3 дня", datetime.datetime(2026, 11, 27, 23, 59, 59, tzinfo=MSK), True),
        ("созвон в пятницу", datetime.datetime(2026, 11, 27, 23, 59, 59, tzinfo=MSK), True),
        ("в 10:00", datetime.datetime(2026, 11, 25, 10, 0, tzinfo=MSK), False),
    ],
)
def test_the_date_of_a_next_step_is_read_as_people_write_it(text, expected, all_day):
    due = find_due(text, NOW)
    assert due is not None
    assert (due.at, due.all_day) == (expected, all_day)


def test_a_step_without_a_date_has_none():
    assert find_due("отправить КП", NOW) is None


def soon(hours: int = 2) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(hours=hours)


def test_a_task_given_to_a_colleague_notifies_them_and_is_journaled(manager_a, manager_a2):
    person = make_contact(manager_a)
    task = task_create(
        actor=manager_a,
        data=TaskInput(
            title="Выставить счёт", due_at=soon(), assignee_id=manager_a2.pk, contact_id=person.pk
        ),
        source=SYSTEM,
    )
    assert (task.assignee, task.author, task.department_id) == (
        manager_a2,
        manager_a,
        manager_a2.department_id,
    )
    assert task.remind_at == task.due_at  # the reminder fires at the due time by default
    notification = Notification.objects.get(user=manager_a2)
    assert (notification.kind, notification.title) == ("task_assigned", "Выставить счёт")
    assert not Notification.objects.filter(user=manager_a).exists()
    assert AuditEntry.objects.filter(object_type="tasks.task", object_id=task.pk, action="create").exists()


def test_bad_task_input_names_each_field_and_stores_nothing(manager_a):
    with pytest.raises(ValidationFailed) as caught:
        task_create(
            actor=manager_a, data=TaskInput(title=" ", due_at=None, priority=9, remind="soon"), source=SYSTEM
        )
    assert set(caught.value.by_field()) == {"title", "due_at", "priority", "remind"}
    assert Task.objects.count() == 0


def test_handing_over_keeps_the_comments_and_says_why(manager_a, manager_a2):
    task = task_create(
        actor=manager_a, data=TaskInput(title="Согласовать договор", due_at=soon()), source=SYSTEM
    )
    task_assign(
        actor=manager_a, task_id=task.pk, assignee_id=manager_a2.pk, comment="Я в отпуске", source=SYSTEM
    )
    task.refresh_from_db()
    assert task.assignee == manager_a2
    comment = TaskComment.objects.get(task=task)
    assert "Я в отпуске" in comment.text
    assert Notification.objects.get(user=manager_a2).body.endswith("Я в отпуске")
    change = AuditEntry.objects.get(object_type="tasks.task", action="update")
    assert change.changes["assignee"] == [str(manager_a), str(manager_a2)]


def test_only_the_assignee_author_their_head_or_an_administrator_change_a_task(
    manager_a, manager_b, head_a, support
):
    person = make_contact(manager_a)
    task = task_create(
        actor=manager_a, data=TaskInput(title="Позвонить", due_at=soon(), contact_id=person.pk), source=SYSTEM
    )
    with pytest.raises(NotFound):
        task_complete(actor=manager_b, task_id=task.pk, source=SYSTEM)
    with pytest.raises(PermissionDenied):
        task_complete(actor=support, task_id=task.pk, source=SYSTEM)  # sees the card, not their work
    task_complete(actor=head_a, task_id=task.pk, source=SYSTEM)
    task.refresh_from_db()
    assert (task.status, task.completed_by) == (TaskStatus.DONE, head_a)
    task_reopen(actor=manager_a, task_id=task.pk, source=SYSTEM)
    task.refresh_from_db()
    assert (task.status, task.completed_at) == (TaskStatus.OPEN, None)
    assert task.sequence == 2  # every change grows it (calendar apps take the newest)


def test_moving_the_reminder_lets_it_fire_again(manager_a):
    task = task_create(actor=manager_a, data=TaskInput(title="Позвонить", due_at=soon()), source=SYSTEM)
    Task.objects.filter(pk=task.pk).update(reminded_at=timezone.now())
    task_update(
        actor=manager_a,
        task_id=task.pk,
        data=TaskInput(title="Позвонить", due_at=soon(5), remind=Remind.BEFORE_1H),
        source=SYSTEM,
    )
    task.refresh_from_db()
    assert task.reminded_at is None
    assert task.remind_at == task.due_at - datetime.timedelta(hours=1)


def test_my_day_splits_overdue_today_and_upcoming_and_a_head_sees_the_department(
    manager_a, manager_a2, head_a, manager_b
):
    # The day is judged at a moment the test sets (local noon), not the wall clock: run at 23:59, "a minute
    # from now" fell on tomorrow.
    now = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    made = {}
    for name, owner, due in (
        ("вчерашняя", manager_a, now - datetime.timedelta(days=1)),
        ("сегодняшняя", manager_a, now + datetime.timedelta(hours=3)),
        ("через три дня", manager_a, now + datetime.timedelta(days=3)),
        ("коллеги", manager_a2, now - datetime.timedelta(hours=1)),
        ("чужого отдела", manager_b, now - datetime.timedelta(hours=1)),
    ):
        made[name] = task_create(actor=owner, data=TaskInput(title=name, due_at=due), source=SYSTEM)
    day = selectors.day_of(user=manager_a, now=now)
    assert [t.title for t in day.overdue] == ["вчерашняя"]
    assert [t.title for t in day.upcoming] == ["через три дня"]
    department = selectors.day_of(user=head_a, now=now, department=True)
    assert {t.title for t in department.overdue} == {"вчерашняя", "коллеги"}


def test_a_lead_without_an_open_task_is_flagged_and_listed(client, manager_a):
    lead = make_contact(manager_a, last_name="Лидов", phone="+79160000301", base_type="lead")
    planned = make_contact(manager_a, last_name="Плановый", phone="+79160000302", base_type="lead")
    task_create(
        actor=manager_a,
        data=TaskInput(title="Позвонить", due_at=soon(), contact_id=planned.pk),
        source=SYSTEM,
    )
    client.force_login(manager_a)
    listed = client.get(reverse("tasks:without_next_step")).content.decode()
    assert "Лидов" in listed
    assert "Плановый" not in listed
    assert (
        'data-testid="no-next-step"'
        in client.get(reverse("contacts:contact_detail", args=[lead.pk])).content.decode()
    )
    card = client.get(reverse("contacts:contact_detail", args=[planned.pk])).content.decode()
    assert 'data-testid="no-next-step"' not in card
    assert "Позвонить" in card


def test_the_task_form_creates_a_task_on_the_card_and_returns_there(client, manager_a):
    person = make_contact(manager_a)
    client.force_login(manager_a)
    back = reverse("contacts:contact_detail", args=[person.pk])
    response = client.post(
        reverse("tasks:task_create"),
        {
            "title": "Отправить договор",
            "due_date": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
            "due_time": "",
            "remind": Remind.AT_DUE,
            "priority": "3",
            "contact_id": person.pk,
            "next": back,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == back
    task = Task.objects.get(title="Отправить договор")
    assert (task.all_day, task.priority, task.contact_id) == (True, 3, person.pk)
    assert timezone.localtime(task.remind_at).hour == 9  # an all-day task reminds in the morning


def test_the_task_form_shows_errors_at_their_fields(client, manager_a):
    client.force_login(manager_a)
    response = client.post(reverse("tasks:task_create"), {"title": "", "due_date": "завтра"})
    html = response.content.decode()
    assert response.status_code == 422
    assert 'data-error-for="title"' in html
    assert 'data-error-for="due_at"' in html


def test_my_day_shows_fifty_per_section_with_the_full_count_and_a_list_of_all(client, manager_a, settings):
    now = timezone.now()
    Task.objects.bulk_create(
        Task(title=f"Просрочка {n}", due_at=now - datetime.timedelta(hours=n + 1), assignee=manager_a)
        for n in range(60)
    )
    day = selectors.day_of(user=manager_a)
    assert (len(day.overdue), day.counts["overdue"]) == (50, 60)
    client.force_login(manager_a)
    html = client.get(reverse("tasks:my_day")).content.decode()
    assert 'data-testid="count-overdue">60<' in html
    first = client.get(reverse("tasks:day_list"), {"when": "overdue"}).content.decode()
    assert first.count('data-testid="task"') == 50
    cursor = first.split("after=")[1].split('"')[0]
    second = client.get(reverse("tasks:day_list"), {"when": "overdue", "after": cursor}).content.decode()
    assert second.count('data-testid="task"') == 10


def test_the_calendar_shows_four_tasks_a_day_and_counts_the_rest(client, manager_a):
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    Task.objects.bulk_create(
        Task(title=f"Звонок {n}", due_at=noon + datetime.timedelta(minutes=n), assignee=manager_a)
        for n in range(7)
    )
    client.force_login(manager_a)
    html = client.get(reverse("tasks:calendar")).content.decode()
    assert all(f"Звонок {n}<" in html for n in range(4))
    assert "Звонок 4<" not in html
    assert 'data-testid="calendar-more"' in html
    assert "3" in html.split('data-testid="calendar-more">')[1][:20]


def test_a_day_page_reads_the_same_tasks_the_rule_shows_by_its_own_index(
    manager_a, manager_a2, manager_b, head_a, support, admin
):
    """``visible_part`` skips the rule's row-by-row conditions only where the part is the rule's own."""
    from crm.accounts import access
    from crm.tasks.models import Task

    for author, assignee in (
        (manager_a, manager_a),
        (manager_a, manager_a2),
        (manager_b, manager_b),
        (head_a, manager_a),
    ):
        task_create(
            actor=author, data=TaskInput(title="Дело", due_at=soon(), assignee_id=assignee.pk), source=SYSTEM
        )
    for user in (manager_a, manager_a2, manager_b, head_a, support, admin):
        parts = [{"assignee_id": user.pk}, {"assignee_id": manager_a.pk}]
        if (scope := access.scope_fields(user, owner="assignee_id")) is not None:
            parts.append(scope)
        for part in parts:
            quick = set(Task.objects.visible_part(user, part).values_list("pk", flat=True))
            ruled = set(Task.objects.visible_to(user).filter(**part).values_list("pk", flat=True))
            assert quick == ruled, (user.username, part)


def test_the_tasks_list_shows_the_columns_each_user_chose(client, manager_a, manager_b):
    import datetime as dt

    from django.urls import reverse

    task_create(
        actor=manager_a,
        data=TaskInput(title="Позвонить", due_at=timezone.now() + dt.timedelta(days=1)),
        source=SYSTEM,
    )
    client.force_login(manager_a)
    page = client.get(reverse("tasks:day_list")).content.decode()
    assert [
        h for h in ("Категория", "Срок", "Приоритет", "Клиент", "Исполнитель") if f">{h}</th>" in page
    ] == [
        "Категория",
        "Срок",
        "Приоритет",
        "Клиент",
    ]
    client.post(reverse("contacts:list_columns", args=["task"]), {"columns": ["due", "assignee"]})
    page = client.get(reverse("tasks:day_list")).content.decode()
    assert [h for h in ("Категория", "Срок", "Исполнитель") if f">{h}</th>" in page] == [
        "Срок",
        "Исполнитель",
    ]
    assert "Позвонить" in page
    client.force_login(manager_b)  # their own choice: the defaults
    assert ">Категория</th>" in client.get(reverse("tasks:day_list")).content.decode()
