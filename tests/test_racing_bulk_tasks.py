"""A bulk change of tasks is done once even when two workers run it at once (a run taken up again while
the first was still going): eight tasks handed to a colleague by two racing runs get one hand-over
comment and one journal entry each, and the colleague one notice; on both databases."""

from __future__ import annotations

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from crm.core.audit import SYSTEM
from crm.core.models import AuditEntry
from crm.notifications.models import Notification
from crm.segments import services
from crm.tasks.models import Task, TaskComment
from crm.tasks.services import TaskInput, task_create

pytestmark = pytest.mark.django_db(transaction=True)

TASKS = 8


def test_two_workers_running_one_hand_over_hand_each_task_once(manager_a, manager_a2, monkeypatch):
    due = timezone.now() + datetime.timedelta(days=1)
    ids = [
        task_create(actor=manager_a, data=TaskInput(title=f"Звонок {n}", due_at=due), source=SYSTEM).pk
        for n in range(TASKS)
    ]
    from crm.segments.services import bulk

    monkeypatch.setattr(bulk, "_enqueue", lambda *args: None)  # the two workers below run it
    action = services.bulk_start(
        actor=manager_a,
        verb="assign",
        params={"assignee_id": str(manager_a2.pk)},
        kind="task",
        ids=ids,
        source=SYSTEM,
    )

    def worker(_n: int) -> str:
        try:
            return services.bulk_run(action_id=action.pk).status
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(worker, range(2)))

    assert "done" in outcomes
    assert set(Task.objects.filter(pk__in=ids).values_list("assignee_id", flat=True)) == {manager_a2.pk}
    assert TaskComment.objects.filter(task_id__in=ids).count() == TASKS
    assert AuditEntry.objects.filter(batch=action.pk).count() == TASKS
    assert Notification.objects.filter(user=manager_a2, kind="tasks_assigned").count() == 1
