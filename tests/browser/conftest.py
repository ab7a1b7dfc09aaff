"""Playwright driving Debian's Chromium against the live test server (no browser download)."""

import os

import pytest

CHROMIUM = os.environ.get("CRM_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def starter_data(request):
    """Browser tests run on a flushed database (live server, real transactions): put back what the
    migrations seed (roles, statuses, the starter fields and types) before each one."""
    if "live_server" not in request.fixturenames:
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    from crm.accounts.models import Role

    if Role.objects.exists():
        return
    for module, function in (
        ("crm.accounts.migrations.0002_default_roles", "create_roles"),
        ("crm.contacts.migrations.0002_search_and_statuses", "create_statuses"),
        ("crm.fields.migrations.0002_starter_configuration", "create"),
        ("crm.activities.migrations.0002_starter_lists", "create"),
        ("crm.tasks.migrations.0002_task_categories", "create"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)
    import uuid

    from crm.fields.models import SchemaVersion

    # The reseeded lists and types have new ids: every process's cached schema must reload.
    SchemaVersion.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"No Chromium at {CHROMIUM}: run `make system-deps` (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ru-RU", viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(page, live_server):
    def do(user, password="pw-test-12345"):
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("[data-testid=login]")
        page.wait_for_url(f"{live_server.url}/contacts/")
        return page

    return do
