"""Many timeline notes written at once (an import attaching its rows to the cards they were found on) are
what the same notes written one by one would be, under one batch, and a card the writer does not see
refuses the whole batch."""

import uuid

import pytest

from crm.activities.models import Entry
from crm.activities.services import EntryInput, entries_create, entry_create
from crm.contacts.testing import make_contact
from crm.core.audit import SYSTEM
from crm.core.errors import NotFound
from crm.core.models import AuditEntry

pytestmark = pytest.mark.django_db

BATCH = uuid.uuid4()
FIELDS = ("kind", "contact_id", "company_id", "author_id", "summary", "direction", "automatic", "deleted_at")


def _values(entries):
    return [tuple(getattr(e, name) for name in FIELDS) for e in entries]


def test_notes_written_together_are_the_notes_written_one_by_one(manager_a):
    cards = [make_contact(manager_a, last_name=f"Орлов{i}", phone=f"+7916000000{i}") for i in range(3)]
    rows = [EntryInput(contact_id=c.pk, summary=f"Строка {i}: что было в файле") for i, c in enumerate(cards)]
    alone = [entry_create(actor=manager_a, data=row, source=SYSTEM) for row in rows]
    together = entries_create(actor=manager_a, rows=rows, source=SYSTEM, batch=BATCH)
    stored = list(Entry.objects.filter(pk__in=[e.pk for e in together]).order_by("pk"))
    assert _values(stored) == _values(alone)
    journal = AuditEntry.objects.filter(object_type="activities.entry")

    def changes(entries):  # each written at its own moment: the rest is the same
        return [
            {k: v for k, v in a.changes.items() if k != "occurred_at"} for a in entries.order_by("object_id")
        ]

    assert changes(journal.filter(batch=BATCH)) == changes(
        journal.filter(object_id__in=[e.pk for e in alone])
    )
    assert journal.filter(batch=BATCH).count() == 3


def test_a_card_the_writer_does_not_see_refuses_the_whole_batch(manager_a, manager_b):
    mine = make_contact(manager_a, last_name="Свой", phone="+79160000011")
    other = make_contact(manager_b, last_name="Чужой", phone="+79160000012")
    rows = [EntryInput(contact_id=mine.pk, summary="a"), EntryInput(contact_id=other.pk, summary="b")]
    with pytest.raises(NotFound):
        entries_create(actor=manager_a, rows=rows, source=SYSTEM)
    assert not Entry.objects.filter(contact__in=[mine, other]).exists()


def test_the_batch_takes_no_more_queries_for_more_notes(manager_a, django_assert_max_num_queries):
    cards = [make_contact(manager_a, last_name=f"Петров{i}", phone=f"+7916100000{i}") for i in range(10)]
    with django_assert_max_num_queries(12):
        entries_create(
            actor=manager_a, rows=[EntryInput(contact_id=c.pk, summary="x") for c in cards], source=SYSTEM
        )
    assert Entry.objects.filter(contact__in=cards, summary="x").count() == 10


def test_notes_trashed_together_are_journaled_and_one_the_user_may_not_change_refuses_the_chunk(
    manager_a, admin, django_assert_max_num_queries
):
    from crm.activities.services import entries_delete
    from crm.core.errors import PermissionDenied

    cards = [make_contact(manager_a, last_name=f"Сидоров{i}", phone=f"+7916200000{i}") for i in range(10)]
    notes = entries_create(
        actor=manager_a, rows=[EntryInput(contact_id=c.pk, summary="y") for c in cards], source=SYSTEM
    )
    by_admin = entry_create(actor=admin, data=EntryInput(contact_id=cards[0].pk, summary="z"), source=SYSTEM)
    with pytest.raises(PermissionDenied):  # a manager does not trash the administrator's note
        entries_delete(actor=manager_a, entry_ids=[notes[0].pk, by_admin.pk], source=SYSTEM)
    assert not Entry.objects.filter(deleted_at__isnull=False).exists()
    with django_assert_max_num_queries(8):
        moved = entries_delete(
            actor=manager_a, entry_ids=[n.pk for n in notes] + [10**9], source=SYSTEM, batch=BATCH
        )
    assert sorted(moved) == sorted(n.pk for n in notes)
    assert Entry.objects.filter(deleted_at__isnull=False).count() == 10
    assert AuditEntry.objects.filter(batch=BATCH, action="delete").count() == 10
