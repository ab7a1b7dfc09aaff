"""Reminders fire on time and once (R3.4): in the app, by e-mail (Django's outbox), by Telegram (a local
fake Bot API); late ones still go, marked late; digests and the weekly slip report."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from crm.core.audit import SYSTEM
from crm.notifications.models import Delivery, DeliveryStatus, Notification, Preferences
from crm.notifications.services import (
    deliver_pending,
    preferences_of,
    telegram_link_start,
    telegram_poll_links,
)
from crm.notifications.telegram import split
from crm.notifications.testing import BLOCKED, FLOOD, FakeBotApi
from crm.tasks.models import Task
from crm.tasks.reminders import dispatch_due_reminders, due_reminders, send_digests, send_slip_reports
from crm.tasks.services import TaskInput, task_complete, task_create


@pytest.fixture
def bot(settings):
    with FakeBotApi() as fake:
        settings.CRM_TELEGRAM_API_URL = fake.url
        settings.CRM_TELEGRAM_BOT_TOKEN = "123456789:AAE-EXAMPLE-TOKEN-not-real-000000000"
        yield fake


def task_due(owner, minutes: float, title: str = "Позвонить Семёнову") -> Task:
    due = timezone.now() + datetime.timedelta(minutes=minutes)
    return task_create(actor=owner, data=TaskInput(title=title, due_at=due), source=SYSTEM)


def linked(user, chat_id: str = "987654321"):
    prefs = preferences_of(user)
    prefs.telegram_chat_id = chat_id
    prefs.save()
    return prefs


def test_a_due_reminder_is_sent_once_in_the_app_by_email_and_telegram(manager_a, bot):
    manager_a.email = "anna@crm.example.ru"
    manager_a.save()
    linked(manager_a)
    task = task_due(manager_a, -0.5)
    future = task_due(manager_a, 30, "Потом")
    assert dispatch_due_reminders() == 1
    assert dispatch_due_reminders() == 0  # a second sweep (or a second worker) finds nothing to send
    notification = Notification.objects.get(user=manager_a, kind="reminder")
    assert (notification.task, notification.late) == (task, False)
    assert deliver_pending() == 2
    assert deliver_pending() == 0
    assert [m.subject for m in mail.outbox] == ["Позвонить Семёнову"]
    [message] = bot.sent()
    assert (message["chat_id"], message["parse_mode"]) == ("987654321", "HTML")
    assert message["text"].startswith("<b>Позвонить Семёнову</b>")
    task.refresh_from_db()
    future.refresh_from_db()
    assert task.reminded_at is not None
    assert future.reminded_at is None


def test_a_reminder_missed_while_the_worker_was_down_is_still_sent_marked_late(manager_a):
    manager_a.email = "anna@crm.example.ru"
    manager_a.save()
    task = task_due(manager_a, -120)
    dispatch_due_reminders()
    notification = Notification.objects.get(task=task)
    assert notification.late is True
    deliver_pending()
    assert mail.outbox[0].subject.startswith("[")  # "[опоздало] …" / "[late] …"


def test_a_done_or_trashed_task_does_not_remind(manager_a):
    done = task_due(manager_a, -1, "Сделано")
    task_complete(actor=manager_a, task_id=done.pk, source=SYSTEM)
    assert dispatch_due_reminders() == 0


def test_a_delivery_claimed_by_a_worker_that_died_is_never_sent_twice(manager_a):
    manager_a.email = "anna@crm.example.ru"
    manager_a.save()
    task_due(manager_a, -1)
    dispatch_due_reminders()
    Delivery.objects.update(
        status=DeliveryStatus.SENDING, not_before=timezone.now() - datetime.timedelta(hours=1)
    )
    assert deliver_pending() == 0
    assert mail.outbox == []
    assert Delivery.objects.get().status == DeliveryStatus.FAILED


def test_telegram_flood_limit_waits_and_a_blocked_bot_unlinks_the_chat(manager_a, bot):
    linked(manager_a)
    task_due(manager_a, -1)
    dispatch_due_reminders()
    bot.script = [FLOOD]
    assert deliver_pending() == 0
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.not_before > timezone.now() + datetime.timedelta(seconds=30)
    assert deliver_pending(now=timezone.now() + datetime.timedelta(seconds=40)) == 1
    task_due(manager_a, -1, "Ещё")
    dispatch_due_reminders()
    bot.script = [BLOCKED]
    deliver_pending()
    assert Preferences.objects.get(user=manager_a).telegram_chat_id == ""


def test_a_long_message_is_split_before_sending():
    text = "\n".join(["строка отчёта; " * 20] * 30)
    pieces = split(text)
    assert all(len(p) <= 4096 for p in pieces)
    assert "\n".join(pieces) == text


def test_linking_telegram_by_a_start_code(manager_a, bot):
    code = telegram_link_start(actor=manager_a)
    bot.updates = [
        {"update_id": 10, "message": {"chat": {"id": 555000111}, "text": "/start wrong"}},
        {"update_id": 11, "message": {"chat": {"id": 987654321}, "text": f"/start {code}"}},
    ]
    assert telegram_poll_links() == 1
    assert preferences_of(manager_a).telegram_chat_id == "987654321"
    assert telegram_poll_links() == 0  # the offset moved on: the same update is not read twice


def test_the_morning_digest_comes_at_the_chosen_time_in_the_persons_zone_once_a_day(manager_a):
    manager_a.time_zone = "Asia/Yekaterinburg"  # UTC+5
    manager_a.email = "anna@crm.example.ru"
    manager_a.save()
    prefs = preferences_of(manager_a)
    prefs.digest_time = datetime.time(8, 0)
    prefs.save()
    day = datetime.datetime(2026, 11, 24, tzinfo=zoneinfo.ZoneInfo("Asia/Yekaterinburg"))
    Task.objects.bulk_create(
        [
            Task(title="Просрочена", due_at=day - datetime.timedelta(days=1), assignee=manager_a),
            Task(title="Сегодня", due_at=day + datetime.timedelta(hours=15), assignee=manager_a),
        ]
    )
    before = datetime.datetime(2026, 11, 24, 2, 59, tzinfo=datetime.UTC)  # 07:59 there
    assert send_digests(now=before) == 0
    at = datetime.datetime(2026, 11, 24, 3, 0, tzinfo=datetime.UTC)  # 08:00 there
    assert send_digests(now=at) == 1
    assert send_digests(now=at + datetime.timedelta(hours=2)) == 0
    digest = Notification.objects.get(kind="digest")
    assert "Просрочена" in digest.body
    assert "Сегодня" in digest.body


def test_the_weekly_report_tells_a_head_on_monday_morning_what_slipped_last_week(
    head_a, manager_a, manager_a2
):
    head_a.time_zone = "Asia/Yekaterinburg"  # UTC+5
    head_a.save()
    zone = zoneinfo.ZoneInfo("Asia/Yekaterinburg")
    monday = datetime.datetime(2026, 11, 23, 8, 0, tzinfo=zone)
    rows = [
        (manager_a, "Раз", monday - datetime.timedelta(days=3)),  # last week, still open: slipped
        (manager_a, "Два", monday - datetime.timedelta(days=2)),
        (manager_a2, "Три", monday - datetime.timedelta(days=9)),  # the week before
    ]
    for owner, title, due in rows:
        Task.objects.create(title=title, due_at=due, assignee=owner, department=owner.department)
    assert send_slip_reports(now=monday - datetime.timedelta(minutes=1)) == 0  # 07:59 there
    assert send_slip_reports(now=monday) == 1
    assert send_slip_reports(now=monday + datetime.timedelta(hours=3)) == 0  # once a week
    report = Notification.objects.get(user=head_a, kind="slip_report")
    assert f"• {manager_a}: 2 (0)" in report.body
    assert f"• {manager_a2}: 0 (1)" in report.body


def test_the_reminder_scheduler_reads_its_partial_index_not_the_table(manager_a):
    task_due(manager_a, 5)
    sql, params = due_reminders(timezone.now()).query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row) for row in cursor.fetchall())
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
    assert "task_reminder_due_idx" in plan


def test_the_bell_counts_unread_notifications_and_the_list_marks_them_read(client, manager_a):
    task_due(manager_a, -1)
    dispatch_due_reminders()
    client.force_login(manager_a)
    bell = client.get(reverse("notifications:bell")).content.decode()
    assert 'data-testid="unread-count">1<' in bell
    client.post(reverse("notifications:read"))
    assert 'data-testid="unread-count"' not in client.get(reverse("notifications:bell")).content.decode()


def test_saving_a_task_asks_the_worker_for_its_reminders_exact_second(
    manager_a, django_capture_on_commit_callbacks, monkeypatch
):
    from crm.tasks import jobs

    scheduled = []
    monkeypatch.setattr(jobs.fire_reminders_now, "schedule", lambda **kw: scheduled.append(kw["eta"]))
    with django_capture_on_commit_callbacks(execute=True):
        task = task_due(manager_a, 10)
    assert scheduled == [task.remind_at]
    with django_capture_on_commit_callbacks(execute=True):
        task_due(manager_a, -5, "Уже прошло")  # the sweep finds it; nothing to schedule
    assert len(scheduled) == 1


def test_opening_a_notification_marks_it_read_and_nobody_opens_anothers(client, manager_a, manager_b):
    task = task_due(manager_a, -1)
    dispatch_due_reminders()
    notification = Notification.objects.get(user=manager_a)
    client.force_login(manager_b)
    assert client.get(reverse("notifications:open", args=[notification.pk])).status_code == 404
    client.force_login(manager_a)
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response["Location"] == reverse("tasks:task_detail", args=[task.pk])
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_one_failing_reminder_is_logged_and_skipped_and_the_others_still_go(manager_a, monkeypatch, caplog):
    from crm.tasks import reminders

    first, broken, last = (task_due(manager_a, -3 + i, title) for i, title in enumerate("АБВ"))
    original = reminders.notify

    def notify(**kwargs):
        if kwargs["task"].pk == broken.pk:
            raise RuntimeError("the notification could not be made")
        return original(**kwargs)

    monkeypatch.setattr(reminders, "notify", notify)
    assert dispatch_due_reminders() == 3
    assert set(Notification.objects.values_list("task_id", flat=True)) == {first.pk, last.pk}
    assert f"reminder of task {broken.pk} failed" in caplog.text
    assert dispatch_due_reminders() == 0  # reported once, not retried on every run


def test_a_reminder_time_stored_before_dates_had_a_range_is_never_read(manager_a):
    good = task_due(manager_a, -1, "Обычная")
    bad = task_due(manager_a, -1, "Древняя")
    with connection.cursor() as cursor:  # as a row written before the range check (or around services)
        cursor.execute(
            "UPDATE tasks_task SET remind_at = %s WHERE id = %s", ["0001-01-01 00:00:00+05:00", bad.pk]
        )
    assert dispatch_due_reminders() == 1
    assert list(Notification.objects.values_list("task_id", flat=True)) == [good.pk]


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_at_once_send_a_reminder_once(manager_a, monkeypatch):
    """Both workers read the same pending delivery (a barrier holds them there), then race to claim it:
    the claim's status condition lets one through."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from crm.notifications import services as notification_services

    manager_a.email = "anna@crm.example.ru"
    manager_a.save()
    task_due(manager_a, -1)
    dispatch_due_reminders()
    # The tests' worker is immediate and has sent it already: make it wait again for the two workers.
    Delivery.objects.update(status=DeliveryStatus.PENDING, not_before=timezone.now(), attempts=0)
    mail.outbox.clear()
    gate = threading.Barrier(2)
    read = notification_services.due_deliveries

    def read_then_wait(now, limit):
        due = read(now, limit)
        gate.wait(timeout=10)
        return due

    monkeypatch.setattr(notification_services, "due_deliveries", read_then_wait)

    def worker() -> int:
        try:
            return deliver_pending()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        sent = [f.result() for f in [pool.submit(worker), pool.submit(worker)]]
    assert sorted(sent) == [0, 1]
    assert len(mail.outbox) == 1
