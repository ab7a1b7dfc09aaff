"""R2.6: the next step of an entry is a dated task on the same card, assigned to the author."""

from __future__ import annotations

import pytest
from django.utils import timezone

from crm.activities.services import EntryInput, entry_create
from crm.contacts.testing import make_contact
from crm.core.audit import SYSTEM
from crm.core.errors import ValidationFailed
from crm.tasks.models import Task


def test_an_entrys_next_step_becomes_a_dated_task_for_its_author(manager_a):
    person = make_contact(manager_a)
    entry = entry_create(
        actor=manager_a,
        data=EntryInput(
            kind="call", contact_id=person.pk, summary="Обсудили опт", next_step="отправить КП до 18.10"
        ),
        source=SYSTEM,
    )
    task = Task.objects.get(entry=entry)
    local = timezone.localtime(task.due_at)
    assert (task.title, task.assignee, task.contact_id, task.all_day) == (
        "отправить КП до 18.10",
        manager_a,
        person.pk,
        True,
    )
    assert (local.day, local.month) == (18, 10)


def test_a_next_step_without_a_date_is_refused_at_the_field_and_nothing_is_stored(manager_a):
    person = make_contact(manager_a)
    with pytest.raises(ValidationFailed) as caught:
        entry_create(
            actor=manager_a,
            data=EntryInput(kind="call", contact_id=person.pk, summary="Обсудили", next_step="отправить КП"),
            source=SYSTEM,
        )
    assert list(caught.value.by_field()) == ["next_step"]
    assert Task.objects.count() == 0
    person.refresh_from_db()
    assert person.last_contact_at is None


def test_the_api_takes_a_next_steps_date_and_assignee(client, manager_a, manager_a2):
    from crm.accounts.services import api_token_create

    person = make_contact(manager_a)
    _, token = api_token_create(actor=manager_a, name="t", source=SYSTEM)
    response = client.post(
        "/api/v1/timeline",
        {
            "kind": "call",
            "contact_id": person.pk,
            "summary": "Договорились",
            "next_step": "Отправить договор",
            "next_step_due": "2030-03-01T10:00:00+03:00",
            "next_step_assignee_id": manager_a2.pk,
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201
    task = Task.objects.get(entry_id=response.json()["id"])
    assert (task.assignee, timezone.localtime(task.due_at).strftime("%d.%m.%Y %H:%M")) == (
        manager_a2,
        "01.03.2030 10:00",
    )
