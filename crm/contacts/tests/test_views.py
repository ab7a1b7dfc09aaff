"""The contact and company pages: HTMX forms, errors at the field, query counts that do not grow."""

import pytest
from django.urls import reverse

from crm.contacts.models import Contact
from crm.contacts.testing import make_company, make_contact

HTMX = {"HTTP_HX_REQUEST": "true"}


def post_contact(client, url, **fields):
    data = {
        "last_name": "",
        "first_name": "",
        "phone_row": ["0"],
        "phone_value": [""],
        "phone_kind": ["mobile"],
        "phone_verification": [""],
        "phone_primary": "0",
        "email_row": ["0"],
        "email_value": [""],
        "email_kind": ["work"],
        "email_verification": [""],
        "email_primary": "0",
        "base_type": "lead",
    }
    data.update(fields)
    return client.post(url, data, **HTMX)


def test_bad_phone_is_shown_next_to_the_field_and_nothing_is_stored(client, manager_a):
    client.force_login(manager_a)
    response = post_contact(
        client, reverse("contacts:contact_create"), last_name="Иванов", phone_value=["12345"]
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-error-for="phones.0"' in html
    assert 'value="12345"' in html  # what the user typed is kept
    assert Contact.objects.count() == 0


def test_valid_form_creates_the_card_and_redirects_to_it(client, manager_a):
    client.force_login(manager_a)
    response = post_contact(
        client,
        reverse("contacts:contact_create"),
        last_name="Иванов",
        phone_value=["8 912 345-67-89"],
        email_value=["ivanov@firm.ru"],
    )
    contact = Contact.objects.get()
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("contacts:contact_detail", args=[contact.pk])
    assert contact.phones.get().number == "+79123456789"


def test_duplicate_phone_offers_to_open_the_existing_card(client, manager_a):
    existing = make_contact(manager_a, phone="+79123456789")
    client.force_login(manager_a)
    response = post_contact(
        client, reverse("contacts:contact_create"), last_name="Петров", phone_value=["+7 (912) 345-67-89"]
    )
    html = response.content.decode()
    assert 'data-testid="duplicate-warning"' in html
    assert reverse("contacts:contact_detail", args=[existing.pk]) in html
    assert Contact.objects.count() == 1


def test_new_contact_form_starts_with_the_starter_fields(client, manager_a):
    client.force_login(manager_a)
    html = client.get(reverse("contacts:contact_create")).content.decode()
    for name in ("last_name", "first_name", "phone_value", "email_value", "company_q", "position", "source"):
        assert f'name="{name}"' in html
    assert 'x-data="{ more: false }"' in html  # the rest is one click away


def test_card_shows_phones_as_tel_links_and_emails_as_mailto(client, manager_a):
    contact = make_contact(manager_a, phone="+79123456789", email="a@firm.ru")
    client.force_login(manager_a)
    html = client.get(reverse("contacts:contact_detail", args=[contact.pk])).content.decode()
    assert 'href="tel:+79123456789"' in html
    assert "8 (912) 345-67-89" in html
    assert 'href="mailto:a@firm.ru"' in html


def test_card_query_count_does_not_grow_with_its_contents(client, manager_a, django_assert_max_num_queries):
    company = make_company(manager_a)
    small = make_contact(manager_a, last_name="Малый", phone="+79120000001")
    big = make_contact(
        manager_a, last_name="Большой", phone="+79120000002", company_id=company.pk, tags=["a", "b", "c", "d"]
    )
    from crm.contacts.inputs import EmailInput, PhoneInput, contact_input_from
    from crm.contacts.services import contact_comment, contact_update
    from crm.core.audit import SYSTEM

    data = contact_input_from(big)
    data.phones += [PhoneInput(value=f"+7913000000{i}") for i in range(5)]
    data.emails += [EmailInput(value=f"e{i}@firm.ru") for i in range(5)]
    contact_update(actor=manager_a, contact_id=big.pk, data=data, source=SYSTEM)
    for i in range(5):
        contact_comment(actor=manager_a, contact_id=big.pk, text=f"комментарий {i}", source=SYSTEM)
    client.force_login(manager_a)
    # 15 for the card itself, 2 for the duplicates section (its open pairs, its merges to undo), 1 for its
    # ids in the systems it was imported from, 1 for its deals (crm/deals/tests/test_views.py holds that
    # one to a client with many deals).
    with django_assert_max_num_queries(19) as small_queries:
        client.get(reverse("contacts:contact_detail", args=[small.pk]))
    with django_assert_max_num_queries(19) as big_queries:
        client.get(reverse("contacts:contact_detail", args=[big.pk]))
    assert len(big_queries) == len(small_queries)


@pytest.mark.parametrize("url_name", ["contacts:contact_list", "contacts:company_list"])
def test_list_query_count_does_not_grow_with_rows(client, manager_a, url_name, django_assert_max_num_queries):
    client.force_login(manager_a)
    make_contact(manager_a, last_name="Первый", phone="+79120000010", tags=["x"])
    make_company(manager_a, name="Первая")
    with django_assert_max_num_queries(20) as few:
        client.get(reverse(url_name))
    for i in range(12):
        company = make_company(manager_a, name=f"Компания {i}", tags=["y"])
        make_contact(
            manager_a,
            last_name=f"Фамилия{i}",
            phone=f"+7912111{i:04d}",
            email=f"x{i}@firm.ru",
            tags=["x", "y"],
            company_id=company.pk,
        )
    with django_assert_max_num_queries(20) as many:
        client.get(reverse(url_name))
    assert len(many) == len(few)


def test_list_filters_by_base_type_and_tag(client, manager_a):
    make_contact(manager_a, last_name="Лидов", phone="+79120000020", base_type="lead", tags=["VIP"])
    make_contact(manager_a, last_name="Активов", phone="+79120000021", base_type="active")
    client.force_login(manager_a)
    html = client.get(reverse("contacts:contact_list"), {"base_type": "active"}).content.decode()
    assert "Активов" in html
    assert "Лидов" not in html
    from crm.contacts.models import Tag

    html = client.get(
        reverse("contacts:contact_list"), {"tag": Tag.objects.get(name="VIP").pk}
    ).content.decode()
    assert "Лидов" in html
    assert "Активов" not in html


def test_language_switch_changes_the_interface_language(client, manager_a):
    client.force_login(manager_a)
    client.post(reverse("accounts:language"), {"language": "en", "next": "/contacts/"})
    manager_a.refresh_from_db()
    assert manager_a.language == "en"
    assert client.get(reverse("contacts:contact_list"))["Content-Language"] == "en"


def test_the_form_marks_a_phone_shared_and_the_card_says_so(client, manager_a):
    client.force_login(manager_a)
    post_contact(
        client,
        reverse("contacts:contact_create"),
        last_name="Лапин",
        phone_value=["+7 495 555-20-00"],
        phone_shared=["0"],
    )
    card = Contact.objects.get(last_name="Лапин")
    assert card.phones.get().is_shared
    page = client.get(reverse("contacts:contact_detail", args=[card.pk])).content.decode()
    assert 'data-testid="shared-phone"' in page
    edit = client.get(reverse("contacts:contact_edit", args=[card.pk])).content.decode()
    assert 'name="phone_shared"' in edit
    assert "checked" in edit.split('name="phone_shared"')[1][:80]
