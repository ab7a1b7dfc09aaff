"""The configurable card in a real browser: an administrator adds a required single-choice field to the
"client" type; a manager creating a client without it sees the error at the field; a field hidden from
managers is neither in the manager's page source nor in their API response."""

import pytest
from playwright.sync_api import expect

from crm.accounts.services import api_token_create
from crm.contacts.inputs import contact_input_from
from crm.contacts.models import Contact
from crm.contacts.services import contact_update
from crm.core.audit import SYSTEM
from crm.fields import services as field_services
from crm.fields.models import FieldDefinition, RecordType

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_required_field_on_a_type_and_a_hidden_field(live_server, browser, login, admin, manager_a):
    # The administrator adds a single-choice field and makes it required on the "client" type.
    page = login(admin)
    page.goto(f"{live_server.url}/settings/fields/contact/")
    page.click("[data-testid=new-field]")
    page.fill("input[name=key]", "contract_kind")
    page.select_option("select[name=field_type]", "choice")
    page.select_option("select[name=choice_list_id]", label="Тип клиента")
    page.fill("input[name=label_ru]", "Вид договора")
    page.fill("input[name=label_en]", "Contract kind")
    page.locator("form button.btn-primary").last.click()
    expect(page.locator("[data-testid=custom-fields]")).to_contain_text("Вид договора")
    client_type = RecordType.objects.get(kind="contact", key="client")
    page.goto(f"{live_server.url}/settings/types/contact/{client_type.pk}/")
    page.select_option("select[name=level_contract_kind]", "required")
    page.locator("[data-testid=type-form] button.btn-primary").click()
    page.wait_for_url(f"{live_server.url}/settings/types/contact/")
    assert RecordType.objects.get(pk=client_type.pk).levels["contract_kind"] == "required"
    page.context.close()

    # A manager creating a client without it sees the error at the field; nothing is stored.
    manager_page = browser.new_context(locale="ru-RU", viewport={"width": 1400, "height": 900}).new_page()
    manager_page.set_default_timeout(10_000)
    manager_page.goto(f"{live_server.url}/login/")
    manager_page.fill("#id_username", manager_a.username)
    manager_page.fill("#id_password", "pw-test-12345")
    manager_page.click("[data-testid=login]")
    manager_page.click("[data-testid=new-contact]")
    manager_page.select_option("[data-testid=record-type-select]", label="Клиент")
    expect(manager_page.locator("[data-field=contract_kind]")).to_be_visible()  # the client's fields appear
    manager_page.fill("#f-last", "Заказчиков")
    manager_page.locator("input[name=phone_value]").first.fill("+7 916 100-20-30")
    manager_page.click("[data-testid=save]")
    expect(manager_page.locator('[data-error-for="custom.contract_kind"]')).to_contain_text("Вид договора")
    assert Contact.objects.count() == 0
    manager_page.select_option("#cf-contract_kind", label="Опт")
    manager_page.click("[data-testid=save]")
    expect(manager_page.locator("[data-testid=card-title]")).to_have_text("Заказчиков")
    expect(manager_page.locator("[data-value=contract_kind]")).to_have_text("Опт")

    # A field hidden from managers: not in the page source, not in the API response.
    field_services.field_save(
        actor=admin,
        kind="contact",
        data=field_services.FieldInput(key="cost_price", field_type="money", label_ru="Себестоимость"),
        source=SYSTEM,
    )
    field_services.field_access_set(
        actor=admin, kind="contact", key="cost_price", levels={manager_a.role_id: "hidden"}, source=SYSTEM
    )
    contact = Contact.objects.get()
    data = contact_input_from(contact)  # the manager's card; the administrator fills the hidden field
    data.custom = {"cost_price": "777 123,45"}
    contact_update(actor=admin, contact_id=contact.pk, data=data, source=SYSTEM)
    assert FieldDefinition.objects.filter(key="cost_price").exists()
    manager_page.reload()
    source = manager_page.content()
    assert "Заказчиков" in source
    assert "777" not in source
    assert "Себестоимость" not in source
    _, token = api_token_create(actor=manager_a, name="browser", source=SYSTEM)
    response = manager_page.request.get(
        f"{live_server.url}/api/v1/contacts/{contact.pk}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.ok
    assert "cost_price" not in response.json()["custom"]
    assert "777" not in response.text()
