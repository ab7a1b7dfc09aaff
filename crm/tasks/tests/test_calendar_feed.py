"""The iCalendar feed (``../shared/formats/expected.md`` §6, "Producing"): per person, behind a secret
address; tasks as VTODO and VEVENT; CRLF, lines of at most 75 octets; stable UIDs, growing SEQUENCE."""

from __future__ import annotations

import datetime

import icalendar
from django.urls import reverse
from django.utils import timezone

from crm.core.audit import SYSTEM
from crm.notifications.services import calendar_token_renew, preferences_of
from crm.tasks.services import TaskInput, task_cancel, task_create, task_update


def test_the_feed_lists_a_persons_tasks_as_todos_and_events(client, manager_a, manager_b):
    now = timezone.now()
    timed = task_create(
        actor=manager_a,
        data=TaskInput(
            title="☎️📞 Позвонить: Алексей Семёнов (+7 903 555-02-02) — уточнить объём опта",
            due_at=now + datetime.timedelta(hours=3),
        ),
        source=SYSTEM,
    )
    day = timezone.localdate() + datetime.timedelta(days=4)
    all_day = task_create(
        actor=manager_a,
        data=TaskInput(
            title="Срок: отправить КП «Вектор»",
            due_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(12))),
            all_day=True,
        ),
        source=SYSTEM,
    )
    cancelled = task_create(
        actor=manager_a,
        data=TaskInput(title="Демо для ТехноПарка", due_at=now + datetime.timedelta(days=2)),
        source=SYSTEM,
    )
    task_cancel(actor=manager_a, task_id=cancelled.pk, source=SYSTEM)
    task_create(
        actor=manager_b,
        data=TaskInput(title="Чужая задача", due_at=now + datetime.timedelta(hours=1)),
        source=SYSTEM,
    )
    url = reverse("tasks:calendar_feed", args=[preferences_of(manager_a).calendar_token])

    response = client.get(url)  # no login: a phone's calendar subscribes with the address alone
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content
    lines = body.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in body.replace(b"\r\n", b"")
    cal = icalendar.Calendar.from_ical(body)
    todos = {str(c["uid"]): c for c in cal.walk("VTODO")}
    events = {str(c["uid"]): c for c in cal.walk("VEVENT")}
    assert len(todos) == len(events) == 3
    assert "Чужая задача" not in body.decode()
    event = events[f"task-{timed.pk}-as-event@crm"]
    assert str(event["summary"]) == timed.title  # unfolded intact, emoji and all
    assert todos[f"task-{timed.pk}@crm"]["status"] == "NEEDS-ACTION"
    whole_day = events[f"task-{all_day.pk}-as-event@crm"]
    assert whole_day.decoded("dtstart") == day
    assert whole_day.decoded("dtend") == day + datetime.timedelta(days=1)  # DTEND is exclusive
    assert events[f"task-{cancelled.pk}-as-event@crm"]["status"] == "CANCELLED"
    assert todos[f"task-{cancelled.pk}@crm"]["status"] == "CANCELLED"

    before = int(todos[f"task-{timed.pk}@crm"]["sequence"])
    task_update(
        actor=manager_a,
        task_id=timed.pk,
        data=TaskInput(title="Позвонить позже", due_at=now + datetime.timedelta(hours=5)),
        source=SYSTEM,
    )
    again = icalendar.Calendar.from_ical(client.get(url).content)
    after = next(c for c in again.walk("VTODO") if str(c["uid"]) == f"task-{timed.pk}@crm")
    assert int(after["sequence"]) > before


def test_a_renewed_address_cuts_off_the_old_one_and_a_wrong_one_finds_nothing(client, manager_a, inactive):
    old = preferences_of(manager_a).calendar_token
    calendar_token_renew(actor=manager_a, source=SYSTEM)
    assert client.get(reverse("tasks:calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("tasks:calendar_feed", args=["x" * 32])).status_code == 404
    new = preferences_of(manager_a).calendar_token
    assert client.get(reverse("tasks:calendar_feed", args=[new])).status_code == 200
    leaver = preferences_of(inactive).calendar_token
    assert client.get(reverse("tasks:calendar_feed", args=[leaver])).status_code == 404
