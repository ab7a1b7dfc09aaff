"""One client, one card — also when writers race (R7.1).

Twenty clients send the same phone, e-mail or INN to the live server at once; a barrier holds every request
just before its duplicate check so that all of them reach it together. Exactly one card gets the value; every
other request is refused with the same "already belongs to …" answer a single request gets, and nothing else
is stored.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from django.db import connection

from crm.accounts.services import api_token_create
from crm.contacts.inputs import CompanyInput, ContactInput, PhoneInput
from crm.contacts.models import Company, CompanyPhone, Contact, ContactEmail, ContactPhone
from crm.contacts.services import company_create, contact_create, contacts_create, uniqueness
from crm.core.audit import SYSTEM
from crm.core.models import AuditEntry

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 20


@pytest.fixture
def barrier(monkeypatch):
    """Every request waits here, inside its transaction, right before it locks and checks. On SQLite only
    one writer can be inside a transaction at a time, so the barrier gives up after a moment and the
    requests go on one by one, which is the point."""
    gate = threading.Barrier(CLIENTS)
    original = uniqueness.serialise_on

    def wait_then_serialise(values: Any) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            gate.wait(timeout=3 if connection.vendor == "postgresql" else 0.5)
        original(values)

    monkeypatch.setattr(uniqueness, "serialise_on", wait_then_serialise)
    return gate


@pytest.fixture
def api(live_server, manager_a):
    _, token = api_token_create(actor=manager_a, name="load", source=SYSTEM)
    headers = {"Authorization": f"Bearer {token}"}

    def send(method: str, path: str, payloads: list[dict[str, Any]]) -> list[httpx.Response]:
        def one(payload: dict[str, Any]) -> httpx.Response:
            return httpx.request(
                method,
                f"{live_server.url}/api/v1{path(payload) if callable(path) else path}",
                json=payload,
                headers=headers,
                timeout=60,
            )

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            return list(pool.map(one, payloads))

    return send


def _statuses(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(r.status_code for r in responses)


def _refusals_name(responses: list[httpx.Response], field: str) -> None:
    for response in responses:
        if response.status_code == 409:
            errors = response.json()["errors"]
            assert [(e["field"], e["code"]) for e in errors] == [(field, "duplicate")]
            assert "Already belongs to" in errors[0]["message"] or "Уже" in errors[0]["message"]


def test_twenty_simultaneous_creates_with_one_phone_make_one_card(api, barrier):
    payloads = [
        {"last_name": f"Гонщик {i}", "phones": [{"value": "+7 912 000-11-22"}]} for i in range(CLIENTS)
    ]
    responses = api("POST", "/contacts", payloads)
    assert _statuses(responses) == {201: 1, 409: CLIENTS - 1}
    _refusals_name(responses, "phones.0")
    assert Contact.objects.count() == 1
    assert ContactPhone.objects.filter(number="+79120001122").count() == 1
    assert AuditEntry.objects.filter(object_type="contacts.contact").count() == 1


def test_twenty_simultaneous_creates_with_one_email_make_one_card(api, barrier):
    payloads = [
        {"first_name": f"Гонщик {i}", "emails": [{"value": "Race@Example.RU"}]} for i in range(CLIENTS)
    ]
    responses = api("POST", "/contacts", payloads)
    assert _statuses(responses) == {201: 1, 409: CLIENTS - 1}
    _refusals_name(responses, "emails.0")
    assert ContactEmail.objects.filter(address="race@example.ru").count() == 1
    assert Contact.objects.count() == 1


def test_twenty_simultaneous_creates_with_one_inn_make_one_company(api, barrier):
    payloads = [{"name": f"ООО Гонка {i}", "inn": "7707083893"} for i in range(CLIENTS)]
    responses = api("POST", "/companies", payloads)
    assert _statuses(responses) == {201: 1, 409: CLIENTS - 1}
    _refusals_name(responses, "inn")
    assert Company.objects.filter(inn="7707083893").count() == 1
    assert Company.objects.count() == 1


def test_twenty_simultaneous_creates_with_one_office_line_make_one_company(api, barrier):
    payloads = [{"name": f"ООО Линия {i}", "phones": [{"value": "+7 495 000-11-22"}]} for i in range(CLIENTS)]
    responses = api("POST", "/companies", payloads)
    assert _statuses(responses) == {201: 1, 409: CLIENTS - 1}
    _refusals_name(responses, "phones.0")
    assert CompanyPhone.objects.filter(number="+74950001122").count() == 1
    assert Company.objects.count() == 1


def test_twenty_cards_updated_at_once_to_one_phone_leave_it_on_one(api, barrier, manager_a):
    ids = [
        contact_create(actor=manager_a, data=ContactInput(last_name=f"Карточка {i}"), source=SYSTEM).pk
        for i in range(CLIENTS)
    ]
    payloads = [{"id": pk, "phones": [{"value": "8 912 000-33-44"}]} for pk in ids]
    responses = api("PATCH", lambda p: f"/contacts/{p.pop('id')}", payloads)
    assert _statuses(responses) == {200: 1, 409: CLIENTS - 1}
    _refusals_name(responses, "phones.0")
    assert ContactPhone.objects.filter(number="+79120003344").count() == 1
    assert Contact.objects.count() == CLIENTS


def test_twenty_companies_updated_at_once_to_one_inn_leave_it_on_one(api, barrier, manager_a):
    ids = [
        company_create(actor=manager_a, data=CompanyInput(name=f"ООО Карточка {i}"), source=SYSTEM).pk
        for i in range(CLIENTS)
    ]
    payloads = [{"id": pk, "inn": "7707083893"} for pk in ids]
    responses = api("PATCH", lambda p: f"/companies/{p.pop('id')}", payloads)
    assert _statuses(responses) == {200: 1, 409: CLIENTS - 1}
    _refusals_name(responses, "inn")
    assert Company.objects.filter(inn="7707083893").count() == 1


def test_an_import_chunk_racing_single_creates_leaves_a_phone_on_one_card(api, barrier, manager_a):
    """A chunk with many values takes one exclusive lock instead of one per value (uniqueness.MANY_VALUES):
    it still waits for, and holds off, the single writers of any of its values."""
    chunk = [
        ContactInput(last_name=f"Импорт {i}", phones=[PhoneInput(f"+7 913 000-{i:02d}-00")])
        for i in range(uniqueness.MANY_VALUES)
    ] + [ContactInput(last_name="Импорт спорный", phones=[PhoneInput("+7 912 000-55-66")])]

    def run_import() -> int:
        try:
            return len(contacts_create(actor=manager_a, rows=chunk, source=SYSTEM).ok)
        finally:
            connection.close()

    payloads = [
        {"last_name": f"Гонщик {i}", "phones": [{"value": "+7 912 000-55-66"}]} for i in range(CLIENTS - 1)
    ]
    with ThreadPoolExecutor(max_workers=1) as pool:
        written = pool.submit(run_import)
        responses = api("POST", "/contacts", payloads)
        imported = written.result()

    created = _statuses(responses)[201]
    assert created + (imported - uniqueness.MANY_VALUES) == 1
    assert ContactPhone.objects.filter(number="+79120005566").count() == 1
    assert Contact.objects.count() == uniqueness.MANY_VALUES + 1
