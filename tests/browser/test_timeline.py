"""The timeline in a real browser: log a call on a card and see it on top with the last contact updated,
without leaving the page; filter the timeline by category; scroll to older entries."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.activities.models import Entry
from crm.activities.services import EntryInput, entry_create
from crm.contacts.testing import make_contact
from crm.core.audit import SYSTEM
from crm.fields.models import ChoiceOption

pytestmark = pytest.mark.django_db(transaction=True)


def test_log_a_call_see_it_on_top_and_filter_by_category(live_server, login, manager_a, tmp_path):
    person = make_contact(manager_a, last_name="Семёнов", first_name="Алексей", phone="+79035550202")
    support = ChoiceOption.objects.get(choice_list__key="activity_category", label_ru="Поддержка")
    sales = ChoiceOption.objects.get(choice_list__key="activity_category", label_ru="Продажи")
    long_ago = timezone.now() - datetime.timedelta(days=40)
    for n in range(25):  # more than a page: the older ones come as the list scrolls
        entry_create(
            actor=manager_a,
            data=EntryInput(
                kind="note",
                contact_id=person.pk,
                occurred_at=long_ago - datetime.timedelta(hours=n),
                summary=f"Старая заметка {n}",
                category_id=support.pk if n == 0 else None,
            ),
            source=SYSTEM,
        )
    page = login(manager_a)
    page.goto(f"{live_server.url}/contacts/{person.pk}/")
    expect(page.locator("[data-testid=last-contact]")).to_have_text("—")
    url_before = page.url

    page.click("[data-testid=quick-call]")
    page.fill("[data-testid=entry-summary]", "Уточнил объём опта, ждёт КП")
    page.fill("[data-testid=entry-duration]", "4:05")
    page.select_option("[data-testid=entry-category]", str(sales.pk))
    page.click("[data-testid=entry-save]")

    first = page.locator("[data-testid=entry]").first
    expect(first).to_contain_text("Уточнил объём опта, ждёт КП")
    expect(first).to_contain_text("4:05")
    expect(first).to_have_class("list-group-item timeline-recent")
    today = timezone.localdate().strftime("%d.%m.%Y")
    expect(page.locator("[data-testid=last-contact]")).to_contain_text(today)
    assert page.url == url_before  # the page was never left
    assert Entry.objects.filter(contact=person, kind="call", duration_seconds=245).count() == 1

    page.select_option("[data-testid=filter-category]", str(support.pk))
    expect(page.locator("[data-testid=entry]")).to_have_count(1)
    expect(page.locator("[data-testid=entry]").first).to_contain_text("Старая заметка 0")

    page.select_option("[data-testid=filter-category]", "")
    expect(page.locator("[data-testid=entry]")).to_have_count(20)
    page.locator("[data-testid=timeline-more]").scroll_into_view_if_needed()
    expect(page.locator("[data-testid=entry]")).to_have_count(26)
    page.screenshot(path=str(tmp_path / "timeline.png"), full_page=True)
