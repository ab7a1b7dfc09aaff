"""Named personas (as in healthchecks' Alice/Bob/Charlie) and helpers shared by every test."""

from __future__ import annotations

import pytest

from crm.accounts.models import Role
from crm.accounts.testing import DepartmentFactory, UserFactory


@pytest.fixture(autouse=True)
def _media_in_a_temporary_directory(settings, tmp_path):
    """Uploaded files go to the test's own directory, never to the checkout's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def starter_data(request):
    """Live-server tests (browser, concurrency) and tests marked ``django_db(transaction=True)`` run on a
    flushed database (real transactions): put back what the migrations seed (roles, statuses, the starter
    fields and types) before each one."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get("transaction", False)
    if "live_server" not in request.fixturenames and not transactional:
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    from crm.accounts.models import Role

    if Role.objects.exists():
        return
    for module, function in (
        ("crm.accounts.migrations.0002_default_roles", "create_roles"),
        ("crm.accounts.migrations.0006_import_right", "grant"),
        ("crm.contacts.migrations.0002_search_and_statuses", "create_statuses"),
        ("crm.fields.migrations.0002_starter_configuration", "create"),
        ("crm.fields.migrations.0003_company_types", "create"),
        ("crm.activities.migrations.0002_starter_lists", "create"),
        ("crm.tasks.migrations.0002_task_categories", "create"),
        ("crm.deals.migrations.0002_starter_pipeline", "create"),
        ("crm.deals.migrations.0006_deal_types_and_recruiting", "create"),
        ("crm.deals.migrations.0007_candidates_have_no_amount", "hide"),
        ("crm.scoring.migrations.0002_defaults", "add"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)
    import uuid

    from crm.fields.models import SchemaVersion

    # The reseeded lists and types have new ids: every process's cached schema must reload.
    SchemaVersion.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


@pytest.fixture
def dept_a(db):
    return DepartmentFactory(name="Отдел А")


@pytest.fixture
def dept_b(db):
    return DepartmentFactory(name="Отдел Б")


def _role(code: str) -> Role:
    return Role.objects.get(code=code)


@pytest.fixture
def manager_a(dept_a):
    """Sales manager in department A: sees only their own clients."""
    return UserFactory(username="manager_a", department=dept_a, role=_role("manager"))


@pytest.fixture
def manager_a2(dept_a):
    """A colleague of manager_a in department A."""
    return UserFactory(username="manager_a2", department=dept_a, role=_role("manager"))


@pytest.fixture
def manager_b(dept_b):
    """Sales manager in department B: must never see department A's clients."""
    return UserFactory(username="manager_b", department=dept_b, role=_role("manager"))


@pytest.fixture
def head_a(dept_a):
    """Head of department A: sees the whole department."""
    return UserFactory(username="head_a", department=dept_a, role=_role("head"))


@pytest.fixture
def support(db):
    """Support: sees every contact, may edit but not delete or export."""
    return UserFactory(username="support", role=_role("support"))


@pytest.fixture
def admin(db):
    """Administrator: everything, plus users, roles and the global journal."""
    return UserFactory(username="admin_user", role=_role("admin"))


@pytest.fixture
def inactive(dept_a):
    """A leaver: a former manager of department A, deactivated."""
    return UserFactory(username="leaver", department=dept_a, role=_role("manager"), is_active=False)


@pytest.fixture
def personas(manager_a, manager_b, head_a, support, admin, inactive):
    return {
        "manager_a": manager_a,
        "manager_b": manager_b,
        "head_a": head_a,
        "support": support,
        "admin": admin,
        "inactive": inactive,
    }
