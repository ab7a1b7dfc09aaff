"""Links in reminder e-mails and Telegram messages lead where the product serves: `crm run` on another
port or on every address gives links to that port, and a reverse proxy's address given as CRM_BASE_URL
wins (a first start used to write links to port 8000 whatever the port)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _base_url(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CRM_") or k == "CRM_DATA_DIR"}
    code = "import django; django.setup(); from django.conf import settings; print(settings.CRM_BASE_URL)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=clean | {"DJANGO_SETTINGS_MODULE": "crm.settings"} | env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"CRM_PORT": "8123"}, "http://127.0.0.1:8123"),
        ({"CRM_HOST": "0.0.0.0", "CRM_PORT": "9000"}, "http://localhost:9000"),
        ({"CRM_PORT": "8123", "CRM_BASE_URL": "https://crm.example.ru"}, "https://crm.example.ru"),
    ],
)
def test_links_lead_where_the_product_serves(env: dict[str, str], expected: str) -> None:
    assert _base_url(**env) == expected
