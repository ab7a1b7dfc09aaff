"""A standard field is declared once: the form, the API, the services, the journal, the completeness and the
configuration all know it from its declaration (docs/architecture.md, "Adding a standard field").

The company's legal address was added by that recipe alone (a declaration, a migration, two template lines);
these tests walk every declared field, so a field declared tomorrow is checked the same way.
"""

from __future__ import annotations

import pytest
from django.http import QueryDict

from crm.accounts.services import api_token_create
from crm.contacts.declarations import configurable, declared
from crm.contacts.forms import card_input
from crm.contacts.inputs import INPUT_CLASSES, input_from
from crm.contacts.models import Company, Contact
from crm.contacts.standard_fields import standard_fields_of
from crm.core.audit import SYSTEM
from crm.core.models import AuditEntry
from crm.core.templatetags.crm import field_label

PLAIN = {"name", "line", "long_text", "code", "url", "choice"}


def _example(kind: str, decl):
    if decl.example is not None:
        return decl.example
    return {"base_type": "partner", "name": "ООО Пример"}.get(decl.attr, "Пример")


def _payload(kind: str) -> dict:
    """Every plain declared field with its example, as the API takes it."""
    return {d.attr: _example(kind, d) for d in declared(kind) if d.kind_code in PLAIN | {"birthday"}}


@pytest.mark.parametrize(
    ("kind", "path", "model"), [("contact", "contacts", Contact), ("company", "companies", Company)]
)
def test_every_plain_declared_field_goes_through_the_api_into_the_card_and_the_journal(
    api_client, manager_a, kind, path, model
):
    payload = _payload(kind) | ({"last_name": "Пример"} if kind == "contact" else {})
    response = api_client("post", f"/api/v1/{path}", payload)
    assert response.status_code == 201, response.json()
    body = response.json()
    card = model.objects.get(pk=body["id"])
    changes = AuditEntry.objects.get(object_id=card.pk, object_type=f"contacts.{kind}").changes
    for decl in declared(kind):
        if decl.attr not in payload or not decl.in_api_out:
            continue
        assert decl.attr in body, decl.attr
        assert body[decl.attr] not in ("", None), decl.attr
        assert changes.get(decl.key) not in ("", None), decl.key
        assert field_label(decl.key, f"contacts.{kind}") == str(decl.label)


@pytest.mark.parametrize("kind", ["contact", "company"])
def test_a_posted_form_and_a_saved_card_read_back_as_the_same_input(kind, manager_a):
    from crm.contacts.services import company_create, contact_create
    from crm.core.audit import SYSTEM

    values = _payload(kind) | ({"last_name": "Пример"} if kind == "contact" else {})
    post = QueryDict(mutable=True)
    names = {d.attr: d.form_name or d.attr for d in declared(kind)}
    for attr, value in values.items():
        post[names[attr]] = value
    data = card_input(kind, post)
    for attr, value in values.items():
        assert getattr(data, attr) == value, attr
    create = contact_create if kind == "contact" else company_create
    card = create(actor=manager_a, data=data, source=SYSTEM)
    again = input_from(kind, type(card).objects.get(pk=card.pk))
    for decl in declared(kind):
        if decl.attr in values and decl.on_card and decl.kind_code in PLAIN - {"name", "url", "choice"}:
            assert getattr(again, decl.attr) == values[decl.attr], decl.attr


@pytest.mark.parametrize("kind", ["contact", "company"])
def test_every_configurable_declaration_is_a_configurable_field_and_an_input(kind):
    keys = [f.key for f in standard_fields_of(kind)]
    assert keys == list(configurable(kind))
    fields = {f.name for f in __import__("dataclasses").fields(INPUT_CLASSES[kind])}
    assert {d.attr for d in declared(kind)} | {"record_type_id", "custom"} == fields


def test_the_legal_address_added_by_the_recipe_is_configurable_and_on_the_form(client, admin, manager_a):
    from django.urls import reverse

    from crm.contacts.testing import make_company

    assert "legal_address" in configurable("company")
    company = make_company(manager_a, name="ООО Адрес", legal_address="Москва, Тверская, 1")
    client.force_login(manager_a)
    assert "Тверская" in client.get(reverse("contacts:company_detail", args=[company.pk])).content.decode()
    assert (
        'name="legal_address"'
        in client.get(reverse("contacts:company_edit", args=[company.pk])).content.decode()
    )


