"""Bulk actions on a segment or on chosen cards (R5): run by the worker with progress, only on cards the
actor may edit, journaled as one batch, undone without overwriting what was changed since."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.contacts.models import Contact, ContactStatus, StatusChange
from crm.contacts.testing import make_contact
from crm.core.audit import SYSTEM
from crm.core.errors import NotFound, ValidationFailed
from crm.core.models import AuditEntry
from crm.segments import services
from crm.segments.models import BulkAction, BulkStatus
from crm.segments.services import SegmentInput

pytestmark = pytest.mark.django_db

IN_TULA = {"match": "all", "rules": [{"field": "city", "op": "is", "value": "Тула"}]}


def segment_of(actor, definition=IN_TULA, shared=False):
    data = SegmentInput(name="Тула", definition=definition, shared=shared)
    return services.segment_save(actor=actor, segment_id=None, data=data, source=SYSTEM)


def run(actor, verb, segment=None, ids=None, **params):
    action = services.bulk_start(
        actor=actor,
        verb=verb,
        params=params,
        segment_id=segment.pk if segment else None,
        ids=ids,
        source=SYSTEM,
    )
    return services.bulk_run(action_id=action.pk)


def undo(actor, action):
    services.bulk_undo(actor=actor, action_id=action.pk, source=SYSTEM)
    return services.bulk_undo_run(action_id=action.pk)


def tags_of(card):
    return sorted(t.name for t in Contact.objects.get(pk=card.pk).tags.all())


def test_a_bulk_tag_tags_every_member_once_journals_one_batch_and_its_undo_takes_back_only_its_own(manager_a):
    first = make_contact(manager_a, "Первый", "Туляк", city="Тула")
    tagged_before = make_contact(manager_a, "Второй", "Туляк", city="Тула", tags=["vip"])
    outsider = make_contact(manager_a, "Москвич", "Иван", city="Москва")

    action = run(manager_a, "tag", segment_of(manager_a), tag="VIP")

    assert (action.status, action.total, action.done, action.changed) == (BulkStatus.DONE, 2, 2, 1)
    assert tags_of(first) == ["vip"]  # one spelling: the existing tag, whatever the case typed
    assert tags_of(outsider) == []
    entries = AuditEntry.objects.filter(batch=action.pk)
    assert [(e.object_id, e.changes) for e in entries] == [(first.pk, {"tags": [[], ["vip"]]})]

    undone = undo(manager_a, action)

    assert undone.status == BulkStatus.UNDONE
    assert tags_of(first) == []
    assert tags_of(tagged_before) == ["vip"]  # it had the tag before: the undo leaves it
    assert AuditEntry.objects.filter(batch=action.pk).count() == 2


def test_handing_over_moves_owner_and_department_and_the_undo_spares_a_card_changed_since(
    manager_a, manager_a2, head_a
):
    one = make_contact(manager_a, "Один", "Туляк", city="Тула")
    two = make_contact(manager_a2, "Два", "Туляка", city="Тула")

    action = run(head_a, "assign", segment_of(head_a), owner_id=manager_a2.pk)

    assert action.changed == 1  # "two" was manager_a2's already
    moved = Contact.objects.get(pk=one.pk)
    assert (moved.owner_id, moved.department_id) == (manager_a2.pk, manager_a2.department_id)
    journal = AuditEntry.objects.get(batch=action.pk)
    assert journal.changes == {"owner": [str(manager_a), str(manager_a2)]}

    Contact.objects.filter(pk=two.pk).update(owner=head_a)  # someone else's later change
    undo(head_a, action)

    assert Contact.objects.get(pk=one.pk).owner_id == manager_a.pk
    assert Contact.objects.get(pk=two.pk).owner_id == head_a.pk


def test_a_bulk_status_keeps_the_status_history(manager_a):
    waiting = ContactStatus.objects.get(name="Ожидает предложение")
    card = make_contact(manager_a, "Один", "Туляк", city="Тула")

    action = run(manager_a, "status", segment_of(manager_a), status_id=waiting.pk)

    assert Contact.objects.get(pk=card.pk).status_id == waiting.pk
    assert list(StatusChange.objects.filter(contact=card).values_list("to_status_id", flat=True)) == [
        waiting.pk
    ]
    undo(manager_a, action)
    assert Contact.objects.get(pk=card.pk).status_id is None


def test_a_shared_segment_changes_only_the_cards_its_runner_may_edit(admin, manager_a, manager_b):
    mine = make_contact(manager_a, "Свой", "Туляк", city="Тула")
    theirs = make_contact(manager_b, "Чужой", "Туляк", city="Тула")
    shared = segment_of(admin, shared=True)

    action = run(manager_a, "base_type", shared, base_type="partner")

    assert action.changed == 1
    assert Contact.objects.get(pk=mine.pk).base_type == "partner"
    assert Contact.objects.get(pk=theirs.pk).base_type == "lead"


def test_cards_chosen_by_hand_the_actor_may_not_edit_are_left_out(manager_a, manager_b):
    mine = make_contact(manager_a, "Свой", "Клиент")
    theirs = make_contact(manager_b, "Чужой", "Клиент")

    action = run(manager_a, "tag", ids=[mine.pk, theirs.pk], tag="Акция")

    assert (action.total, action.changed) == (2, 1)
    assert (tags_of(mine), tags_of(theirs)) == (["Акция"], [])


@pytest.mark.parametrize(
    ("verb", "params", "field", "code"),
    [
        ("tag", {"tag": "  "}, "tag", "required"),
        ("tag", {"tag": "т" * 65}, "tag", "too_long"),
        ("untag", {"tag_id": 999999}, "tag_id", "invalid"),
        ("assign", {"owner_id": "manager_b"}, "owner_id", "owner_out_of_scope"),
        ("status", {"status_id": 999999}, "status_id", "invalid_choice"),
        ("base_type", {"base_type": "vip"}, "base_type", "invalid_choice"),
        ("delete_all", {}, "verb", "invalid"),
    ],
)
def test_a_bulk_action_with_a_bad_value_is_refused_naming_it_and_nothing_is_queued(
    manager_a, manager_b, verb, params, field, code
):
    if params.get("owner_id") == "manager_b":
        params = {"owner_id": manager_b.pk}
    card = make_contact(manager_a, "Один", "Туляк", city="Тула")

    with pytest.raises(ValidationFailed) as refused:
        run(manager_a, verb, segment_of(manager_a), **params)

    assert [(e.field, e.code) for e in refused.value.errors] == [(field, code)]
    assert not BulkAction.objects.exists()
    assert tags_of(card) == []


def test_only_the_author_or_an_administrator_undoes_a_bulk_action(manager_a, manager_a2, admin):
    make_contact(manager_a, "Один", "Туляк", city="Тула")
    action = run(manager_a, "tag", segment_of(manager_a), tag="Акция")

    with pytest.raises(NotFound):
        services.bulk_undo(actor=manager_a2, action_id=action.pk, source=SYSTEM)
    services.bulk_undo(actor=admin, action_id=action.pk, source=SYSTEM)

    assert BulkAction.objects.get(pk=action.pk).status == BulkStatus.UNDOING


def test_a_run_whose_worker_died_is_taken_up_again_and_finishes_once(manager_a):
    cards = [make_contact(manager_a, f"Туляк{i}", "Пётр", city="Тула") for i in range(3)]
    action = services.bulk_start(
        actor=manager_a,
        verb="tag",
        params={"tag": "Акция"},
        segment_id=segment_of(manager_a).pk,
        source=SYSTEM,
    )
    # The worker tagged one card, then was killed: the action stays "running" and stops beating.
    from crm.contacts.services.bulk_changes import cards_tag

    cards_tag(
        actor=manager_a, kind="contact", ids=[cards[0].pk], tag_name="Акция", source=SYSTEM, batch=action.pk
    )
    stale = timezone.now() - datetime.timedelta(minutes=10)
    BulkAction.objects.filter(pk=action.pk).update(status=BulkStatus.RUNNING, heartbeat_at=stale)

    assert services.bulk_resume_stalled() == 1  # immediate Huey in tests: the run happens here

    finished = BulkAction.objects.get(pk=action.pk)
    assert (finished.status, finished.total) == (BulkStatus.DONE, 3)
    assert all(tags_of(c) == ["Акция"] for c in cards)
    assert AuditEntry.objects.filter(batch=action.pk).count() == 3  # each card journaled once


def test_the_segment_page_starts_an_action_and_its_page_shows_progress_and_undoes_it(client, manager_a):
    card = make_contact(manager_a, "Один", "Туляк", city="Тула")
    segment = segment_of(manager_a)
    client.force_login(manager_a)

    page = client.get(reverse("segments:segment_detail", args=[segment.pk])).content.decode()
    assert 'data-testid="bulk-form"' in page
    started = client.post(
        reverse("segments:segment_bulk", args=[segment.pk]), {"verb": "tag", "tag": "Акция"}
    )
    action = BulkAction.objects.get()
    assert started.url == reverse("segments:bulk_detail", args=[action.pk])
    services.bulk_run(action_id=action.pk)  # the worker

    shown = client.get(started.url).content.decode()
    assert 'data-status="done"' in shown
    assert tags_of(card) == ["Акция"]
    client.post(reverse("segments:bulk_undo", args=[action.pk]))
    services.bulk_undo_run(action_id=action.pk)
    assert tags_of(card) == []


def test_the_api_starts_follows_and_undoes_a_bulk_action(client, manager_a):
    from crm.accounts.services import api_token_create

    card = make_contact(manager_a, "Один", "Туляк", city="Тула")
    _, raw = api_token_create(actor=manager_a, name="t", source=SYSTEM)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    started = client.post(
        "/api/v1/bulk",
        {"kind": "contact", "ids": [card.pk], "verb": "base_type", "base_type": "active"},
        content_type="application/json",
        **auth,
    )
    action_id = started.json()["id"]
    services.bulk_run(action_id=action_id)
    followed = client.get(f"/api/v1/bulk/{action_id}", **auth).json()
    undone = client.post(f"/api/v1/bulk/{action_id}/undo", **auth)

    assert started.status_code == 202
    assert (followed["status"], followed["changed"]) == ("done", 1)
    assert undone.status_code == 202
    services.bulk_undo_run(action_id=action_id)
    assert Contact.objects.get(pk=card.pk).base_type == "lead"


def test_cards_chosen_in_a_list_are_changed_by_the_selection_bar(client, manager_a):
    chosen = make_contact(manager_a, "Выбранный", "Клиент")
    other = make_contact(manager_a, "Другой", "Клиент")
    client.force_login(manager_a)

    started = client.post(
        reverse("segments:bulk_selection"),
        {
            "kind": "contact",
            "ids": [str(chosen.pk)],
            "verb": "assign",
            "owner_id": str(manager_a.pk),
            "tag": "",
        },
    )
    action = BulkAction.objects.get()
    services.bulk_run(action_id=action.pk)

    assert started.url == reverse("segments:bulk_detail", args=[action.pk])
    assert (action.selection, action.kind) == ([chosen.pk], "contact")
    assert other.pk not in action.selection


def test_a_field_read_only_for_the_role_cannot_be_changed_in_bulk(admin, manager_a):
    from crm.fields.services import field_access_set

    field_access_set(
        actor=admin, kind="contact", key="status", levels={manager_a.role_id: "read"}, source=SYSTEM
    )
    card = make_contact(manager_a, "Один", "Туляк", city="Тула")
    waiting = ContactStatus.objects.get(name="Ожидает предложение")

    with pytest.raises(ValidationFailed) as refused:
        run(manager_a, "status", segment_of(manager_a), status_id=waiting.pk)

    assert [(e.field, e.code) for e in refused.value.errors] == [("status_id", "read_only")]
    assert Contact.objects.get(pk=card.pk).status_id is None
