"""`make run` shows the administrator's password once, when it is made; later starts say only where it is
kept (it was printed on every start)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_administrators_password_is_printed_at_creation_only(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    first, second = io.StringIO(), io.StringIO()
    call_command("crm_setup", "--no-demo", stdout=first)
    call_command("crm_setup", "--no-demo", stdout=second)
    password = (tmp_path / "admin-password").read_text().strip()
    assert f"admin / {password}" in first.getvalue()
    assert password not in second.getvalue()
    assert "password shown at first start" in second.getvalue()
