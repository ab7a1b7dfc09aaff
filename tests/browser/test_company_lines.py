"""A company's lines in a real browser: two phones of two kinds and an e-mail typed on the form, shown on
its card; another company typing the same switchboard is refused at that row and nothing is stored."""

import pytest
from playwright.sync_api import expect

from crm.contacts.models import Company

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_company_keeps_its_lines_and_another_company_cannot_take_one(live_server, login, manager_a):
    page = login(manager_a)
    page.goto(f"{live_server.url}/companies/new/")
    page.fill("#c-name", "ООО Ромашка")
    page.locator("input[name=phone_value]").first.fill("8 495 123-45-67 доб. 12")
    page.locator("[data-rows=phone] ~ [data-add-row]").click()
    page.locator("input[name=phone_value]").nth(1).fill("+7 495 765-43-21")
    page.locator("select[name=phone_kind]").nth(1).select_option("fax")
    page.locator("input[name=email_value]").first.fill("Info@Romashka.RU")
    page.locator("[data-testid=company-form] button[type=submit]").click()
    expect(page.locator("[data-testid=phones]")).to_contain_text("8 (495) 123-45-67 доб. 12")
    expect(page.locator("[data-testid=phones]")).to_contain_text("8 (495) 765-43-21")
    expect(page.locator("body")).to_contain_text("info@romashka.ru")
    romashka = Company.objects.get()
    assert [(p.number, p.kind) for p in romashka.phones.all()] == [
        ("+74951234567", "work"),
        ("+74957654321", "fax"),
    ]

    page.goto(f"{live_server.url}/companies/new/")
    page.fill("#c-name", "ООО Лютик")
    page.locator("input[name=phone_value]").first.fill("+7 (495) 123-45-67 доб. 12")
    page.locator("[data-testid=company-form] button[type=submit]").click()
    expect(page.locator('[data-error-for="phones.0"]')).to_contain_text("ООО Ромашка")
    expect(page.locator("[data-testid=duplicate-warning]")).to_contain_text("8 (495) 123-45-67")
    assert list(Company.objects.values_list("name", flat=True)) == ["ООО Ромашка"]
