"""A signal counts once a day per kind, person and address, and a score counts every signal, under real
concurrent requests: eight senders post the same page visit at once, and eight others different pages of
the same person; through the API of a live server, on both databases."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from crm.accounts.services import api_token_create
from crm.contacts.testing import make_contact
from crm.core.audit import SYSTEM
from crm.scoring.models import Signal
from crm.scoring.testing import points

pytestmark = pytest.mark.django_db(transaction=True)

SENDERS = 8


def test_racing_twins_count_once_and_racing_signals_all_count(live_server, admin):
    card = make_contact(admin, "Гонщиков")
    _, token = api_token_create(actor=admin, name="site", source=SYSTEM)

    def send(address: str) -> int:
        response = httpx.post(
            f"{live_server.url}/api/v1/scoring/signals",
            json={"signals": [{"action": "page_visited", "contact_id": card.pk, "address": address}]},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        return response.status_code

    with ThreadPoolExecutor(SENDERS) as pool:
        twins = list(pool.map(send, ["https://example.ru/prices"] * SENDERS))
    assert twins == [200] * SENDERS
    assert Signal.objects.filter(contact=card).count() == 1
    assert points(card) == (2, "cold")

    with ThreadPoolExecutor(SENDERS) as pool:
        others = list(pool.map(send, [f"https://example.ru/page/{n}" for n in range(SENDERS)]))
    assert others == [200] * SENDERS
    assert Signal.objects.filter(contact=card).count() == 1 + SENDERS
    assert points(card) == (2 * (1 + SENDERS), "cold")  # no recount missed a racing signal
