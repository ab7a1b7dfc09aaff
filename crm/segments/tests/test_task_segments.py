"""Segments of tasks and tasks changed in bulk (issue 15): a saved view of the tasks list is a segment of
the tasks its user sees; chosen tasks or a segment's are marked done, handed to a colleague or moved to
another day in the background, journaled as one batch and undone without overwriting a later change."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.core.audit import SYSTEM
from crm.core.errors import ValidationFailed
from crm.core.models import AuditEntry
from crm.notifications.models import Notification
from crm.segments import selectors, services
from crm.segments.models import BulkAction
from crm.segments.services import SegmentInput
from crm.tasks.models import Priority, Task, TaskComment, TaskStatus
from crm.tasks.services import TaskInput, task_complete, task_create

pytestmark = pytest.mark.django_db


def make_task(actor, title, *, days=1, all_day=False, priority=Priority.NORMAL, assignee=None, remind="0"):
    due = timezone.now().replace(microsecond=0) + datetime.timedelta(days=days)
    data = TaskInput(
        title=title,
        due_at=due,
        all_day=all_day,
        priority=priority,
        remind=remind,
        assignee_id=assignee.pk if assignee else None,
    )
    return task_create(actor=actor, data=data, source=SYSTEM)


def titles(user, definition):
    found = selectors.members(user=user, kind="task", definition=definition)
    return sorted(found.values_list("title", flat=True))


def rule(field, op, value):
    return {"match": "all", "rules": [{"field": field, "op": op, "value": value}]}


def run(actor, verb, ids=None, segment=None, **params):
    action = services.bulk_start(
        actor=actor,
        verb=verb,
        params=params,
        kind="task",
        ids=ids,
        segment_id=segment.pk if segment else None,
        source=SYSTEM,
    )
    return services.bulk_run(action_id=action.pk)


def undo(actor, action):
    services.bulk_undo(actor=actor, action_id=action.pk, source=SYSTEM)
    return services.bulk_undo_run(action_id=action.pk)


def test_a_segment_of_tasks_holds_the_tasks_its_user_sees_that_meet_it(manager_a, manager_a2, manager_b):
    make_task(manager_a, "Просроченная", days=-2, priority=Priority.URGENT)
    make_task(manager_a, "Завтрашняя", days=1)
    done = make_task(manager_a, "Сделанная", days=-1)
    task_complete(actor=manager_a, task_id=done.pk, source=SYSTEM)
    make_task(manager_a2, "Коллеги", days=-3)
    make_task(manager_b, "Чужая", days=-3)

    assert titles(manager_a, rule("overdue", "is", True)) == ["Просроченная"]
    assert titles(manager_a, rule("status", "in", ["done"])) == ["Сделанная"]
    assert titles(manager_a, rule("priority", "in", [Priority.URGENT])) == ["Просроченная"]
    assert titles(manager_a, rule("due", "next_days", 2)) == ["Завтрашняя"]
    assert titles(manager_a, rule("title", "contains", "чужая")) == []  # not theirs to see
    assert titles(manager_b, rule("title", "contains", "чужая")) == ["Чужая"]


def test_the_tasks_list_filters_and_saves_them_as_a_segment_of_tasks(client, manager_a):
    make_task(manager_a, "Позвонить срочно", days=-1, priority=Priority.URGENT)
    make_task(manager_a, "Позвонить потом", days=-1)
    make_task(manager_a, "Отправить КП", days=3, priority=Priority.URGENT)
    client.force_login(manager_a)

    listed = client.get(reverse("tasks:day_list"), {"when": "overdue", "priority": "4"}).content.decode()
    builder = client.get(
        reverse("segments:segment_create") + "?kind=task&from_list=1&when=overdue&priority=4&q=позвонить"
    )
    definition = builder.context["definition"]
    segment = services.segment_save(
        actor=manager_a,
        segment_id=None,
        data=SegmentInput(name="Срочно и просрочено", kind="task", definition=definition),
        source=SYSTEM,
    )
    page = client.get(reverse("segments:segment_detail", args=[segment.pk])).content.decode()

    assert "Позвонить срочно" in listed
    assert "Позвонить потом" not in listed
    assert "Отправить КП" not in listed
    assert [r["field"] for r in definition["rules"]] == ["assignee", "status", "overdue", "priority", "title"]
    assert "Позвонить срочно" in page
    assert "Позвонить потом" not in page
    assert 'data-testid="selection-bar"' in page
    assert 'name="task_status"' in page
    assert selectors.member_count(user=manager_a, kind="task", definition=segment.definition) == 1


def test_the_tasks_list_shows_closed_tasks_when_asked_and_sorts_them(client, manager_a):
    first = make_task(manager_a, "Первая", days=1)
    make_task(manager_a, "Вторая", days=2, priority=Priority.HIGH)
    task_complete(actor=manager_a, task_id=first.pk, source=SYSTEM)
    client.force_login(manager_a)

    open_only = client.get(reverse("tasks:day_list")).content.decode()
    done = client.get(reverse("tasks:day_list"), {"status": "done"}).content.decode()
    urgent_first = client.get(reverse("tasks:day_list"), {"status": "all", "sort": "-priority"})

    assert "Вторая" in open_only
    assert "Первая" not in open_only
    assert "Первая" in done
    assert "Вторая" not in done
    assert [t.title for t in urgent_first.context["page"].items] == ["Вторая", "Первая"]


def test_chosen_tasks_are_marked_done_as_one_batch_and_the_undo_reopens_those_still_done(
    manager_a, manager_a2
):
    mine = [make_task(manager_a, f"Задача {n}") for n in range(3)]
    theirs = make_task(manager_a2, "Коллеги")  # manager_a sees it not: left out
    ids = [t.pk for t in mine] + [theirs.pk]

    action = run(manager_a, "status", ids=ids, task_status="done")
    statuses = dict(Task.objects.values_list("title", "status"))
    journal = list(AuditEntry.objects.filter(batch=action.pk).values_list("changes", flat=True))
    Task.objects.filter(pk=mine[0].pk).update(status=TaskStatus.CANCELLED)  # changed by hand since
    undone = undo(manager_a, action)

    assert (action.status, action.total, action.changed) == ("done", 4, 3)
    assert [statuses[f"Задача {n}"] for n in range(3)] == ["done"] * 3
    assert statuses["Коллеги"] == "open"
    assert journal == [{"status": ["open", "done"]}] * 3
    assert undone.status == "undone"
    assert [Task.objects.get(pk=t.pk).status for t in mine] == ["cancelled", "open", "open"]
    assert Task.objects.get(pk=mine[1].pk).completed_at is None


def test_tasks_handed_to_a_colleague_carry_a_comment_one_notice_and_come_back_on_undo(manager_a, manager_a2):
    tasks = [make_task(manager_a, f"Передать {n}") for n in range(3)]
    ids = [t.pk for t in tasks]

    action = run(manager_a, "assign", ids=ids, assignee_id=str(manager_a2.pk))
    handed = set(Task.objects.filter(pk__in=ids).values_list("assignee_id", "department_id"))
    notices = Notification.objects.filter(user=manager_a2, kind="tasks_assigned")
    comments = TaskComment.objects.filter(task_id__in=ids).count()
    undo(manager_a, action)

    assert handed == {(manager_a2.pk, manager_a2.department_id)}
    assert notices.count() == 1
    assert "3" in notices.get().title
    assert comments == 3
    assert TaskComment.objects.filter(task_id__in=ids).count() == 6  # the hand back says so too
    assert set(Task.objects.filter(pk__in=ids).values_list("assignee_id", flat=True)) == {manager_a.pk}


def test_tasks_moved_to_another_day_keep_their_time_and_reminder_and_the_undo_spares_one_moved_since(
    manager_a,
):
    timed = make_task(manager_a, "Звонок", days=1, remind="60")
    whole_day = make_task(manager_a, "Отчёт", days=2, all_day=True)
    moved_since = make_task(manager_a, "Встреча", days=3)
    target = timezone.localdate() + datetime.timedelta(days=10)
    ids = [timed.pk, whole_day.pk, moved_since.pk]

    action = run(manager_a, "due", ids=ids, due=target.isoformat())
    after = {t.pk: t for t in Task.objects.filter(pk__in=ids)}
    later = timezone.localtime(after[moved_since.pk].due_at) + datetime.timedelta(days=1)
    Task.objects.filter(pk=moved_since.pk).update(due_at=later)
    undo(manager_a, action)
    back = {t.pk: t for t in Task.objects.filter(pk__in=ids)}

    local = timezone.localtime(after[timed.pk].due_at)
    assert local.date() == target
    assert local.time() == timezone.localtime(timed.due_at).time()
    assert after[timed.pk].remind_at == after[timed.pk].due_at - datetime.timedelta(hours=1)
    assert timezone.localtime(after[whole_day.pk].due_at).date() == target
    assert timezone.localtime(after[whole_day.pk].due_at).time() == datetime.time(23, 59, 59)
    assert back[timed.pk].due_at == timed.due_at
    assert back[timed.pk].remind_at == timed.remind_at
    assert back[whole_day.pk].due_at == whole_day.due_at
    assert back[moved_since.pk].due_at == later  # moved again since: that date wins


def test_a_segment_of_tasks_is_changed_whole_by_its_bulk_form(client, manager_a):
    for n in range(3):
        make_task(manager_a, f"Просрочка {n}", days=-1)
    make_task(manager_a, "Будущая", days=5)
    segment = services.segment_save(
        actor=manager_a,
        segment_id=None,
        data=SegmentInput(name="Просроченные", kind="task", definition=rule("overdue", "is", True)),
        source=SYSTEM,
    )
    client.force_login(manager_a)

    page = client.get(reverse("segments:segment_detail", args=[segment.pk])).content.decode()
    started = client.post(
        reverse("segments:segment_bulk", args=[segment.pk]), {"verb": "status", "task_status": "cancelled"}
    )
    action = BulkAction.objects.get()
    services.bulk_run(action_id=action.pk)
    report = client.get(reverse("segments:segment_report", args=[segment.pk])).content.decode()

    assert 'data-testid="bulk-form"' in page
    assert "bulk-task-new-due" in page
    assert started.url == reverse("segments:bulk_detail", args=[action.pk])
    assert sorted(Task.objects.values_list("status", flat=True)) == ["cancelled"] * 3 + ["open"]
    assert 'data-figure="overdue"' in report


@pytest.mark.parametrize(
    ("verb", "params", "field"),
    [
        ("status", {"task_status": "finished"}, "task_status"),
        ("assign", {"assignee_id": "999999"}, "assignee_id"),
        ("due", {"due": "32.13.2026"}, "due"),
        ("tag", {"tag": "Опт"}, "verb"),
    ],
)
def test_a_bulk_change_of_tasks_with_a_bad_value_is_refused_naming_the_field(manager_a, verb, params, field):
    task = make_task(manager_a, "Одна")

    with pytest.raises(ValidationFailed) as refused:
        services.bulk_start(
            actor=manager_a, verb=verb, params=params, kind="task", ids=[task.pk], source=SYSTEM
        )

    assert [e.field for e in refused.value.errors] == [field]
    assert not BulkAction.objects.exists()


def test_moving_due_dates_is_no_change_for_people(manager_a):
    from crm.contacts.testing import make_contact

    card = make_contact(manager_a, "Один", "Клиент")

    with pytest.raises(ValidationFailed) as refused:
        services.bulk_start(
            actor=manager_a,
            verb="due",
            params={"due": "2027-01-10"},
            kind="contact",
            ids=[card.pk],
            source=SYSTEM,
        )

    assert [e.field for e in refused.value.errors] == ["verb"]


def test_the_api_changes_chosen_tasks_and_pages_through_a_segment_of_tasks(client, manager_a):
    from crm.accounts.services import api_token_create

    task = make_task(manager_a, "Через API", days=-1)
    _, raw = api_token_create(actor=manager_a, name="t", source=SYSTEM)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    segment = services.segment_save(
        actor=manager_a,
        segment_id=None,
        data=SegmentInput(name="Просроченные", kind="task", definition=rule("overdue", "is", True)),
        source=SYSTEM,
    )

    members = client.get(f"/api/v1/segments/{segment.pk}/tasks", **auth).json()
    started = client.post(
        "/api/v1/bulk",
        {"kind": "task", "ids": [task.pk], "verb": "status", "task_status": "done"},
        content_type="application/json",
        **auth,
    )
    services.bulk_run(action_id=started.json()["id"])

    assert [t["title"] for t in members["items"]] == ["Через API"]
    assert started.status_code == 202
    assert Task.objects.get(pk=task.pk).status == "done"


def test_done_tasks_opened_again_in_bulk_get_back_who_closed_them_and_when_on_undo(manager_a, head_a):
    first, second = make_task(manager_a, "Первая"), make_task(manager_a, "Вторая")
    task_complete(actor=manager_a, task_id=first.pk, source=SYSTEM)
    task_complete(actor=head_a, task_id=second.pk, source=SYSTEM)
    closed = {t.pk: (t.completed_at, t.completed_by_id) for t in Task.objects.all()}

    action = run(head_a, "status", ids=[first.pk, second.pk], task_status="open")
    opened = set(Task.objects.values_list("status", "completed_at"))
    undo(head_a, action)

    assert opened == {("open", None)}
    assert {t.pk: (t.completed_at, t.completed_by_id) for t in Task.objects.all()} == closed
    assert set(Task.objects.values_list("status", flat=True)) == {"done"}
