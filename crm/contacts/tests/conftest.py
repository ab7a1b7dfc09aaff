"""Helpers the contacts app's tests share."""

import json

import pytest

from crm.accounts.services import api_token_create
from crm.core.audit import SYSTEM


@pytest.fixture
def api_client(client, manager_a):
    _, raw = api_token_create(actor=manager_a, name="script", source=SYSTEM)

    def call(method, url, body=None):
        return getattr(client, method)(
            url,
            data=json.dumps(body) if body is not None else None,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
            REMOTE_ADDR="192.0.2.7",
        )

    call.raw = raw
    return call
