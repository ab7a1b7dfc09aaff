"""The timeline's writes: what is stored, what the cards' last contact becomes, what is refused."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from crm.activities.models import Attachment, Entry, EntryKind
from crm.activities.services import (
    EntryInput,
    attachment_add,
    entry_create,
    entry_delete,
    entry_restore,
    entry_update,
)
from crm.contacts.models import Company, Contact
from crm.contacts.testing import make_company, make_contact
from crm.core.audit import SYSTEM
from crm.core.errors import NotFound, PermissionDenied, ValidationFailed
from crm.core.models import AuditEntry
from crm.fields.models import ChoiceOption

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def ago(**delta: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**delta)


def category(label: str) -> ChoiceOption:
    return ChoiceOption.objects.get(choice_list__key="activity_category", label_ru=label)


def call(owner, contact=None, company=None, at=None, **extra) -> Entry:
    data = EntryInput(
        kind=extra.pop("kind", EntryKind.CALL),
        contact_id=contact.pk if contact else None,
        company_id=company.pk if company else None,
        occurred_at=at,
        summary=extra.pop("summary", "Обсудили смету"),
        **extra,
    )
    return entry_create(actor=owner, data=data, source=SYSTEM)


def test_a_logged_call_is_stored_journaled_and_moves_the_last_contact_of_the_person_and_their_company(
    manager_a,
):
    company = make_company(manager_a)
    person = make_contact(manager_a, company_id=company.pk)
    at = ago(hours=2)
    entry = call(
        manager_a, person, at=at, direction="out", duration_seconds=330, category_id=category("Продажи").pk
    )
    person.refresh_from_db()
    company.refresh_from_db()
    assert (person.last_contact_at, company.last_contact_at) == (at, at)
    assert (entry.author, entry.direction, entry.duration_seconds, entry.automatic) == (
        manager_a,
        "out",
        330,
        False,
    )
    journal = AuditEntry.objects.get(object_type="activities.entry", object_id=entry.pk)
    assert journal.changes["kind"] == [None, "call"]
    assert journal.changes["category"] == [None, "Продажи"]


def test_a_note_is_not_a_contact_with_the_client(manager_a):
    person = make_contact(manager_a)
    call(manager_a, person, kind=EntryKind.NOTE, summary="Любит звонки после обеда")
    person.refresh_from_db()
    assert person.last_contact_at is None


def test_an_older_interaction_never_moves_the_last_contact_back(manager_a):
    person = make_contact(manager_a)
    recent = ago(days=1)
    call(manager_a, person, at=recent)
    call(manager_a, person, at=ago(days=30))
    person.refresh_from_db()
    assert person.last_contact_at == recent


def test_bad_input_names_each_field_and_stores_nothing(manager_a):
    person = make_contact(manager_a)
    with pytest.raises(ValidationFailed) as caught:
        entry_create(
            actor=manager_a,
            data=EntryInput(
                kind=EntryKind.CALL,
                contact_id=person.pk,
                occurred_at=timezone.now() + datetime.timedelta(days=2),
                recording_url="ftp://x",
                category_id=999999,
                duration_seconds=90000,
            ),
            source=SYSTEM,
        )
    assert set(caught.value.by_field()) == {
        "summary",
        "occurred_at",
        "recording_url",
        "category_id",
        "duration_seconds",
    }
    assert Entry.objects.count() == 0
    person.refresh_from_db()
    assert person.last_contact_at is None


def test_a_system_event_cannot_be_written_by_a_person(manager_a):
    person = make_contact(manager_a)
    with pytest.raises(ValidationFailed) as caught:
        call(manager_a, person, kind=EntryKind.EVENT)
    assert "kind" in caught.value.by_field()
    entry = entry_create(
        actor=manager_a,
        data=EntryInput(kind=EntryKind.EVENT, contact_id=person.pk, summary="Карточки объединены"),
        source=SYSTEM,
        automatic=True,
    )
    assert entry.automatic


def test_nobody_logs_on_a_card_they_cannot_see(manager_a, manager_b):
    person = make_contact(manager_a)
    with pytest.raises(NotFound):
        call(manager_b, person)
    assert Entry.objects.count() == 0


def test_an_e_mail_body_is_sanitised_before_it_is_stored(manager_a):
    person = make_contact(manager_a)
    entry = call(
        manager_a,
        person,
        kind=EntryKind.EMAIL,
        summary="",
        subject="КП",
        body_html=(
            '<p onclick="x()">Добрый день<script>alert(1)</script>'
            '<a href="javascript:alert(1)">ссылка</a></p>'
        ),
    )
    assert "script" not in entry.body_html
    assert "onclick" not in entry.body_html
    assert "javascript:" not in entry.body_html
    assert "Добрый день" in entry.body_html


def test_trashing_the_latest_call_recounts_the_last_contact_and_restoring_brings_it_back(manager_a):
    company = make_company(manager_a)
    person = make_contact(manager_a, company_id=company.pk)
    older, newer = ago(days=10), ago(days=1)
    call(manager_a, person, at=older)
    latest = call(manager_a, person, at=newer)
    entry_delete(actor=manager_a, entry_id=latest.pk, source=SYSTEM)
    person.refresh_from_db()
    company.refresh_from_db()
    assert (person.last_contact_at, company.last_contact_at) == (older, older)
    entry_restore(actor=manager_a, entry_id=latest.pk, source=SYSTEM)
    person.refresh_from_db()
    assert person.last_contact_at == newer
    actions = list(
        AuditEntry.objects.filter(object_type="activities.entry", object_id=latest.pk).values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["create", "delete", "restore"]


def test_only_the_author_or_an_administrator_corrects_an_entry(manager_a, head_a, admin):
    person = make_contact(manager_a)
    entry = call(manager_a, person)
    with pytest.raises(PermissionDenied):
        entry_update(actor=head_a, entry_id=entry.pk, data={"summary": "Чужая правка"}, source=SYSTEM)
    entry_update(actor=admin, entry_id=entry.pk, data={"summary": "Уточнено"}, source=SYSTEM)
    entry.refresh_from_db()
    assert entry.summary == "Уточнено"
    change = AuditEntry.objects.filter(object_type="activities.entry", action="update").get()
    assert change.changes == {"summary": ["Обсудили смету", "Уточнено"]}


def test_moving_a_call_back_in_time_recounts_the_last_contact(manager_a):
    person = make_contact(manager_a)
    entry = call(manager_a, person, at=ago(hours=1))
    earlier = ago(days=5)
    entry_update(actor=manager_a, entry_id=entry.pk, data={"occurred_at": earlier}, source=SYSTEM)
    person.refresh_from_db()
    assert person.last_contact_at == earlier


def test_a_document_carries_its_file_and_a_wrong_or_big_file_is_refused(manager_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    person = make_contact(manager_a)
    entry = entry_create(
        actor=manager_a,
        data=EntryInput(
            kind=EntryKind.DOCUMENT,
            contact_id=person.pk,
            files=[SimpleUploadedFile("КП «Вектор».pdf", PDF, content_type="application/pdf")],
        ),
        source=SYSTEM,
    )
    stored = entry.attachments.get()
    assert (stored.name, stored.content_type, stored.size) == ("КП «Вектор».pdf", "application/pdf", len(PDF))
    exe = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    page = SimpleUploadedFile("notes.txt", b"<!DOCTYPE html><script>alert(1)</script>")
    settings.CRM_MAX_UPLOAD_BYTES = 10
    big = SimpleUploadedFile("big.pdf", PDF)
    for upload in (exe, page, big):
        with pytest.raises(ValidationFailed):
            attachment_add(actor=manager_a, upload=upload, contact_id=person.pk, source=SYSTEM)
    assert Attachment.objects.count() == 1


def test_a_russian_text_file_in_windows_1251_is_accepted(manager_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    person = make_contact(manager_a)
    upload = SimpleUploadedFile("заметки.txt", "Позвонить после обеда".encode("cp1251"))
    attachment = attachment_add(actor=manager_a, upload=upload, contact_id=person.pk, source=SYSTEM)
    assert attachment.content_type.startswith("text/plain")


def test_an_entry_on_a_person_and_a_company_shows_on_both_and_nothing_else_changes(manager_a):
    company = make_company(manager_a)
    person = make_contact(manager_a)
    before = (Contact.objects.count(), Company.objects.count())
    entry = call(manager_a, person, company)
    assert (entry.contact_id, entry.company_id) == (person.pk, company.pk)
    assert (Contact.objects.count(), Company.objects.count()) == before


def test_purging_a_card_from_the_trash_removes_its_stored_files(
    manager_a, settings, tmp_path, django_capture_on_commit_callbacks
):
    from crm.contacts.services import contact_delete, contact_purge

    settings.MEDIA_ROOT = tmp_path
    person = make_contact(manager_a)
    attachment = attachment_add(
        actor=manager_a, upload=SimpleUploadedFile("КП.pdf", PDF), contact_id=person.pk, source=SYSTEM
    )
    stored = tmp_path / attachment.file.name
    assert stored.exists()
    contact_delete(actor=manager_a, contact_id=person.pk, source=SYSTEM)
    assert stored.exists()  # in the trash the card keeps its files
    with django_capture_on_commit_callbacks(execute=True):
        contact_purge(contact_id=person.pk, source=SYSTEM)
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert not stored.exists()
