"""The tasks list in a real browser: choose tasks, hand them to a colleague in one go and see them go;
drag a column of the chooser to the front and see the table follow."""

import pytest
from playwright.sync_api import expect

from crm.segments.models import BulkAction
from crm.tasks.models import Task
from crm.tasks.services import TaskInput, task_create

pytestmark = pytest.mark.django_db(transaction=True)


def _task(actor, title, days):
    import datetime

    from django.utils import timezone

    due = timezone.now() + datetime.timedelta(days=days)
    return task_create(actor=actor, data=TaskInput(title=title, due_at=due), source=_system())


def _system():
    from crm.core.audit import SYSTEM

    return SYSTEM


def test_chosen_tasks_are_handed_to_a_colleague_and_the_action_can_be_undone(
    live_server, login, manager_a, manager_a2
):
    for n in range(3):
        _task(manager_a, f"Позвонить клиенту {n}", days=n + 1)
    page = login(manager_a)
    page.goto(f"{live_server.url}/tasks/list/")
    rows = page.locator("[data-select-row]")
    expect(rows).to_have_count(3)
    bar = page.locator("[data-testid=selection-bar]")
    expect(bar).to_be_hidden()
    rows.nth(0).check()
    rows.nth(2).check()
    expect(bar).to_be_visible()
    expect(bar.locator("[data-selection-count]")).to_have_text("2")
    bar.locator("select[name=verb]").select_option("assign")
    bar.locator("select[name=assignee_id]").select_option(str(manager_a2.pk))
    bar.locator("[data-testid=selection-apply]").click()
    # The tests' worker runs a job as it is queued: the page shows the action done.
    expect(page.locator("[data-testid=bulk-status]")).to_have_attribute("class", "badge bg-green-lt")
    expect(page.locator("[data-testid=bulk-changed]")).to_contain_text("2")
    assert sorted(Task.objects.filter(assignee=manager_a2).values_list("title", flat=True)) == [
        "Позвонить клиенту 0",
        "Позвонить клиенту 2",
    ]
    page.locator("[data-testid=bulk-undo]").click()
    expect(page.locator("#bulk-progress")).to_have_attribute("data-status", "undone")
    assert BulkAction.objects.get().status == "undone"
    assert not Task.objects.filter(assignee=manager_a2).exists()


def test_a_column_dragged_to_the_top_of_the_chooser_comes_first_in_the_table(live_server, login, manager_a):
    _task(manager_a, "Отправить КП", days=1)
    page = login(manager_a)
    page.goto(f"{live_server.url}/tasks/list/")
    headers = page.locator("[data-testid=task-list] thead th[data-column]")
    expect(headers.first).to_have_attribute("data-column", "category")
    page.locator("[data-testid=column-chooser] > button").click()
    choices = page.locator("[data-column-choice]")
    priority = page.locator("[data-column-choice=priority] [data-drag-handle]")
    expect(priority).to_be_visible()
    page.wait_for_timeout(300)  # the menu placed where it stays before the hand measures it
    top = choices.first.bounding_box()
    start = priority.bounding_box()
    page.mouse.move(start["x"] + 4, start["y"] + 4)
    page.mouse.down()
    page.mouse.move(start["x"] + 4, start["y"] - 6, steps=5)  # a first move starts the drag
    page.mouse.move(top["x"] + 4, top["y"] + 2, steps=15)
    page.mouse.move(top["x"] + 4, top["y"] + 1, steps=5)
    page.mouse.up()
    expect(choices.first).to_have_attribute("data-column-choice", "priority")
    page.locator("[data-testid=save-columns]").click()
    expect(headers.first).to_have_attribute("data-column", "priority")
