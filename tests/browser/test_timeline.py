"""The timeline in a real browser: log a call on a card and see it on top with the last contact updated,
without leaving the page; filter the timeline by category; scroll to older entries."""

import datetime
import re

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


def test_an_entry_the_server_refuses_shows_why_at_its_field_and_keeps_what_was_typed(
    live_server, login, manager_a, tmp_path
):
    """The form used to get a 422 that HTMX did not show: the person believed the entry was saved."""
    person = make_contact(manager_a, last_name="Семёнов", first_name="Алексей", phone="+79035550203")
    page = login(manager_a)
    page.goto(f"{live_server.url}/contacts/{person.pk}/")

    page.click("[data-testid=quick-call]")
    page.fill("[data-testid=entry-duration]", "4:05")
    page.click("[data-testid=entry-save]")  # no summary

    summary = page.locator("[data-testid=entry-summary]")
    expect(summary).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("[data-testid=quick-add] [data-error-for=summary]")).to_be_visible()
    expect(page.locator("[data-testid=entry-duration]")).to_have_value("4:05")
    expect(page.locator("[data-testid=failure-notice]")).to_be_hidden()
    page.screenshot(path=str(tmp_path / "refused-entry.png"), full_page=True)
    assert Entry.objects.filter(contact=person).count() == 0


def test_a_failure_the_form_cannot_show_is_announced_in_the_notice_bar(live_server, login, manager_a):
    person = make_contact(manager_a, last_name="Семёнов", first_name="Алексей", phone="+79035550204")
    page = login(manager_a)
    page.goto(f"{live_server.url}/contacts/{person.pk}/")
    person_id = person.pk
    from crm.contacts.services import contact_delete

    contact_delete(actor=manager_a, contact_id=person_id, source=SYSTEM)  # gone while the page is open
    page.click("[data-testid=quick-call]")
    page.fill("[data-testid=entry-summary]", "Звонок")
    page.click("[data-testid=entry-save]")

    expect(page.locator("[data-testid=failure-notice]")).to_be_visible()
    expect(page.locator("[data-testid=failure-notice]")).to_contain_text("404")
    assert Entry.objects.filter(contact_id=person_id).count() == 0
