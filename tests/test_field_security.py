"""Field-level security (R10.3): a field hidden from a role is absent everywhere that role can reach.

For every role and every configurable field, the field is hidden from that role and every page and API
response the role can reach for a card holding a recognisable value is searched for that value: card,
edit form, list, filtered and sorted list, global search, journal, REST API and its OpenAPI description.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from crm.accounts.models import Role
from crm.accounts.services import api_token_create
from crm.contacts.declarations import declared
from crm.contacts.inputs import CompanyInput, ContactInput
from crm.contacts.models import Contact, ContactStatus
from crm.contacts.services import company_create, contact_create, contact_update
from crm.core.audit import SYSTEM
from crm.fields import services as field_services
from crm.fields.models import ChoiceList, FieldType
from crm.fields.services import FieldInput


def _secrets(kind: str) -> dict[str, list[str]]:
    """Every configurable standard field of a kind with the strings that betray its declared example in
    HTML or JSON: a field declared tomorrow is tested without a line here."""
    found: dict[str, list[str]] = {}
    for decl in declared(kind):
        if decl.config and decl.secret and decl.betrays:
            found.setdefault(decl.config, []).extend(decl.betrays)
    return found


def _example_input(kind: str, owner) -> dict:
    """An input holding every declared example; references get a record of that name."""
    values = {}
    for decl in declared(kind):
        if decl.example is None:
            continue
        if decl.attr == "company_id":
            values["company_name"] = decl.example
        elif decl.attr == "status_id":
            values["status_id"] = ContactStatus.objects.create(name=decl.example).pk
        else:
            values[decl.attr] = decl.example
    return values | {"owner_id": owner.pk}


STANDARD_SECRETS = _secrets("contact")
CUSTOM_SECRETS = {
    "discount": ["73,77", "73.77"],  # no moment's seconds are 73 ("13.77" could be)
    "cost_price": ["987 654,32", "987654.32", "987\xa0654,32"],
    "secret_choice": ["Опция-тайна"],
    "secret_text": ["скрытый-текст"],
    "secret_date": ["2031-05-17", "17.05.2031"],
}
ROLES = ["manager", "head", "support"]


@pytest.fixture
def card(manager_a, admin):
    """A card of manager_a with a recognisable value in every configurable field."""
    source = SYSTEM
    secret_list = field_services.choice_list_save(
        actor=admin, key="secret", name_ru="Тайный список", source=source
    )
    option = field_services.option_save(
        actor=admin, list_id=secret_list.pk, label_ru="Опция-тайна", source=source
    )
    field_services.option_save(actor=admin, list_id=secret_list.pk, label_ru="Открытая опция", source=source)
    for key, field_type, extra in (
        ("discount", FieldType.NUMBER, {}),
        ("cost_price", FieldType.MONEY, {}),
        ("secret_choice", FieldType.CHOICE, {"choice_list_id": secret_list.pk}),
        ("secret_text", FieldType.TEXT, {}),
        ("secret_date", FieldType.DATE, {}),
    ):
        field_services.field_save(
            actor=admin,
            kind="contact",
            data=FieldInput(
                key=key, field_type=field_type, label_ru=key, filterable=True, in_list=True, **extra
            ),
            source=source,
        )
    data = ContactInput(
        last_name="Открытов",
        first_name="Пётр",
        **_example_input("contact", manager_a),
        custom={
            "discount": "73,77",
            "cost_price": "987654,32",
            "secret_choice": str(option.pk),
            "secret_text": "скрытый-текст",
            "secret_date": "17.05.2031",
        },
    )
    contact = contact_create(actor=manager_a, data=data, source=source)
    # A change, so the journal holds old → new values too.
    contact_update(
        actor=manager_a,
        contact_id=contact.pk,
        data=ContactInput(**{**data.__dict__, "custom": {"secret_text": "скрытый-текст!"}}),
        source=source,
    )
    return contact


def _pages(client, contact: Contact, headers: dict[str, str], key: str) -> dict[str, str]:
    """Everything a role can reach about the card, including a list filtered and sorted by the field."""
    detail = reverse("contacts:contact_detail", args=[contact.pk])
    pages = {
        "card": client.get(detail),
        "form": client.get(reverse("contacts:contact_edit", args=[contact.pk])),
        "list": client.get(reverse("contacts:contact_list")),
        "list sorted": client.get(reverse("contacts:contact_list"), {"sort": f"cf_{key}"}),
        "search": client.get(reverse("contacts:search"), {"q": "Открытов"}),
        "api card": client.get(f"/api/v1/contacts/{contact.pk}", **headers),
        "api list": client.get("/api/v1/contacts", **headers),
        "openapi": client.get("/api/v1/openapi.json", **headers),
    }
    for name, response in pages.items():
        assert response.status_code == 200, (name, response.content[:300])
    # JSON escapes Cyrillic: compare API answers in plain text.
    return {
        name: json.dumps(r.json(), ensure_ascii=False)
        if name.startswith(("api", "openapi"))
        else r.content.decode()
        for name, r in pages.items()
    }


def _hide(admin, key: str, role: Role) -> None:
    field_services.field_access_set(
        actor=admin, kind="contact", key=key, levels={role.pk: "hidden"}, source=SYSTEM
    )


@pytest.mark.parametrize("role_code", ROLES)
@pytest.mark.parametrize("key", [*STANDARD_SECRETS, *CUSTOM_SECRETS])
def test_a_hidden_field_is_in_no_response_the_role_can_reach(
    client, card, admin, manager_a, head_a, support, role_code, key
):
    user = {"manager": manager_a, "head": head_a, "support": support}[role_code]
    _, token = api_token_create(actor=user, name="fls", source=SYSTEM)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client.force_login(user)
    secrets = {**STANDARD_SECRETS, **CUSTOM_SECRETS}[key]

    before = _pages(client, card, headers, key)
    assert any(secret in text for text in before.values() for secret in secrets), (
        "the value shows when visible"
    )

    if key in CUSTOM_SECRETS:
        listed = json.loads(before["openapi"])["components"]["schemas"]["ContactCustomFieldsOut"]
        assert key in listed.get("properties", {}), "the description lists the field while visible"

    _hide(admin, key, Role.objects.get(code=role_code))
    after = _pages(client, card, headers, key)
    for name, text in after.items():
        for secret in secrets:
            assert secret not in text, f"{role_code} sees hidden {key} in {name}"
    assert "Открытов" in after["card"]
    assert "Открытов" in after["api card"]
    if key in CUSTOM_SECRETS:  # the contact's custom-field schemas no longer list it ("discount" is also
        # a deal line's own field elsewhere in the description)
        schemas = json.loads(after["openapi"])["components"]["schemas"]
        for side in ("In", "Out"):
            assert key not in schemas[f"ContactCustomFields{side}"].get("properties", {})


def test_an_administrator_still_sees_a_field_hidden_from_other_roles(client, card, admin):
    _hide(admin, "city", Role.objects.get(code="manager"))
    client.force_login(admin)
    assert "Секретоград" in client.get(reverse("contacts:contact_detail", args=[card.pk])).content.decode()


def test_filters_on_a_hidden_field_are_ignored_and_search_does_not_match_it(client, card, admin, manager_a):
    from crm.contacts.testing import make_contact

    make_contact(manager_a, last_name="Другой", city="Москва")
    option = ChoiceList.objects.get(key="secret").options.get(label_ru="Опция-тайна")
    client.force_login(manager_a)
    url = reverse("contacts:contact_list")
    assert "Другой" not in client.get(url, {"city": "Секретоград"}).content.decode()
    assert "Другой" not in client.get(url, {"cf_secret_choice": option.pk}).content.decode()
    _hide(admin, "city", manager_a.role)
    _hide(admin, "secret_choice", manager_a.role)
    _hide(admin, "phones", manager_a.role)
    assert "Другой" in client.get(url, {"city": "Секретоград"}).content.decode()  # no filtering on it
    assert "Другой" in client.get(url, {"cf_secret_choice": option.pk}).content.decode()
    assert "Открытов" not in client.get(reverse("contacts:search"), {"q": "9165557733"}).content.decode()
    assert "Открытов" not in client.get(url, {"q": "5557733"}).content.decode()


def test_a_hidden_or_read_only_field_keeps_its_value_when_the_role_saves_the_card(
    client, card, admin, manager_a
):
    _hide(admin, "city", manager_a.role)
    field_services.field_access_set(
        actor=admin, kind="contact", key="secret_text", levels={manager_a.role.pk: "read"}, source=SYSTEM
    )
    client.force_login(manager_a)
    form = client.get(reverse("contacts:contact_edit", args=[card.pk])).content.decode()
    assert 'name="city"' not in form
    assert 'name="cf_secret_text"' not in form
    assert "скрытый-текст!" in form  # read-only: shown, not editable
    response = client.post(
        reverse("contacts:contact_edit", args=[card.pk]),
        {
            "last_name": "Открытов",
            "first_name": "Пётр",
            "phone_row": ["0"],
            "phone_value": ["+79165557733"],
            "cf__keys": ["secret_text"],
            "cf_secret_text": "подмена",
        },
    )
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.city == "Секретоград"
    assert card.custom["secret_text"] == "скрытый-текст!"


# "73.95" cannot be a moment's seconds: "31.5" was, in a timestamp of the answer ("…14:44:31.512+03:00").
COMPANY_SECRETS = _secrets("company") | {"margin": ["73,95", "73.95"]}


@pytest.fixture
def company(admin, manager_a):
    """A company of manager_a with every declared example and a custom number."""
    field_services.field_save(
        actor=admin,
        kind="company",
        data=FieldInput(
            key="margin", field_type=FieldType.NUMBER, label_ru="Маржа", in_list=True, filterable=True
        ),
        source=SYSTEM,
    )
    data = CompanyInput(
        name="ООО Открытая", **_example_input("company", manager_a), custom={"margin": "73,95"}
    )
    return company_create(actor=manager_a, data=data, source=SYSTEM)


@pytest.mark.parametrize("role_code", ROLES)
@pytest.mark.parametrize("key", list(COMPANY_SECRETS))
def test_a_hidden_company_field_is_in_no_response_the_role_can_reach(
    client, company, admin, manager_a, head_a, support, role_code, key
):
    user = {"manager": manager_a, "head": head_a, "support": support}[role_code]
    _, token = api_token_create(actor=user, name="fls", source=SYSTEM)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client.force_login(user)

    def pages() -> dict[str, str]:
        return {
            "card": client.get(reverse("contacts:company_detail", args=[company.pk])).content.decode(),
            "form": client.get(reverse("contacts:company_edit", args=[company.pk])).content.decode(),
            "list": client.get(reverse("contacts:company_list")).content.decode(),
            "api": json.dumps(
                client.get(f"/api/v1/companies/{company.pk}", **headers).json(), ensure_ascii=False
            ),
            "api list": json.dumps(client.get("/api/v1/companies", **headers).json(), ensure_ascii=False),
        }

    assert any(secret in text for text in pages().values() for secret in COMPANY_SECRETS[key])
    field_services.field_access_set(
        actor=admin,
        kind="company",
        key=key,
        levels={Role.objects.get(code=role_code).pk: "hidden"},
        source=SYSTEM,
    )
    after = pages()
    for name, text in after.items():
        for secret in COMPANY_SECRETS[key]:
            assert secret not in text, f"{role_code} sees hidden company {key} in {name}"
    assert "ООО Открытая" in after["card"]
    found_by_inn = (
        "ООО Открытая" in client.get(reverse("contacts:search"), {"q": "7707083893"}).content.decode()
    )
    assert found_by_inn == (key != "inn")  # a hidden INN does not find (and so reveal) the company


@pytest.mark.parametrize("kind", ["contact", "company"])
def test_every_field_a_role_may_be_denied_is_tested_here(kind):
    """A declared standard field that can be hidden needs an example that betrays it (a flag excepted)."""
    untested = {
        d.attr
        for d in declared(kind)
        if d.config and d.secret and not d.betrays and d.kind_code != "flag" and d.attr != "company_name"
    }
    assert untested == set()


def test_completeness_tells_a_role_nothing_about_a_field_hidden_from_it(client, admin, manager_a):
    """A required field hidden from the manager, empty and then filled by an administrator: nothing the
    manager can reach changes — the card's percent counts only what they see, and the stored percent
    (which counts everything) is neither shown, nor filtered, nor sorted by for them."""
    import re

    person = contact_create(
        actor=manager_a, data=ContactInput(last_name="Заполненный", owner_id=manager_a.pk), source=SYSTEM
    )
    field_services.field_save(
        actor=admin,
        kind="contact",
        data=FieldInput(key="inner_score", field_type=FieldType.TEXT, label_ru="Оценка", required=True),
        source=SYSTEM,
    )
    _hide(admin, "inner_score", manager_a.role)
    _, token = api_token_create(actor=manager_a, name="oracle", source=SYSTEM)
    api = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client.force_login(manager_a)

    def seen() -> dict[str, object]:
        card = client.get(reverse("contacts:contact_detail", args=[person.pk])).content.decode()
        rows = client.get(reverse("contacts:contact_list"), {"complete_below": 100, "sort": "completeness"})
        return {
            "card": re.search(r'data-testid="completeness-value">(\d+) %', card).group(1),
            "list": list(re.findall(r"data-completeness=\"(\d+)\"", rows.content.decode())),
            "list rows": rows.content.decode().count("Заполненный"),
            "api card": client.get(f"/api/v1/contacts/{person.pk}", **api).json()["completeness"],
            "api list": [c["completeness"] for c in client.get("/api/v1/contacts", **api).json()["items"]],
            "api filter": client.get("/api/v1/contacts", {"complete_below": 100}, **api).status_code,
            "api sort": client.get("/api/v1/contacts", {"sort": "completeness"}, **api).status_code,
        }

    before = seen()
    contact_update(
        actor=admin,
        contact_id=person.pk,
        data=ContactInput(last_name="Заполненный", owner_id=manager_a.pk, custom={"inner_score": "высокая"}),
        source=SYSTEM,
    )
    assert Contact.objects.get(pk=person.pk).completeness > 0  # the stored percent did move
    assert seen() == before
    assert before["api card"] is None
    assert (before["api filter"], before["api sort"]) == (422, 422)
    assert before["list"] == []
