"""A reminder in a real browser: a task due in a minute, created through the form; when its time comes
the worker's sweep fires it and the open page's bell shows it without a reload."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.core.audit import SYSTEM
from crm.notifications.models import Notification
from crm.tasks.models import Task
from crm.tasks.reminders import dispatch_due_reminders

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_task_due_in_a_minute_reminds_in_the_app(live_server, login, manager_a, settings):
    settings.CRM_NOTIFY_POLL_SECONDS = 1
    page = login(manager_a)
    page.goto(f"{live_server.url}/tasks/new/")
    due = timezone.localtime() + datetime.timedelta(minutes=1)
    page.fill("[data-testid=task-title-input]", "Позвонить Семёнову про опт")
    page.fill("[data-testid=task-date]", due.strftime("%Y-%m-%d"))
    page.fill("[data-testid=task-time]", due.strftime("%H:%M"))
    page.select_option("[data-testid=task-remind]", "0")  # at the due time
    page.click("[data-testid=task-save]")
    expect(page.locator("[data-testid=task-heading]")).to_have_text("Позвонить Семёнову про опт")
    task = Task.objects.get(title="Позвонить Семёнову про опт")
    assert task.remind_at == task.due_at
    expect(page.locator("[data-testid=unread-count]")).to_have_count(0)

    assert dispatch_due_reminders(now=task.remind_at - datetime.timedelta(seconds=1)) == 0  # not yet
    assert dispatch_due_reminders(now=task.remind_at + datetime.timedelta(seconds=1)) == 1  # its minute

    expect(page.locator("[data-testid=unread-count]")).to_have_text("1", timeout=10_000)  # no reload
    page.click("[data-testid=bell]")
    expect(page.locator("[data-testid=notification]").first).to_contain_text("Позвонить Семёнову про опт")
    assert Notification.objects.get(user=manager_a).late is False


def test_the_month_shows_all_seven_days_at_1440_px_even_with_long_titles(live_server, login, manager_a, page):
    """Long titles used to widen the table until Saturday and Sunday (today included) left the screen."""
    from crm.tasks.services import TaskInput, task_create

    for n in range(3):
        task_create(
            actor=manager_a,
            data=TaskInput(
                title="Позвонить в отдел закупок по поводу очень длинного предложения " * 3 + str(n),
                due_at=timezone.now() + datetime.timedelta(days=n),
            ),
            source=SYSTEM,
        )
    page.set_viewport_size({"width": 1440, "height": 900})
    login(manager_a)
    page.goto(f"{live_server.url}/tasks/calendar/")
    columns = page.locator("[data-testid=calendar] thead th")
    expect(columns).to_have_count(7)
    last = columns.nth(6).bounding_box()
    assert last["x"] + last["width"] <= 1440
    today = page.locator("[data-testid=calendar-today]").bounding_box()
    assert today["x"] + today["width"] <= 1440
