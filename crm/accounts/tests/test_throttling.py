"""Guessing gets nowhere (R11.1): after a few failed passwords for one account, or failed tokens from one
address, sign-in is refused for a while with a clear message, even with the right password or token, and
the lock-out is journaled."""

from __future__ import annotations

from django.conf import settings

from crm.accounts.services import api_token_create
from crm.core.audit import SYSTEM
from crm.core.models import AuditEntry

LIMIT = settings.AXES_FAILURE_LIMIT


def _sign_in(client, username, password, address="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_wrong_passwords_lock_the_account_even_for_the_right_one_and_the_journal_says_so(client, manager_a):
    manager_a.set_password("right-password-1")
    manager_a.save()
    answers = [_sign_in(client, manager_a.username, f"wrong-{i}").status_code for i in range(LIMIT)]
    assert answers == [200] * (LIMIT - 1) + [429]  # the form again, then the lock
    refused = _sign_in(client, manager_a.username, "right-password-1")
    assert refused.status_code == 429
    assert (
        "signing in is paused" in refused.content.decode() or "вход приостановлен" in refused.content.decode()
    )
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="lockout")
    assert (entry.object_type, entry.object_id, entry.ip) == ("accounts.user", manager_a.pk, "10.0.0.1")


def test_another_account_from_another_address_still_signs_in(client, manager_a, manager_b):
    manager_b.set_password("right-password-2")
    manager_b.save()
    for i in range(LIMIT):
        _sign_in(client, manager_a.username, f"wrong-{i}")
    response = _sign_in(client, manager_b.username, "right-password-2", address="10.0.0.2")
    assert response.status_code == 302


def test_guessed_api_tokens_lock_the_address_even_for_a_real_token(client, manager_a):
    _, token = api_token_create(actor=manager_a, name="real", source=SYSTEM)

    def call(secret):
        return client.get("/api/v1/contacts", HTTP_AUTHORIZATION=f"Bearer {secret}", REMOTE_ADDR="10.0.0.9")

    answers = [call(f"crm_guess{i}").status_code for i in range(LIMIT)]
    assert answers[: LIMIT - 1] == [401] * (LIMIT - 1)
    refused = call(token)
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["code"] == "too_many_attempts"
    assert AuditEntry.objects.filter(action="lockout", channel="api", ip="10.0.0.9").count() == 1
