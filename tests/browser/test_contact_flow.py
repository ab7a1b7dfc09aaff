"""A manager's day with one card, in a real browser: log in, refuse a bad phone at the field, create,
find with Ctrl+K by the last 7 digits, edit, delete, restore from the trash, switch the language."""

import re

import pytest
from playwright.sync_api import expect

from crm.contacts.models import Contact
from crm.contacts.testing import make_company

pytestmark = pytest.mark.django_db(transaction=True)


def test_contact_lifecycle_in_the_browser(live_server, login, manager_a):
    make_company(manager_a, name="Строймонтаж")
    page = login(manager_a)

    # A bad phone is refused at the field and nothing is stored.
    page.click("[data-testid=new-contact]")
    page.fill("#f-last", "Воронцова")
    page.fill("#f-first", "Елена")
    page.locator("input[name=phone_value]").first.fill("12345")
    page.click("[data-testid=save]")
    expect(page.locator('[data-error-for="phones.0"]')).to_be_visible()
    assert Contact.objects.count() == 0

    # Corrected, it is created and the card opens.
    page.locator("input[name=phone_value]").first.fill("8 (912) 345-67-89")
    page.locator("input[name=email_value]").first.fill("E.Vorontsova@Firm.RU")
    page.fill("#f-company-q", "Строй")
    page.locator(".company-choices button", has_text="Строймонтаж").click()
    page.fill("#f-position", "Главный инженер")
    page.click("[data-testid=save]")
    expect(page.locator("[data-testid=card-title]")).to_have_text("Воронцова Елена")
    expect(page.locator("[data-testid=phones]")).to_contain_text("8 (912) 345-67-89")
    expect(page.locator("body")).to_contain_text("Строймонтаж, Главный инженер")
    contact = Contact.objects.get()
    assert contact.emails.get().address == "e.vorontsova@firm.ru"

    # Ctrl+K from another page finds it by the last 7 digits of its phone.
    page.goto(f"{live_server.url}/companies/")
    page.keyboard.press("Control+k")
    page.fill("[data-testid=search-input]", "3456789")
    expect(page.locator("[data-testid=search-results]")).to_contain_text("Воронцова Елена")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/contacts/{contact.pk}/$"))

    # Edit: the city changes and the journal says so.
    page.click("[data-testid=edit]")
    page.fill("#f-city", "Казань")
    page.click("[data-testid=save]")
    expect(page.locator("[data-testid=card-title]")).to_be_visible()
    expect(page.locator("main, body")).to_contain_text("Казань")
    expect(page.locator("[data-testid=journal]")).to_contain_text("Казань")

    # Delete moves it to the trash; restore brings it back whole.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=delete]")
    page.wait_for_url(f"{live_server.url}/contacts/")
    expect(page.locator("[data-testid=contact-table]")).not_to_contain_text("Воронцова")
    page.goto(f"{live_server.url}/trash/")
    page.click(f"[data-testid=restore-contact-{contact.pk}]")
    expect(page.locator("[data-testid=card-title]")).to_have_text("Воронцова Елена")
    expect(page.locator("[data-testid=phones]")).to_contain_text("8 (912) 345-67-89")

    # Switch the language: the interface answers in English, and back in Russian.
    expect(page.locator("[data-nav=contacts]")).to_have_text("Контакты")
    page.click("[data-testid=user-menu]")
    page.click("[data-testid=switch-language]")
    expect(page.locator("[data-nav=contacts]")).to_have_text("Contacts")
    page.click("[data-testid=user-menu]")
    page.click("[data-testid=switch-language]")
    expect(page.locator("[data-nav=contacts]")).to_have_text("Контакты")
