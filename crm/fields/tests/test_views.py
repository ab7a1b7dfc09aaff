"""The administrator's settings pages: fields, field access, choice lists, record types."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.accounts.models import Role
from crm.fields.models import AccessLevel, ChoiceList, ChoiceOption, FieldAccess, FieldDefinition, RecordType


@pytest.fixture
def industry(db):
    return ChoiceList.objects.get(key="industry")


@pytest.fixture
def lead(db):
    return RecordType.objects.get(kind="contact", key="lead")


def pages(industry: ChoiceList, lead: RecordType) -> list[str]:
    field = FieldDefinition.objects.get(kind="contact", key="tariff")
    return [
        reverse("fields:field_list", args=["contact"]),
        reverse("fields:field_list", args=["company"]),
        reverse("fields:field_create", args=["contact"]),
        reverse("fields:field_edit", args=["contact", field.pk]),
        reverse("fields:standard_field_edit", args=["contact", "phones"]),
        reverse("fields:standard_field_edit", args=["company", "inn"]),
        reverse("fields:choice_list_index"),
        reverse("fields:choice_list", args=[industry.pk]),
        reverse("fields:type_list", args=["contact"]),
        reverse("fields:type_list", args=["company"]),
        reverse("fields:type_create", args=["contact"]),
        reverse("fields:type_edit", args=["contact", lead.pk]),
    ]


def test_every_page_renders_for_the_administrator(client, admin, industry, lead):
    client.force_login(admin)
    for url in pages(industry, lead):
        assert client.get(url).status_code == 200, url


def test_every_page_and_post_is_404_for_a_manager(client, manager_a, industry, lead):
    client.force_login(manager_a)
    for url in pages(industry, lead):
        assert client.get(url).status_code == 404, url
    option = industry.options.first()
    posts = [
        reverse("fields:field_access", args=["contact", "phones"]),
        reverse("fields:option_create", args=[industry.pk]),
        reverse("fields:option_edit", args=[industry.pk, option.pk]),
        reverse("fields:option_merge", args=[industry.pk, option.pk]),
        reverse("fields:options_reorder", args=[industry.pk]),
        reverse("fields:choice_list_index"),
    ]
    for url in posts:
        assert client.post(url, {"label_ru": "Взлом", "key": "hack", "name_ru": "Взлом"}).status_code == 404
    assert not ChoiceOption.objects.filter(label_ru="Взлом").exists()
    assert not ChoiceList.objects.filter(key="hack").exists()


def test_unknown_kind_is_404(client, admin):
    client.force_login(admin)
    assert client.get(reverse("fields:field_list", args=["task"])).status_code == 404
    assert client.get(reverse("fields:type_list", args=["task"])).status_code == 404


def test_the_fields_page_lists_standard_and_custom_fields(client, admin):
    client.force_login(admin)
    html = client.get(reverse("fields:field_list", args=["contact"])).content.decode()
    assert reverse("fields:standard_field_edit", args=["contact", "phones"]) in html
    tariff = FieldDefinition.objects.get(kind="contact", key="tariff")
    assert reverse("fields:field_edit", args=["contact", tariff.pk]) in html
    assert "<code>tariff</code>" in html


def field_post(**fields):
    data = {
        "key": "",
        "field_type": "text",
        "label_ru": "",
        "label_en": "",
        "help_ru": "",
        "help_en": "",
        "choice_list_id": "",
        "default": "",
        "group": "",
        "order": "",
        "is_active": "1",
    }
    data.update(fields)
    return data


def test_a_custom_field_is_created_through_the_page(client, admin, industry):
    client.force_login(admin)
    response = client.post(
        reverse("fields:field_create", args=["company"]),
        field_post(
            key="segment",
            field_type="choice",
            label_ru="Сегмент",
            label_en="Segment",
            choice_list_id=str(industry.pk),
            default="Торговля",
            group="Продажи",
            filterable="1",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("fields:field_list", args=["company"])
    field = FieldDefinition.objects.get(kind="company", key="segment")
    assert (field.field_type, field.label_ru, field.choice_list_id) == ("choice", "Сегмент", industry.pk)
    assert field.default == industry.options.get(label_ru="Торговля").pk
    assert (field.group, field.filterable, field.in_list, field.is_active) == ("Продажи", True, False, True)
    page = client.get(reverse("fields:field_edit", args=["company", field.pk])).content.decode()
    assert 'value="Торговля"' in page  # the default reads back as the option's label


def test_a_bad_key_is_shown_at_the_key_and_nothing_is_stored(client, admin):
    client.force_login(admin)
    before = FieldDefinition.objects.count()
    response = client.post(
        reverse("fields:field_create", args=["contact"]), field_post(key="9 Плохой", label_ru="Поле")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-error-for="key"' in html
    assert 'value="9 Плохой"' in html
    assert 'value="Поле"' in html
    assert FieldDefinition.objects.count() == before


def test_editing_a_custom_field_keeps_its_key_and_type(client, admin):
    client.force_login(admin)
    field = FieldDefinition.objects.get(kind="contact", key="next_contact")
    response = client.post(
        reverse("fields:field_edit", args=["contact", field.pk]),
        field_post(key="other", field_type="text", label_ru="Следующий звонок", order="5", required="1"),
    )
    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.key, field.field_type) == ("next_contact", "date")
    assert (field.label_ru, field.order, field.required) == ("Следующий звонок", 5, True)


def test_a_standard_field_is_switched_off_and_renamed(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("fields:standard_field_edit", args=["company", "kpp"]),
        {"label_ru": "КПП филиала", "label_en": "", "help_ru": "", "help_en": "", "required": "1"},
    )
    assert response.status_code == 302
    row = FieldDefinition.objects.get(kind="company", key="kpp", is_standard=True)
    assert (row.is_active, row.required, row.label_ru) == (False, True, "КПП филиала")


def test_a_field_is_hidden_for_the_manager_role(client, admin):
    client.force_login(admin)
    manager, admin_role = Role.objects.get(code="manager"), Role.objects.get(code="admin")
    page = client.get(reverse("fields:standard_field_edit", args=["contact", "birthday"])).content.decode()
    assert f'name="role_{manager.pk}"' in page
    assert f'name="role_{admin_role.pk}"' not in page  # administrators always edit
    response = client.post(
        reverse("fields:field_access", args=["contact", "birthday"]),
        {f"role_{manager.pk}": "hidden", f"role_{admin_role.pk}": "hidden"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("fields:standard_field_edit", args=["contact", "birthday"])
    rows = list(FieldAccess.objects.filter(kind="contact", key="birthday").values_list("role_id", "level"))
    assert rows == [(manager.pk, AccessLevel.HIDDEN)]


def test_access_of_a_custom_field_redirects_to_its_page(client, admin):
    client.force_login(admin)
    manager = Role.objects.get(code="manager")
    field = FieldDefinition.objects.get(kind="contact", key="payments")
    response = client.post(
        reverse("fields:field_access", args=["contact", "payments"]), {f"role_{manager.pk}": "read"}
    )
    assert response["Location"] == reverse("fields:field_edit", args=["contact", field.pk])
    assert FieldAccess.objects.get(kind="contact", key="payments", role=manager).level == AccessLevel.READ


def test_a_choice_list_is_created_and_renamed(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("fields:choice_list_index"), {"key": "region", "name_ru": "Регион", "name_en": ""}
    )
    created = ChoiceList.objects.get(key="region")
    assert response["Location"] == reverse("fields:choice_list", args=[created.pk])
    response = client.post(
        reverse("fields:choice_list", args=[created.pk]), {"name_ru": "Регионы", "name_en": "Regions"}
    )
    assert response["Location"] == reverse("fields:choice_list_index")
    created.refresh_from_db()
    assert (created.name_ru, created.name_en) == ("Регионы", "Regions")
    response = client.post(reverse("fields:choice_list_index"), {"key": "region", "name_ru": "Ещё"})
    assert 'data-error-for="key"' in response.content.decode()


def test_an_option_is_added_renamed_and_deactivated(client, admin, industry):
    client.force_login(admin)
    url = reverse("fields:option_create", args=[industry.pk])
    assert client.post(url, {"label_ru": "Медицина", "label_en": "Medicine"}).status_code == 302
    option = industry.options.get(label_ru="Медицина")
    response = client.post(
        reverse("fields:option_edit", args=[industry.pk, option.pk]),
        {"label_ru": "Здравоохранение", "label_en": "Healthcare"},
    )
    assert response["Location"] == reverse("fields:choice_list", args=[industry.pk])
    option.refresh_from_db()
    assert (option.label_ru, option.label_en, option.is_active) == ("Здравоохранение", "Healthcare", False)


def test_a_duplicate_option_label_is_shown_at_that_option(client, admin, industry):
    client.force_login(admin)
    option = industry.options.get(label_ru="IT")
    response = client.post(
        reverse("fields:option_edit", args=[industry.pk, option.pk]),
        {"label_ru": "Торговля", "is_active": "1"},
    )
    assert response.status_code == 200
    assert 'data-error-for="label_ru"' in response.content.decode()
    option.refresh_from_db()
    assert option.label_ru == "IT"


def test_two_options_are_merged(client, admin, industry):
    client.force_login(admin)
    it, services = industry.options.get(label_ru="IT"), industry.options.get(label_ru="Услуги")
    response = client.post(
        reverse("fields:option_merge", args=[industry.pk, it.pk]), {"into_id": str(services.pk)}
    )
    assert response.status_code == 302
    it.refresh_from_db()
    assert (it.merged_into_id, it.is_active) == (services.pk, False)
    page = client.get(reverse("fields:choice_list", args=[industry.pk])).content.decode()
    assert "«Услуги»" in page
    missing = client.post(reverse("fields:option_merge", args=[industry.pk, services.pk]), {"into_id": ""})
    assert 'data-error-for="into_id"' in missing.content.decode()


def test_options_are_reordered_by_the_up_button(client, admin, industry):
    client.force_login(admin)
    first, second, *rest = list(industry.options.order_by("order", "id"))
    page = client.get(reverse("fields:choice_list", args=[industry.pk])).content.decode()
    assert (
        page.count(reverse("fields:options_reorder", args=[industry.pk]))
        == 2 * len([first, second, *rest]) - 2
    )
    new_order = [second.pk, first.pk, *(o.pk for o in rest)]
    response = client.post(
        reverse("fields:options_reorder", args=[industry.pk]), {"option_ids": [str(pk) for pk in new_order]}
    )
    assert response.status_code == 302
    assert list(industry.options.order_by("order", "id").values_list("pk", flat=True)) == new_order


def test_a_record_type_is_saved_with_a_required_field(client, admin, lead):
    client.force_login(admin)
    page = client.get(reverse("fields:type_edit", args=["contact", lead.pk])).content.decode()
    assert 'name="level_phones"' in page
    assert 'name="level_tariff"' in page
    levels = {f"level_{key}": value for key, value in lead.levels.items()}
    response = client.post(
        reverse("fields:type_edit", args=["contact", lead.pk]),
        {"name_ru": "Лид", "name_en": "Lead", "is_active": "1", **levels, "level_city": "required"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("fields:type_list", args=["contact"])
    lead.refresh_from_db()
    assert lead.levels["city"] == "required"
    assert lead.levels["tariff"] == "hidden"  # what was not changed stays
    assert lead.key == "lead"


def test_a_record_type_is_created(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("fields:type_create", args=["company"]),
        {"key": "supplier", "name_ru": "Поставщик", "is_active": "1", "level_inn": "required"},
    )
    assert response.status_code == 302
    created = RecordType.objects.get(kind="company", key="supplier")
    assert created.levels == {"inn": "required"}
    bad = client.post(reverse("fields:type_create", args=["company"]), {"key": "supplier", "name_ru": ""})
    html = bad.content.decode()
    assert 'data-error-for="key"' in html
    assert 'data-error-for="name_ru"' in html


def test_a_flag_field_offers_only_not_on_type_and_optional(client, admin, lead):
    client.force_login(admin)
    html = client.get(reverse("fields:type_edit", args=["contact", lead.pk])).content.decode()
    select = html.split('name="level_is_key"')[1].split("</select>")[0]
    assert 'value="hidden"' in select
    assert 'value="optional"' in select
    assert 'value="required"' not in select
