"""A reminder through a real Huey consumer, not the tests' immediate mode: saving a task asks the worker
for a sweep at the reminder's second (the task is queued in the worker's own storage, SQLite here), a
consumer picks it up when it is due, and the notification appears — once."""

from __future__ import annotations

import datetime
import signal
import time

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from crm.core.audit import SYSTEM
from crm.notifications.models import Notification
from crm.tasks.services import TaskInput, task_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def consumer():
    HUEY.immediate = False  # the real queue, in the real storage
    HUEY.flush()
    worker = HUEY.create_consumer(workers=1, worker_type="thread", periodic=False, check_worker_health=False)
    stops = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    handlers = {s: signal.getsignal(s) for s in stops}  # the consumer installs its own; later tests get ours
    worker.start()
    yield worker
    worker.stop(graceful=True)
    for stop, handler in handlers.items():
        signal.signal(stop, handler)
    HUEY.flush()
    HUEY.immediate = True


def test_a_reminder_is_sent_by_the_worker_at_its_time(consumer, manager_a):
    due = timezone.now() + datetime.timedelta(seconds=2)
    task = task_create(actor=manager_a, data=TaskInput(title="Позвонить вовремя", due_at=due), source=SYSTEM)
    assert task.remind_at == task.due_at
    assert not Notification.objects.exists()  # not yet: the worker holds it until its second

    deadline = time.monotonic() + 20
    while not Notification.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.2)

    [notification] = Notification.objects.all()
    assert notification.task_id == task.pk
    assert notification.created_at >= due - datetime.timedelta(seconds=1)