@pytest.mark.parametrize("kind", ["contact", "company"])
def test_a_filterable_declared_field_filters_the_list_and_not_when_hidden(kind):
    """The list's equality filters come from the declarations; a hidden field filters nothing (R10.3)."""
    import dataclasses

    from crm.contacts.selectors import EQUALITY_KINDS, CompanyFilters, ContactFilters, equality_filters

    carrier = {"contact": ContactFilters, "company": CompanyFilters}[kind]
    filterable = [d for d in declared(kind) if d.filterable and d.kind_code in EQUALITY_KINDS]
    assert {d.attr for d in filterable} <= {f.name for f in dataclasses.fields(carrier)}
    values = carrier(**{d.attr: {"flag": True, "ref": 7}.get(d.kind_code, "x") for d in filterable})
    assert set(equality_filters(kind, values, set())) == {d.column or d.attr for d in filterable}
    hidden = {d.config for d in filterable if d.config}
    assert set(equality_filters(kind, values, hidden)) == {
        d.column or d.attr for d in filterable if not d.config
    }


# Kinds whose values have a fixed form (checksummed codes, phone numbers, a list's choices, flags,
# references, dates) are bounded by that form; every other text is bounded by its declaration.
_FORMED = {
    "code",
    "company_phones",
    "choice",
    "flag",
    "ref",
    "birthday",
    "phones",
    "emails",
    "messengers",
    "tags",
}


@pytest.mark.parametrize("kind", ["contact", "company"])
def test_every_text_field_is_declared_with_a_limit_its_column_can_hold(kind):
    model = {"contact": Contact, "company": Company}[kind]
    for decl in declared(kind):
        if decl.kind_code in _FORMED:
            continue
        assert decl.limit, f"{kind}.{decl.attr} has no limit"
        column = decl.column or decl.attr
        field = next((f for f in model._meta.concrete_fields if f.name == column), None)
        if field is not None and getattr(field, "max_length", None):
            assert decl.limit <= field.max_length, f"{kind}.{decl.attr}: {decl.limit} > {field.max_length}"


@pytest.mark.parametrize("kind", ["contact", "company"])
def test_a_text_one_character_too_long_is_refused_naming_the_field_and_nothing_is_stored(client, admin, kind):
    _, token = api_token_create(actor=admin, name="limits", source=SYSTEM)
    model = {"contact": Contact, "company": Company}[kind]
    base = {"contact": {"last_name": "Иванов"}, "company": {"name": "ООО Предел"}}[kind]
    for decl in declared(kind):
        if decl.kind_code not in ("name", "line", "long_text"):
            continue
        response = client.post(
            {"contact": "/api/v1/contacts", "company": "/api/v1/companies"}[kind],
            base | {decl.attr: "ж" * (decl.limit + 1)},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 422, (decl.attr, response.status_code)
        assert ("too_long", decl.attr) in [(e["code"], e["field"]) for e in response.json()["errors"]]
    assert model.objects.count() == 0


def test_a_new_company_counts_what_russian_counterparties_are_checked_by(manager_a):
    """A company with nothing but its name showed 100 % complete: no company field was recommended."""
    from crm.contacts.testing import make_company

    bare = make_company(manager_a, name="ООО Пустая")
    partly = make_company(manager_a, name="ООО Частичная", inn="7707083893", phone="+7 495 123-45-67")
    assert (bare.record_type.key, bare.completeness) == ("legal", 0)
    assert partly.completeness == 33  # 2 of INN, KPP, OGRN, phone, e-mail, address


def test_a_sole_trader_is_not_asked_for_a_kpp(manager_a):
    from crm.contacts.testing import make_company

    sole = make_company(manager_a, name="Иванов И. И.", legal_form="ИП", inn="500100732259")
    assert sole.record_type.key == "sole"
    assert sole.completeness == 20  # 1 of INN, OGRN, phone, e-mail, address: no KPP for a sole trader


def test_the_migration_types_existing_companies_by_legal_form_and_counts_them_anew(manager_a):
    import importlib

    from django.apps import apps

    from crm.contacts.testing import make_company
    from crm.fields.models import RecordType

    legal = make_company(manager_a, name="ООО Старая", inn="7707083893")
    sole = make_company(manager_a, name="Петров П. П.", legal_form="ИП", inn="500100732259")
    Company.objects.update(record_type=None, completeness=100)  # as before company types existed
    RecordType.objects.filter(kind="company").delete()

    importlib.import_module("crm.fields.migrations.0003_company_types").create(apps, None)

    legal.refresh_from_db()
    sole.refresh_from_db()
    # The migration counts the columns the company table has: when it ran, the phone and the e-mail were
    # two of them (1 of 6, 1 of 5); on today's table they are rows of their own (1 of 4, 1 of 3).
    assert (legal.record_type.key, legal.completeness) == ("legal", 25)
    assert (sole.record_type.key, sole.completeness) == ("sole", 33)
