"""The list a manager lives in (R5): the columns each user chooses, remembered; never a column on a field
hidden from the role; one line per row with the full value on hover."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from crm.contacts import columns
from crm.contacts.models import ListLayout
from crm.contacts.testing import make_company, make_contact
from crm.core.audit import SYSTEM
from crm.fields.services import field_access_set

pytestmark = pytest.mark.django_db


def shown_columns(client, url="/contacts/"):
    return re.findall(r'data-column="([^"]+)"', client.get(url).content.decode())


def test_a_new_user_sees_the_default_columns(client, manager_a):
    client.force_login(manager_a)

    assert shown_columns(client) == columns.default_keys("contact")
    assert shown_columns(client, "/companies/") == columns.default_keys("company")


def test_the_chosen_columns_are_remembered_for_that_user_and_that_list_only(client, manager_a, manager_b):
    make_contact(manager_a, "Петров", "Пётр", city="Тула")
    client.force_login(manager_a)

    saved = client.post(
        reverse("contacts:list_columns", args=["contact"]),
        {"columns": ["orders_total", "city", "created"], "next": "/contacts/?sort=name"},
    )

    assert saved.url == "/contacts/?sort=name"
    assert shown_columns(client) == ["orders_total", "city", "created"]  # in the order chosen
    assert shown_columns(client, "/companies/") == columns.default_keys("company")
    client.force_login(manager_b)
    assert shown_columns(client) == columns.default_keys("contact")


def test_as_by_default_forgets_the_choice(client, manager_a):
    client.force_login(manager_a)
    client.post(reverse("contacts:list_columns", args=["contact"]), {"columns": ["city"]})

    client.post(reverse("contacts:list_columns", args=["contact"]), {"reset": "1"})

    assert not ListLayout.objects.exists()
    assert shown_columns(client) == columns.default_keys("contact")


def test_an_unknown_column_is_refused_and_the_choice_kept(client, manager_a):
    client.force_login(manager_a)
    client.post(reverse("contacts:list_columns", args=["contact"]), {"columns": ["city"]})

    client.post(reverse("contacts:list_columns", args=["contact"]), {"columns": ["city", "password"]})

    assert ListLayout.objects.get().columns == ["city"]


def test_a_column_on_a_field_hidden_from_the_role_is_neither_offered_nor_shown(client, admin, manager_a):
    make_contact(manager_a, "Петров", "Пётр", city="Тула")
    client.force_login(manager_a)
    client.post(reverse("contacts:list_columns", args=["contact"]), {"columns": ["city", "owner"]})
    field_access_set(
        actor=admin, kind="contact", key="city", levels={manager_a.role_id: "hidden"}, source=SYSTEM
    )

    page = client.get("/contacts/").content.decode()

    assert re.findall(r'data-column="([^"]+)"', page) == ["owner"]
    assert 'value="city"' not in page  # not in the chooser either
    assert "Тула" not in page


def test_purchase_columns_need_the_right_to_view_deals(manager_a):
    from crm.accounts.models import Role

    keys = {c.key for c in columns.available(manager_a, "contact")}
    assert {"orders_count", "orders_total", "last_order"} <= keys
    Role.objects.filter(pk=manager_a.role_id).update(
        permissions={k: v for k, v in manager_a.role.permissions.items() if k != "deal"}
    )
    manager_a.refresh_from_db()
    assert not {"orders_count", "orders_total", "last_order"} & {
        c.key for c in columns.available(manager_a, "contact")
    }


def test_each_row_is_one_line_with_the_full_value_on_hover(client, manager_a):
    company = make_company(manager_a, "ООО Очень длинное название торгово-производственной компании")
    make_contact(manager_a, "Петров", "Пётр", company_id=company.pk)
    client.force_login(manager_a)

    page = client.get("/contacts/").content.decode()

    assert 'class="table table-vcenter card-table table-dense"' in page
    assert 'title="ООО Очень длинное название торгово-производственной компании"' in page


def test_rows_can_be_chosen_for_a_bulk_change_only_by_who_may_edit(client, manager_a, support):
    make_contact(manager_a, "Петров", "Пётр")
    client.force_login(manager_a)
    assert 'data-testid="selection-bar"' in client.get("/contacts/").content.decode()
    client.force_login(support)  # support views companies, does not edit them
    assert 'data-testid="selection-bar"' not in client.get("/companies/").content.decode()
