"""The timeline on the card: quick-add without leaving the page, filters, endless pages, files."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from crm.activities.forms import parse_duration
from crm.activities.models import Entry, EntryKind
from crm.activities.services import EntryInput, attachment_add, entry_create
from crm.activities.tests.test_services import PDF, category
from crm.contacts.inputs import ContactInput
from crm.contacts.services import contact_create
from crm.contacts.testing import make_company, make_contact
from crm.core.audit import SYSTEM

HTMX = {"HTTP_HX_REQUEST": "true"}


def log(owner, person, n, kind=EntryKind.CALL, **extra):
    at = timezone.now() - datetime.timedelta(hours=n)
    data = EntryInput(kind=kind, contact_id=person.pk, occurred_at=at, summary=f"Запись {n}", **extra)
    return entry_create(actor=owner, data=data, source=SYSTEM)


def test_the_card_shows_the_timeline_newest_first_with_the_last_three_standing_out(client, manager_a):
    person = make_contact(manager_a)
    for n in range(5):
        log(manager_a, person, n)
    client.force_login(manager_a)
    html = client.get(reverse("contacts:contact_detail", args=[person.pk])).content.decode()
    positions = [html.index(f"Запись {n}") for n in range(5)]
    assert positions == sorted(positions)
    assert html.count("timeline-recent") == 3


def test_quick_add_logs_a_call_and_returns_the_timeline_with_the_new_last_contact(client, manager_a):
    person = make_contact(manager_a)
    log(manager_a, person, 48)
    client.force_login(manager_a)
    response = client.post(
        reverse("activities:entry_add", args=["contact", person.pk]),
        {
            "kind": "call",
            "direction": "in",
            "summary": "Клиент спросил про опт",
            "duration": "4:05",
            "category_id": category("Продажи").pk,
        },
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Клиент спросил про опт") < html.index("Запись 48")
    assert 'id="last-contact"' in html
    assert 'hx-swap-oob="true"' in html
    entry = Entry.objects.get(summary="Клиент спросил про опт")
    assert (entry.duration_seconds, entry.direction, entry.author) == (245, "in", manager_a)
    person.refresh_from_db()
    assert person.last_contact_at == entry.occurred_at


def test_quick_add_with_nothing_written_names_the_field_and_keeps_what_was_typed(client, manager_a):
    person = make_contact(manager_a)
    client.force_login(manager_a)
    response = client.post(
        reverse("activities:entry_add", args=["contact", person.pk]),
        {"kind": "call", "summary": "", "result": "Перезвонит", "duration": "долго"},
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-error-for="duration_seconds"' in html
    assert "Перезвонит" in html
    assert Entry.objects.count() == 0


def test_the_timeline_filters_by_kind_and_category_and_pages_endlessly(client, manager_a, settings):
    person = make_contact(manager_a)
    sales = category("Продажи")
    for n in range(25):
        log(manager_a, person, n, category_id=sales.pk if n % 5 == 0 else None)
    log(manager_a, person, 30, kind=EntryKind.NOTE)
    client.force_login(manager_a)
    url = reverse("activities:timeline", args=["contact", person.pk])
    notes = client.get(url, {"kind": "note"}, **HTMX).content.decode()
    assert "Запись 30" in notes
    assert "Запись 0" not in notes
    by_category = client.get(url, {"category": sales.pk}, **HTMX).content.decode()
    assert [n for n in range(26) if f"Запись {n}<" in by_category] == [0, 5, 10, 15, 20]
    first = client.get(url, **HTMX).content.decode()
    assert 'data-testid="timeline-more"' in first
    cursor = first.split("after=")[1].split('"')[0].split("&")[0]
    second = client.get(url, {"after": cursor}, **HTMX).content.decode()
    assert "Запись 20<" in second
    assert "Запись 19<" not in second
    assert "timeline-recent" not in second


def test_a_company_timeline_gathers_its_peoples_entries_the_user_may_see(
    client, manager_a, manager_a2, head_a
):
    company = make_company(manager_a)
    mine = make_contact(manager_a, last_name="Свой", company_id=company.pk)
    theirs = contact_create(
        actor=head_a,
        data=ContactInput(last_name="Чужой", owner_id=manager_a2.pk, company_id=company.pk),
        source=SYSTEM,
    )
    entry_create(
        actor=manager_a,
        data=EntryInput(kind="call", contact_id=mine.pk, summary="Звонок Своему"),
        source=SYSTEM,
    )
    entry_create(
        actor=manager_a2,
        data=EntryInput(kind="call", contact_id=theirs.pk, summary="Звонок Чужому"),
        source=SYSTEM,
    )
    entry_create(
        actor=manager_a,
        data=EntryInput(kind="note", company_id=company.pk, summary="О компании"),
        source=SYSTEM,
    )
    url = reverse("activities:timeline", args=["company", company.pk])
    client.force_login(manager_a)
    html = client.get(url, **HTMX).content.decode()
    assert "Звонок Своему" in html
    assert "О компании" in html
    assert "Звонок Чужому" not in html
    client.force_login(head_a)
    assert "Звонок Чужому" in client.get(url, **HTMX).content.decode()


def test_trash_and_undo_from_the_timeline(client, manager_a):
    person = make_contact(manager_a)
    entry = log(manager_a, person, 1)
    client.force_login(manager_a)
    deleted = client.post(reverse("activities:entry_delete", args=[entry.pk]), **HTMX)
    assert 'data-testid="entry-undo"' in deleted.content.decode()
    person.refresh_from_db()
    assert person.last_contact_at is None
    restored = client.post(reverse("activities:entry_restore", args=[entry.pk]), **HTMX)
    assert "Запись 1" in restored.content.decode()
    person.refresh_from_db()
    assert person.last_contact_at == entry.occurred_at


def test_a_file_downloads_only_for_those_who_see_its_card(client, manager_a, manager_b, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    person = make_contact(manager_a)
    attachment = attachment_add(
        actor=manager_a, upload=SimpleUploadedFile("КП.pdf", PDF), contact_id=person.pk, source=SYSTEM
    )
    url = reverse("activities:file_download", args=[attachment.pk])
    client.force_login(manager_b)
    assert client.get(url).status_code == 404
    client.force_login(manager_a)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"


def test_the_card_with_a_thousand_entries_renders_in_a_fixed_number_of_queries(
    client, manager_a, django_assert_max_num_queries
):
    person = make_contact(manager_a)
    Entry.objects.bulk_create(
        Entry(kind="call", contact=person, author=manager_a, summary=f"Запись {n}") for n in range(1000)
    )
    client.force_login(manager_a)
    url = reverse("contacts:contact_detail", args=[person.pk])
    client.get(url)
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("12", 720), ("5:30", 330), ("1:05:00", 3900), ("1 ч 20 мин", 4800), ("45 сек", 45), ("", None)],
)
def test_durations_are_read_as_people_write_them(text, seconds):
    errors: list = []
    assert parse_duration(text, errors) == seconds
    assert errors == []


def test_an_entry_is_corrected_in_place_by_its_author(client, manager_a, manager_a2):
    person = make_contact(manager_a)
    entry = log(manager_a, person, 3)
    url = reverse("activities:entry_edit", args=[entry.pk])
    client.force_login(manager_a2)
    assert client.get(url, **HTMX).status_code == 404
    client.force_login(manager_a)
    assert 'data-testid="entry-form"' in client.get(url, **HTMX).content.decode()
    bad = client.post(url, {"summary": "", "occurred_at": "", "duration": "долго"}, **HTMX)
    assert bad.status_code == 422
    saved = client.post(
        url, {"summary": "Уточнил: опт от 100 шт.", "duration": "2:30", "category_id": ""}, **HTMX
    )
    assert "Уточнил: опт от 100 шт." in saved.content.decode()
    entry.refresh_from_db()
    assert (entry.summary, entry.duration_seconds) == ("Уточнил: опт от 100 шт.", 150)
    assert "Уточнил" in client.get(url + "?cancel=1", **HTMX).content.decode()


def test_attaching_a_file_from_the_card_logs_a_document_with_a_download_link(client, manager_a):
    person = make_contact(manager_a)
    client.force_login(manager_a)
    upload = SimpleUploadedFile("Смета.pdf", PDF, content_type="application/pdf")
    response = client.post(
        reverse("activities:entry_add", args=["contact", person.pk]),
        {"kind": "document", "summary": "Смета на кровлю", "files": [upload]},
        **HTMX,
    )
    html = response.content.decode()
    entry = Entry.objects.get(contact=person, kind="document")
    attachment = entry.attachments.get()
    assert reverse("activities:file_download", args=[attachment.pk]) in html
    assert "Смета.pdf" in html
    refused = client.post(
        reverse("activities:entry_add", args=["contact", person.pk]),
        {"kind": "document", "files": [SimpleUploadedFile("run.pdf", b"MZ" + b"\0" * 100)]},
        **HTMX,
    )
    assert refused.status_code == 422
    assert 'data-error-for="files"' in refused.content.decode()
    assert Entry.objects.filter(contact=person).count() == 1
