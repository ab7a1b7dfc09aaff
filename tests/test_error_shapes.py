"""Every error has one shape and speaks the reader's language: `{"errors": [{field, code, message}]}` from
the API whatever went wrong (malformed JSON, a wrong type, an unknown address, a fault of ours), and the
product's own page in the interface, never Django's unstyled English ones."""

from __future__ import annotations

import pytest
from django.test import Client

from crm.accounts.services import api_token_create
from crm.core.audit import SYSTEM


@pytest.fixture
def token(manager_a):
    _, secret = api_token_create(actor=manager_a, name="shapes", source=SYSTEM)
    return secret


def _api(client, method, path, token, body=None, **extra):
    return getattr(client, method)(
        path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}", **extra
    )


def test_malformed_json_answers_the_error_shape(client, token):
    response = _api(client, "post", "/api/v1/contacts", token, "{not json")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(None, "malformed_json")]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ru", "Введите дату и время с часовым поясом"), ("en", "Enter a date and time with its time zone")],
)
def test_a_wrong_type_is_explained_in_the_token_owners_language(client, manager_a, token, language, expected):
    manager_a.language = language
    manager_a.save()
    response = _api(client, "post", "/api/v1/tasks", token, {"title": "Позвонить", "due_at": "завтра"})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "due_at"
    assert error["message"].startswith(expected)


def test_an_unknown_api_address_answers_the_error_shape(client, token):
    response = _api(client, "get", "/api/v1/no-such-thing", token)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_a_fault_of_ours_in_the_api_answers_the_error_shape_and_is_logged(client, token, monkeypatch, caplog):
    from crm.contacts import api as contacts_api

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(contacts_api.selectors, "contact_list", broken)
    response = _api(client, "get", "/api/v1/contacts", token)
    assert response.status_code == 500
    assert response.json()["errors"][0]["code"] == "server_error"
    assert "API request failed: GET /api/v1/contacts" in caplog.text


def test_a_missing_page_is_the_products_own_page_in_the_readers_language(client, manager_a):
    client.force_login(manager_a)
    response = client.get("/contacts/999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'data-testid="error-page"' in page
    assert "Не найдено" in page
    assert "dist/app.css" in page


def test_a_fault_of_ours_in_the_interface_is_the_products_own_page(manager_a, monkeypatch):
    from crm.contacts import views

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views.selectors, "contact_list", broken)
    client = Client(raise_request_exception=False)
    client.force_login(manager_a)
    response = client.get("/contacts/")
    assert response.status_code == 500
    page = response.content.decode()
    assert 'data-testid="error-page"' in page
    assert "dist/app.css" in page
