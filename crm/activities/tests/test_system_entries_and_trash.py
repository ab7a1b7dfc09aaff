"""Automatic entries are marked as such; deleted entries and tasks wait in the trash with a way back."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from crm.activities.models import Entry, EntryKind
from crm.activities.services import EntryInput, entry_create, entry_delete
from crm.contacts.inputs import contact_input_from
from crm.contacts.models import ContactStatus
from crm.contacts.services import contact_update
from crm.contacts.testing import make_contact
from crm.core.audit import SYSTEM
from crm.tasks.models import Task
from crm.tasks.services import TaskInput, task_create, task_delete


def test_a_status_change_writes_an_automatic_entry_that_nobody_edits(client, manager_a):
    person = make_contact(manager_a)
    status = ContactStatus.objects.first()
    data = contact_input_from(person)
    data.status_id = status.pk
    contact_update(actor=manager_a, contact_id=person.pk, data=data, source=SYSTEM)
    entry = Entry.objects.get(contact=person)
    assert (entry.kind, entry.automatic, entry.author) == (EntryKind.EVENT, True, manager_a)
    assert status.name in entry.summary
    client.force_login(manager_a)
    html = client.get(reverse("contacts:contact_detail", args=[person.pk])).content.decode()
    assert f'action="{reverse("activities:entry_delete", args=[entry.pk])}"' not in html  # no delete button
    person.refresh_from_db()
    assert person.last_contact_at is None  # a status change is not a contact with the client


def test_the_trash_lists_my_deleted_entries_and_tasks_and_restores_them(client, manager_a, manager_b):
    person = make_contact(manager_a)
    entry = entry_create(
        actor=manager_a,
        data=EntryInput(kind="note", contact_id=person.pk, summary="Ушла в корзину"),
        source=SYSTEM,
    )
    entry_delete(actor=manager_a, entry_id=entry.pk, source=SYSTEM)
    task = task_create(
        actor=manager_a,
        data=TaskInput(title="Удалённая задача", due_at=timezone.now() + datetime.timedelta(days=1)),
        source=SYSTEM,
    )
    task_delete(actor=manager_a, task_id=task.pk, source=SYSTEM)
    client.force_login(manager_b)
    other = client.get(reverse("contacts:trash")).content.decode()
    assert "Ушла в корзину" not in other
    assert "Удалённая задача" not in other
    client.force_login(manager_a)
    mine = client.get(reverse("contacts:trash")).content.decode()
    assert "Ушла в корзину" in mine
    assert "Удалённая задача" in mine
    client.post(reverse("activities:entry_restore", args=[entry.pk]))
    client.post(reverse("tasks:task_restore", args=[task.pk]))
    assert Entry.objects.get(pk=entry.pk).deleted_at is None
    assert Task.objects.get(pk=task.pk).deleted_at is None


def test_a_person_sets_their_time_zone_and_digest_time(client, manager_a):
    client.force_login(manager_a)
    response = client.post(
        reverse("notifications:settings"),
        {"time_zone": "Asia/Yekaterinburg", "digest_time": "08:30", "by_email": "on"},
    )
    assert response.status_code == 302
    manager_a.refresh_from_db()
    assert manager_a.time_zone == "Asia/Yekaterinburg"
    assert manager_a.preferences.digest_time == datetime.time(8, 30)
    assert manager_a.preferences.by_telegram is True  # no chat linked: the box is disabled, the wish kept
    wrong = client.post(reverse("notifications:settings"), {"time_zone": "Mars/Olympus", "digest_time": ""})
    assert 'data-error-for="time_zone"' in wrong.content.decode()
