"""Segments of deals: a saved view of the deals list is a segment (issue 15), on the deals' own fields,
their custom fields and tags, for the deals the user sees, with the list's columns."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.core.audit import SYSTEM
from crm.core.errors import PermissionDenied
from crm.deals.models import Pipeline, StageKind
from crm.deals.services import DealInput, deal_create, deal_move
from crm.deals.testing import make_deal, outcome
from crm.fields.models import ChoiceOption
from crm.segments import selectors, services
from crm.segments.services import SegmentInput

pytestmark = pytest.mark.django_db

BIG_OPEN = {
    "match": "all",
    "rules": [
        {"field": "status", "op": "in", "value": ["open"]},
        {"field": "amount", "op": "gte", "value": "100000"},
    ],
}


def titles(user, definition):
    found = selectors.members(user=user, kind="deal", definition=definition)
    return sorted(found.values_list("title", flat=True))


def test_a_segment_of_deals_holds_the_deals_its_user_sees_that_meet_it(manager_a, manager_b, head_a):
    make_deal(manager_a, title="Большая", amount=250_000, tags=["Опт"])
    make_deal(manager_a, title="Малая", amount=20_000)
    won = make_deal(manager_a, title="Выигранная", amount=500_000)
    deal_move(actor=manager_a, deal_id=won.pk, stage_id=outcome(StageKind.WON).pk, source=SYSTEM)
    make_deal(manager_b, title="Чужая большая", amount=900_000)

    assert titles(manager_a, BIG_OPEN) == ["Большая"]
    assert titles(head_a, BIG_OPEN) == ["Большая"]  # the other department's is not theirs
    tagged = {"match": "all", "rules": [{"field": "tags", "op": "any", "value": [_tag("Опт")]}]}
    assert titles(manager_a, tagged) == ["Большая"]
    stuck = {"match": "all", "rules": [{"field": "stuck", "op": "is", "value": False}]}
    assert titles(manager_a, stuck) == ["Большая", "Выигранная", "Малая"]


def _tag(name):
    from crm.contacts.models import Tag

    return Tag.objects.get(key=name.casefold()).pk


def test_a_candidates_custom_field_is_a_condition(manager_a):
    pipeline = Pipeline.objects.get(record_type__key="candidate")
    Pipeline.objects.filter(pk=pipeline.pk).update(is_active=True)
    accountant = ChoiceOption.objects.get(choice_list__key="vacancy", label_ru="Бухгалтер").pk
    engineer = ChoiceOption.objects.get(choice_list__key="vacancy", label_ru="Инженер сервиса").pk
    for title, vacancy in (("Анна", accountant), ("Борис", engineer)):
        deal_create(
            actor=manager_a,
            data=DealInput(title=title, pipeline_id=pipeline.pk, custom={"vacancy": vacancy}),
            source=SYSTEM,
        )

    rule = {"field": "cf_vacancy", "op": "in", "value": [accountant]}
    assert titles(manager_a, {"match": "all", "rules": [rule]}) == ["Анна"]


def test_the_deals_list_saves_its_filters_as_a_segment_whose_page_is_the_list(client, manager_a):
    make_deal(manager_a, title="Большая", amount=250_000)
    make_deal(manager_a, title="Малая", amount=20_000)
    client.force_login(manager_a)

    menu = client.get(reverse("segments:segment_menu") + "?kind=deal&status=open").content.decode()
    builder = client.get(
        reverse("segments:segment_create") + "?kind=deal&from_list=1&status=open&amount_from=100000"
    ).content.decode()
    assert 'data-testid="save-as-segment"' in menu
    assert "&quot;amount&quot;" in builder or '"amount"' in builder
    segment = services.segment_save(
        actor=manager_a,
        segment_id=None,
        data=SegmentInput(name="Крупные", kind="deal", definition=BIG_OPEN),
        source=SYSTEM,
    )
    page = client.get(reverse("segments:segment_detail", args=[segment.pk])).content.decode()
    report = client.get(reverse("segments:segment_report", args=[segment.pk]))

    assert 'data-testid="deal-table"' in page
    assert "Большая" in page
    assert "Малая" not in page
    assert 'data-testid="bulk-form"' in page  # a tag or a manager for every member
    assert '<option value="task">' not in page
    assert report.status_code == 200
    assert selectors.member_count(user=manager_a, kind="deal", definition=BIG_OPEN) == 1


def test_only_a_role_that_sees_deals_keeps_segments_of_them_and_a_hidden_amount_is_no_condition(
    admin, manager_a, support
):
    from crm.accounts.models import Role
    from crm.fields import services as field_services
    from crm.segments import rules

    Role.objects.filter(pk=support.role_id).update(permissions={"contact": ["view"]})
    support.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.segment_save(
            actor=support, segment_id=None, data=SegmentInput(name="Сделки", kind="deal"), source=SYSTEM
        )
    field_services.field_access_set(
        actor=admin, kind="deal", key="amount", levels={manager_a.role_id: "hidden"}, source=SYSTEM
    )
    assert "amount" not in {c.key for c in rules.catalogue(rules.context(manager_a, "deal"))}


def test_deals_are_tagged_and_handed_over_in_bulk_journaled_as_one_batch_and_undone(
    client, manager_a, manager_a2, head_a
):
    from crm.core.models import AuditEntry
    from crm.deals.models import Deal
    from crm.segments.models import BulkAction, BulkStatus

    big, small = (
        make_deal(manager_a, title="Большая", amount=250_000),
        make_deal(manager_a, title="Малая", amount=20_000),
    )
    segment = services.segment_save(
        actor=head_a,
        segment_id=None,
        data=SegmentInput(name="Крупные", kind="deal", definition=BIG_OPEN),
        source=SYSTEM,
    )
    tagged = services.bulk_start(
        actor=head_a, verb="tag", params={"tag": "Приоритет"}, segment_id=segment.pk, source=SYSTEM
    )
    tagged = services.bulk_run(action_id=tagged.pk)

    assert (tagged.status, tagged.changed) == (BulkStatus.DONE, 1)
    assert [t.name for t in Deal.objects.get(pk=big.pk).tags.all()] == ["Приоритет"]
    entry = AuditEntry.objects.get(batch=tagged.pk)
    assert (entry.object_type, entry.object_id, entry.changes) == (
        "deals.deal",
        big.pk,
        {"tags": [[], ["Приоритет"]]},
    )

    client.force_login(head_a)
    listed = client.get(reverse("deals:deal_list")).content.decode()
    assert 'data-testid="selection-bar"' in listed
    assert 'value="task"' not in listed  # a task is a person's or a company's
    client.post(
        reverse("segments:bulk_selection"),
        {"kind": "deal", "ids": [big.pk, small.pk], "verb": "assign", "owner_id": manager_a2.pk},
    )
    handed = BulkAction.objects.get(verb="assign")
    services.bulk_run(action_id=handed.pk)
    moved = Deal.objects.get(pk=small.pk)
    assert (moved.owner_id, moved.department_id) == (manager_a2.pk, manager_a2.department_id)

    services.bulk_undo(actor=head_a, action_id=handed.pk, source=SYSTEM)
    services.bulk_undo_run(action_id=handed.pk)
    services.bulk_undo(actor=head_a, action_id=tagged.pk, source=SYSTEM)
    services.bulk_undo_run(action_id=tagged.pk)
    assert set(Deal.objects.values_list("owner_id", flat=True)) == {manager_a.pk}
    assert not Deal.objects.get(pk=big.pk).tags.exists()


def test_a_task_for_each_deal_is_refused(manager_a):
    from crm.core.errors import ValidationFailed

    deal = make_deal(manager_a)
    with pytest.raises(ValidationFailed) as refused:
        services.bulk_start(
            actor=manager_a,
            verb="task",
            params={"title": "Позвонить", "due": "2027-01-10"},
            kind="deal",
            ids=[deal.pk],
            source=SYSTEM,
        )
    assert [e.field for e in refused.value.errors] == ["verb"]


def test_chosen_deals_move_to_a_stage_in_bulk_each_with_its_history_and_the_undo_moves_them_back(
    client, manager_a, manager_b
):
    from crm.core.models import AuditEntry
    from crm.deals.models import Deal, StageChange
    from crm.deals.testing import stage
    from crm.segments.models import BulkAction

    first, second = make_deal(manager_a, title="Первая"), make_deal(manager_a, title="Вторая")
    theirs = make_deal(manager_b, title="Чужая")
    proposal = stage("Отправлено КП")
    client.force_login(manager_a)

    listed = client.get(reverse("deals:deal_list")).content.decode()
    client.post(
        reverse("segments:bulk_selection"),
        {"kind": "deal", "ids": [first.pk, second.pk, theirs.pk], "verb": "stage", "stage_id": proposal.pk},
    )
    action = services.bulk_run(action_id=BulkAction.objects.get().pk)
    at = dict(Deal.objects.values_list("title", "stage_id"))
    history = StageChange.objects.filter(deal_id__in=[first.pk, second.pk], to_stage=proposal).count()
    journal = AuditEntry.objects.filter(batch=action.pk).count()
    deal_move(actor=manager_a, deal_id=second.pk, stage_id=stage("Переговоры").pk, source=SYSTEM)
    services.bulk_undo(actor=manager_a, action_id=action.pk, source=SYSTEM)
    services.bulk_undo_run(action_id=action.pk)

    assert 'value="stage"' in listed
    assert 'name="stage_id"' in listed
    assert (action.changed, at["Первая"], at["Вторая"]) == (2, proposal.pk, proposal.pk)
    assert at["Чужая"] == theirs.stage_id  # not theirs to move
    assert (history, journal) == (2, 2)
    assert Deal.objects.get(pk=first.pk).stage_id == first.stage_id  # moved back
    assert Deal.objects.get(pk=second.pk).stage.name == "Переговоры"  # moved again since: stays


def test_a_bulk_move_to_a_lost_stage_asks_the_reason_and_keeps_it_for_each_deal(manager_a):
    from crm.core.errors import ValidationFailed
    from crm.deals.models import Deal
    from crm.deals.testing import lost_stage
    from crm.fields.models import ChoiceOption

    deal = make_deal(manager_a)
    reason = ChoiceOption.objects.filter(choice_list__key="loss_reason").first()

    with pytest.raises(ValidationFailed) as refused:
        services.bulk_start(
            actor=manager_a,
            verb="stage",
            params={"stage_id": lost_stage().pk},
            kind="deal",
            ids=[deal.pk],
            source=SYSTEM,
        )
    action = services.bulk_start(
        actor=manager_a,
        verb="stage",
        params={"stage_id": lost_stage().pk, "loss_reason_id": reason.pk},
        kind="deal",
        ids=[deal.pk],
        source=SYSTEM,
    )
    services.bulk_run(action_id=action.pk)

    assert [e.field for e in refused.value.errors] == ["loss_reason_id"]
    lost = Deal.objects.get(pk=deal.pk)
    assert (lost.status, lost.loss_reason_id) == (StageKind.LOST, reason.pk)
