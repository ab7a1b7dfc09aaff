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


# -- a task for each member ------------------------------------------------------------------------------


def test_a_task_for_each_member_goes_to_each_cards_manager_journaled_as_one_batch(
    head_a, manager_a, manager_a2
):
    from crm.notifications.models import Notification
    from crm.tasks.models import Task

    one = make_contact(manager_a, "Один", "Туляк", city="Тула")
    two = make_contact(manager_a2, "Два", "Туляк", city="Тула")
    three = make_contact(manager_a2, "Три", "Туляк", city="Тула")
    due = timezone.localdate() + datetime.timedelta(days=3)

    action = run(head_a, "task", segment_of(head_a), title=" Позвонить  клиенту ", due=due.isoformat())

    assert (action.status, action.total, action.changed) == (BulkStatus.DONE, 3, 3)
    tasks = {t.contact_id: t for t in Task.objects.all()}
    assert set(tasks) == {one.pk, two.pk, three.pk}
    assert {tasks[one.pk].assignee_id, tasks[two.pk].assignee_id} == {manager_a.pk, manager_a2.pk}
    task = tasks[one.pk]
    assert (task.title, task.all_day, timezone.localtime(task.due_at).date()) == (
        "Позвонить клиенту",
        True,
        due,
    )
    assert (task.author_id, task.department_id, task.batch) == (head_a.pk, manager_a.department_id, action.pk)
    journal = AuditEntry.objects.filter(batch=action.pk)
    assert journal.count() == 3
    assert journal.filter(object_id=task.pk).get().changes["contact"] == [None, str(one)]
    # one notice per colleague, however many tasks they got
    notices = Notification.objects.filter(kind="tasks_assigned")
    assert sorted(notices.values_list("user_id", flat=True)) == sorted([manager_a.pk, manager_a2.pk])
    assert "2" in notices.get(user=manager_a2).body


def test_a_task_for_each_given_to_one_colleague_and_its_undo_spares_the_tasks_touched_since(
    manager_a, manager_a2
):
    from crm.tasks import services as task_services
    from crm.tasks.models import Task, TaskStatus

    cards = [make_contact(manager_a, f"Туляк{i}", "Пётр", city="Тула") for i in range(3)]
    due = timezone.localdate() + datetime.timedelta(days=1)
    action = run(
        manager_a,
        "task",
        segment_of(manager_a),
        title="Отправить КП",
        due=due.isoformat(),
        assignee_id=manager_a2.pk,
    )
    assert set(Task.objects.values_list("assignee_id", flat=True)) == {manager_a2.pk}
    done, commented, untouched = (Task.objects.get(contact=c) for c in cards)
    task_services.task_complete(actor=manager_a2, task_id=done.pk, source=SYSTEM)
    task_services.task_comment(actor=manager_a2, task_id=commented.pk, text="Уже звонил", source=SYSTEM)

    undone = undo(manager_a, action)

    assert undone.status == BulkStatus.UNDONE
    assert list(Task.objects.filter(deleted_at__isnull=False).values_list("pk", flat=True)) == [untouched.pk]
    assert Task.objects.get(pk=done.pk).status == TaskStatus.DONE
    deleted = AuditEntry.objects.filter(batch=action.pk, action="delete")
    assert list(deleted.values_list("object_id", flat=True)) == [untouched.pk]


def test_a_task_run_taken_up_again_makes_no_second_task_on_a_card(manager_a):
    from crm.tasks import services as task_services
    from crm.tasks.models import Task

    cards = [make_contact(manager_a, f"Туляк{i}", "Пётр", city="Тула") for i in range(3)]
    params = {"title": "Позвонить", "due": timezone.localdate().isoformat()}
    action = services.bulk_start(
        actor=manager_a, verb="task", params=params, segment_id=segment_of(manager_a).pk, source=SYSTEM
    )
    # The worker made the first card's task, then was killed.
    task_services.tasks_for_cards(
        actor=manager_a,
        kind="contact",
        ids=[cards[0].pk],
        params=action.params,
        source=SYSTEM,
        batch=action.pk,
    )
    stale = timezone.now() - datetime.timedelta(minutes=10)
    BulkAction.objects.filter(pk=action.pk).update(status=BulkStatus.RUNNING, heartbeat_at=stale)

    services.bulk_resume_stalled()

    assert sorted(Task.objects.values_list("contact_id", flat=True)) == sorted(c.pk for c in cards)
    assert BulkAction.objects.get(pk=action.pk).status == BulkStatus.DONE


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"title": "", "due": "2027-01-10"}, "title"),
        ({"title": "Позвонить", "due": ""}, "due"),
        ({"title": "Позвонить", "due": "10 января"}, "due"),
        ({"title": "Позвонить", "due": "2027-01-10", "assignee_id": "999999"}, "assignee_id"),
        ({"title": "Позвонить", "due": "2027-01-10", "priority": "9"}, "priority"),
    ],
)
def test_a_task_for_each_with_bad_input_is_refused_naming_the_field(manager_a, params, field):
    from crm.tasks.models import Task

    make_contact(manager_a, "Один", "Туляк", city="Тула")
    with pytest.raises(ValidationFailed) as refused:
        services.bulk_start(
            actor=manager_a, verb="task", params=params, segment_id=segment_of(manager_a).pk, source=SYSTEM
        )
    assert [e.field for e in refused.value.errors] == [field]
    assert not BulkAction.objects.exists()
    assert not Task.objects.exists()


def test_the_selection_bar_and_the_api_make_a_task_for_each_chosen_card(client, manager_a):
    from crm.accounts.services import api_token_create
    from crm.tasks.models import Task

    card = make_contact(manager_a, "Один", "Туляк", city="Тула")
    other = make_contact(manager_a, "Два", "Туляк", city="Тула")
    client.force_login(manager_a)
    listed = client.get(reverse("contacts:contact_list")).content.decode()
    assert 'value="task"' in listed

    client.post(
        reverse("segments:bulk_selection"),
        {"kind": "contact", "ids": [card.pk], "verb": "task", "title": "Позвонить", "due": "2027-01-10"},
    )
    _, raw = api_token_create(actor=manager_a, name="t", source=SYSTEM)
    started = client.post(
        "/api/v1/bulk",
        {"kind": "contact", "ids": [other.pk], "verb": "task", "title": "Написать", "due": "2027-01-11"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )

    assert started.status_code == 202
    for action in BulkAction.objects.all():  # the worker
        services.bulk_run(action_id=action.pk)
    assert sorted(Task.objects.values_list("contact_id", "title")) == sorted(
        [(card.pk, "Позвонить"), (other.pk, "Написать")]
    )
