"""Merging two cards of one person, with a choice per field, and undoing it (R7.2)."""

import datetime

import pytest
from django.utils import timezone

from crm.activities.models import Entry
from crm.activities.services import EntryInput, entry_create
from crm.contacts.inputs import contact_input_from
from crm.contacts.models import Contact
from crm.contacts.services import contact_comment, contact_update
from crm.contacts.testing import make_contact
from crm.core.audit import SYSTEM
from crm.core.errors import NotFound, ValidationFailed
from crm.core.models import AuditEntry
from crm.duplicates.models import DuplicatePair, PairStatus
from crm.duplicates.services import contacts_merge, merge_undo
from crm.tasks.models import Task
from crm.tasks.services import TaskInput, task_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(manager_a):
    survivor = make_contact(
        manager_a, last_name="Иванов", first_name="Александр", phone="+79161234567", city="Москва"
    )
    merged = make_contact(
        manager_a,
        last_name="Ivanov",
        first_name="Саша",
        middle_name="Петрович",
        phone="+79161234576",
        email="sasha@example.ru",
        city="Казань",
    )
    entry_create(
        actor=manager_a, data=EntryInput(kind="call", contact_id=merged.pk, summary="Звонил"), source=SYSTEM
    )
    due = timezone.now() + datetime.timedelta(days=1)
    task_create(
        actor=manager_a, data=TaskInput(title="Перезвонить", due_at=due, contact_id=merged.pk), source=SYSTEM
    )
    contact_comment(actor=manager_a, contact_id=merged.pk, text="Важный", source=SYSTEM)
    first, second = sorted((survivor.pk, merged.pk))
    DuplicatePair.objects.create(first_id=first, second_id=second, score=0.9)
    return survivor, merged


def _numbers(card):
    return sorted(card.phones.values_list("number", flat=True))


def test_a_merge_gathers_everything_on_the_survivor_and_trashes_the_other(pair, manager_a):
    survivor, merged = pair
    merge = contacts_merge(
        actor=manager_a, survivor_id=survivor.pk, merged_id=merged.pk, choices={"city": "merged"}
    )
    survivor.refresh_from_db()
    merged.refresh_from_db()
    assert _numbers(survivor) == ["+79161234567", "+79161234576"]
    assert list(survivor.emails.values_list("address", flat=True)) == ["sasha@example.ru"]
    assert (survivor.last_name, survivor.first_name) == ("Иванов", "Александр")  # the survivor's by default
    assert survivor.middle_name == "Петрович"  # an empty field takes the other card's value
    assert survivor.city == "Казань"  # chosen
    assert merged.deleted_at is not None
    assert (merged.phones.count(), merged.emails.count()) == (0, 0)
    assert Entry.objects.get().contact_id == survivor.pk
    assert Task.objects.get().contact_id == survivor.pk
    assert survivor.comments.count() == 1
    assert DuplicatePair.objects.get().status == PairStatus.MERGED
    assert AuditEntry.objects.filter(action="merge").count() == 2
    assert (len(merge.entry_ids), len(merge.task_ids), len(merge.comment_ids)) == (1, 1, 1)


def test_undo_gives_back_both_cards_as_they_were_and_keeps_what_was_added_since(pair, manager_a):
    survivor, merged = pair
    merge = contacts_merge(
        actor=manager_a, survivor_id=survivor.pk, merged_id=merged.pk, choices={"city": "merged"}
    )
    data = contact_input_from(Contact.objects.get(pk=survivor.pk))
    data.source = "Выставка"  # added to the survivor after the merge
    contact_update(actor=manager_a, contact_id=survivor.pk, data=data, source=SYSTEM)

    merge_undo(actor=manager_a, merge_id=merge.pk)
    survivor.refresh_from_db()
    merged.refresh_from_db()
    assert merged.deleted_at is None
    assert _numbers(merged) == ["+79161234576"]
    assert list(merged.emails.values_list("address", flat=True)) == ["sasha@example.ru"]
    assert _numbers(survivor) == ["+79161234567"]
    assert survivor.emails.count() == 0
    assert (survivor.city, survivor.middle_name) == ("Москва", "")
    assert survivor.source == "Выставка"
    assert Entry.objects.get().contact_id == merged.pk
    assert Task.objects.get().contact_id == merged.pk
    assert merged.comments.count() == 1
    assert DuplicatePair.objects.get().status == PairStatus.DISMISSED  # never proposed again
    with pytest.raises(NotFound):
        merge_undo(actor=manager_a, merge_id=merge.pk)


