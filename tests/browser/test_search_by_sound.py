"""Ctrl+K finds a person however the name was typed: in Latin, in the wrong keyboard layout, or as a
familiar form of the first name."""

import pytest
from playwright.sync_api import expect

from crm.contacts.testing import make_contact

pytestmark = pytest.mark.django_db(transaction=True)


def test_ctrl_k_finds_a_name_typed_in_latin_the_wrong_layout_or_a_familiar_form(
    live_server, login, manager_a
):
    card = make_contact(manager_a, last_name="Зайцев", first_name="Александр", phone="+79161234567")
    make_contact(manager_a, last_name="Петров", first_name="Алексей", phone="+79161234568")
    page = login(manager_a)
    for typed in ("Zaytsev", "Pfqwtd", "Саша"):
        page.keyboard.press("Control+k")
        page.fill("[data-testid=search-input]", typed)
        results = page.locator("[data-testid=search-results]")
        expect(results).to_contain_text("Зайцев Александр")
        expect(results).not_to_contain_text("Петров")
        page.keyboard.press("Escape")
    page.keyboard.press("Control+k")
    page.fill("[data-testid=search-input]", "Zaytsev")
    expect(page.locator("[data-testid=search-results]")).to_contain_text("Зайцев Александр")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/contacts/{card.pk}/")
