"""The import wizard in a real browser, as a head of sales uses it: upload a Russian Excel CSV, see the
columns and the preview, save them as a template, run a test that stores nothing, import, read the report,
open the batch's cards, undo the whole import; the next file with the same columns is mapped at once."""

import pytest
from playwright.sync_api import expect

from crm.contacts.models import Contact
from crm.imports.models import ImportTemplate

pytestmark = pytest.mark.django_db(transaction=True)

FILE = (
    "Фамилия;Имя;Мобильный;E-mail;Компания;Заметка\n"
    "Зайцев;Юрий;8 (912) 000-11-22;z@firm.example;Ромашка;с выставки\n"
    "Котова;Анна;+7 912 000 33 44;;Ромашка;=HYPERLINK(1)\n"
    ";;;;;\n"
).encode("cp1251")


def _upload(page, live_server, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(FILE)
    page.goto(f"{live_server.url}/imports/new/")
    page.set_input_files("#import-file", str(path))
    page.click("[data-testid=upload-submit]")
    expect(page.locator("[data-testid=mapping-table]")).to_be_visible()


def test_a_file_goes_through_the_wizard_and_the_whole_import_is_undone(live_server, login, head_a, tmp_path):
    page = login(head_a)
    _upload(page, live_server, tmp_path, "clients.csv")
    expect(page.locator("body")).to_contain_text("windows-1251")
    expect(page.locator("[data-testid=preview-table]")).to_contain_text("Зайцев")
    expect(page.locator("[data-testid=preview-table]")).to_contain_text("8 (912) 000-11-22")

    # The note column is left out, and the columns saved as a template.
    page.select_option("[data-testid=map-5]", "")
    page.fill("[data-testid=template-name]", "Выставка")
    page.click("[data-testid=save-template]")
    expect(page.locator("[data-testid=template-applied]")).to_contain_text("Выставка")
    assert ImportTemplate.objects.get().mapping["Заметка"] == ""

    page.click("[data-testid=test-run]")
    expect(page.locator("[data-testid=test-report]")).to_be_visible()
    assert Contact.objects.count() == 0  # a test run stores nothing

    page.click("[data-testid=start-import]")
    expect(page.locator("[data-testid=import-report]")).to_be_visible()
    expect(page.locator("[data-testid=import-counts]")).to_contain_text("2создано")
    assert Contact.objects.filter(deleted_at=None).count() == 2
    assert not Contact.objects.filter(notes__contains="HYPERLINK").exists()

    page.click("[data-testid=batch-cards]")
    expect(page.locator("body")).to_contain_text("Котова")

    page.go_back()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=undo-import]")
    expect(page.locator("[data-testid=import-status]")).to_be_visible()
    assert Contact.objects.filter(deleted_at=None).count() == 0

    # The next export with the same columns is mapped by the template at once.
    _upload(page, live_server, tmp_path, "clients-december.csv")
    expect(page.locator("[data-testid=template-applied]")).to_contain_text("Выставка")
    expect(page.locator("[data-testid=map-5]")).to_have_value("")
    page.screenshot(path=str(tmp_path / "wizard.png"), full_page=True)
