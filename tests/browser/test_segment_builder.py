"""Segments in a real browser (R5): build "an order of 50,000 ₽ or more but no contact for 90 days" with the
live count following each change, save it, tag its members in bulk and undo the batch."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.activities.services import EntryInput, entry_create
from crm.contacts.models import Contact
from crm.contacts.testing import make_contact
from crm.core.audit import SYSTEM
from crm.deals.testing import make_order
from crm.segments.models import Segment

pytestmark = pytest.mark.django_db(transaction=True)


def _ago(days):
    return timezone.now() - datetime.timedelta(days=days)


def _client(owner, name, amount, silent_days):
    card = make_contact(owner, name, "Клиент")
    make_order(owner, contact_id=card.pk, amount=amount, ordered_at=_ago(200))
    entry = EntryInput(kind="call", contact_id=card.pk, occurred_at=_ago(silent_days), summary="Звонок")
    entry_create(actor=owner, data=entry, source=SYSTEM)
    return card


def _tags(card):
    return [t.name for t in Contact.objects.get(pk=card.pk).tags.all()]


def test_build_save_tag_in_bulk_and_undo(live_server, login, manager_a):
    forgotten = _client(manager_a, "Забытый", 60_000, 120)
    called = _client(manager_a, "Обзвоненный", 90_000, 3)
    small = _client(manager_a, "Мелкий", 5_000, 150)
    page = login(manager_a)
    page.goto(f"{live_server.url}/segments/new/?kind=contact")
    count = page.locator("[data-testid=preview-count]")
    expect(count).to_have_text("3")  # no condition yet: every card

    page.click("[data-add-rule]")
    rule = page.locator("[data-rule]").nth(0)
    rule.locator("[data-rule-field]").select_option("order_amount")
    rule.locator("[data-rule-op]").select_option("gte")
    rule.locator("[data-rule-value]").fill("50 000")
    expect(count).to_have_text("2")
    page.click("[data-add-rule]")
    rule = page.locator("[data-rule]").nth(1)
    rule.locator("[data-rule-field]").select_option("last_contact")
    rule.locator("[data-rule-op]").select_option("older_days")
    rule.locator("[data-rule-value]").fill("9O")  # a typo: the rule says what is wrong
    expect(rule.locator(".invalid-feedback")).to_contain_text("Значение: Введите целое число")
    rule.locator("[data-rule-value]").fill("90")
    expect(count).to_have_text("1")
    page.fill("#s-name", "Крупные без контакта")
    page.click("[data-testid=save-segment]")

    expect(page.locator("[data-testid=segment-description]")).to_contain_text("90 или более дней назад")
    expect(page.locator("[data-testid=contact-table]")).to_contain_text("Забытый")
    expect(page.locator("[data-testid=contact-table]")).not_to_contain_text("Обзвоненный")
    assert Segment.objects.get().name == "Крупные без контакта"

    page.fill("#bulk-tag", "Вернуть клиента")
    page.click("[data-testid=bulk-start]")
    expect(page.locator("[data-testid=bulk-status]")).to_have_text("Выполнено")
    expect(page.locator("[data-testid=bulk-changed]")).to_contain_text("1")
    assert (_tags(forgotten), _tags(called), _tags(small)) == (["Вернуть клиента"], [], [])

    page.click("[data-testid=bulk-undo]")
    expect(page.locator("[data-testid=bulk-status]")).to_have_text("Отменено")
    assert _tags(forgotten) == []