def test_a_card_is_not_merged_with_itself_nor_with_a_card_the_user_may_not_change(pair, manager_a, manager_b):
    survivor, merged = pair
    with pytest.raises(ValidationFailed):
        contacts_merge(actor=manager_a, survivor_id=survivor.pk, merged_id=survivor.pk)
    with pytest.raises(NotFound):
        contacts_merge(actor=manager_b, survivor_id=survivor.pk, merged_id=merged.pk)
    other = make_contact(manager_b, last_name="Иванов", first_name="Саша", phone="+79000000099")
    with pytest.raises(NotFound):
        contacts_merge(actor=manager_a, survivor_id=survivor.pk, merged_id=other.pk)
    assert Contact.objects.filter(deleted_at=None).count() == 3


def test_a_merge_moves_the_merged_cards_deals_and_its_undo_takes_them_back(manager_a):
    from crm.deals.models import Deal
    from crm.deals.testing import make_deal
    from crm.duplicates.services import contacts_merge, merge_undo

    survivor = make_contact(manager_a, last_name="Орлов", phone="+79161110001")
    merged = make_contact(manager_a, last_name="Орлов", first_name="Ваня", phone="+79161110002")
    deal = make_deal(manager_a, contact_id=merged.pk)
    merge = contacts_merge(actor=manager_a, survivor_id=survivor.pk, merged_id=merged.pk, source=SYSTEM)
    assert Deal.objects.get(pk=deal.pk).contact_id == survivor.pk
    merge_undo(actor=manager_a, merge_id=merge.pk, source=SYSTEM)
    assert Deal.objects.get(pk=deal.pk).contact_id == merged.pk


def test_a_merge_moves_orders_and_recounts_both_cards(manager_a):
    from decimal import Decimal

    from crm.deals.testing import make_order
    from crm.duplicates.services import contacts_merge, merge_undo

    survivor = make_contact(manager_a, last_name="Орлов", phone="+79161110001")
    merged = make_contact(manager_a, last_name="Орлов", first_name="Ваня", phone="+79161110002")
    make_order(manager_a, contact_id=survivor.pk, amount=100)
    make_order(manager_a, contact_id=merged.pk, amount=50)
    merge = contacts_merge(actor=manager_a, survivor_id=survivor.pk, merged_id=merged.pk, source=SYSTEM)
    survivor.refresh_from_db()
    assert (survivor.orders_count, survivor.orders_total) == (2, Decimal("150.00"))
    merge_undo(actor=manager_a, merge_id=merge.pk, source=SYSTEM)
    assert Contact.objects.get(pk=survivor.pk).orders_count == 1
    assert Contact.objects.get(pk=merged.pk).orders_total == Decimal("50.00")


def test_a_merge_moves_lead_signals_recounts_both_scores_and_its_undo_takes_them_back(manager_a):
    from crm.scoring.models import Signal
    from crm.scoring.testing import points, signal

    survivor = make_contact(manager_a, last_name="Орлов", phone="+79161110001")
    merged = make_contact(manager_a, last_name="Орлов", first_name="Ваня", phone="+79161110002")
    signal(manager_a, survivor, "form_filled")
    signal(manager_a, merged, "form_filled")  # the same kind the same day: counts once on one card
    signal(manager_a, merged, "met")

    merge = contacts_merge(actor=manager_a, survivor_id=survivor.pk, merged_id=merged.pk, source=SYSTEM)

    assert points(survivor) == (55, "warm")  # 30 + 25: the twin form stays on the merged card
    assert Signal.objects.filter(contact=merged).count() == 1
    merge_undo(actor=manager_a, merge_id=merge.pk, source=SYSTEM)
    assert (points(survivor), points(merged)) == ((30, "warm"), (55, "warm"))
