"""Deals and pipelines (R4.1–R4.4): what a sales manager does with a deal, as the services promise it."""

from __future__ import annotations

import datetime
import decimal

import pytest
from django.utils import timezone

from crm.activities.models import Entry
from crm.contacts.testing import make_contact
from crm.core.audit import SYSTEM
from crm.core.errors import NotFound, PermissionDenied, ValidationFailed
from crm.core.models import AuditEntry
from crm.deals import selectors, services
from crm.deals.models import Deal, Stage, StageChange, StageKind
from crm.deals.services import DealInput, PipelineInput, StageInput
from crm.deals.testing import lost_stage, make_deal, outcome, stage, starter_pipeline
from crm.fields.models import ChoiceOption
from crm.tasks.models import Task

pytestmark = pytest.mark.django_db


def _reason():
    return ChoiceOption.objects.filter(choice_list__key="loss_reason").first()


def _hiring(admin):
    """A second pipeline: Отклик → Нанят / Отказ."""
    stages = [
        StageInput(name="Отклик"),
        StageInput(name="Нанят", kind="won"),
        StageInput(name="Отказ", kind="lost"),
    ]
    return services.pipeline_save(
        actor=admin, pipeline_id=None, data=PipelineInput(name="Подбор", stages=stages), source=SYSTEM
    )


def _journal(deal):
    return list(AuditEntry.objects.filter(object_type="deals.deal", object_id=deal.pk).order_by("id"))


def test_a_new_deal_starts_at_the_first_stage_of_the_first_pipeline_and_tells_the_clients_timeline(manager_a):
    client = make_contact(manager_a, last_name="Орлов", phone="+79161110001")
    deal = make_deal(manager_a, title="Поставка станков", amount="150 000", contact_id=client.pk)
    assert deal.stage == stage("Первичный контакт")
    assert deal.pipeline == starter_pipeline()
    assert (deal.status, deal.amount, deal.currency) == (StageKind.OPEN, decimal.Decimal("150000.00"), "RUB")
    assert deal.owner == manager_a
    assert deal.department_id == manager_a.department_id
    assert deal.stage_due_at is not None  # the starter stage gives 3 days
    history = list(deal.stage_changes.all())
    assert [(h.from_stage, h.to_stage) for h in history] == [(None, deal.stage)]
    assert [e.action for e in _journal(deal)] == ["create"]
    entry = Entry.objects.get(contact=client, automatic=True, summary__contains="Поставка станков")
    assert "150\u00a0000\u00a0₽" in entry.summary


def test_moving_a_deal_keeps_its_stage_history_journal_and_timeline(manager_a):
    client = make_contact(manager_a, last_name="Орлов", phone="+79161110001")
    deal = make_deal(manager_a, contact_id=client.pk)
    Deal.objects.filter(pk=deal.pk).update(stage_entered_at=timezone.now() - datetime.timedelta(hours=5))
    target = stage("Отправлено КП")
    moved = services.deal_move(actor=manager_a, deal_id=deal.pk, stage_id=target.pk, source=SYSTEM)
    assert moved.stage == target
    assert moved.status == StageKind.OPEN
    assert moved.closed_at is None
    change = StageChange.objects.filter(deal=deal).order_by("-id").first()
    assert (change.from_stage, change.to_stage, change.by) == (stage("Первичный контакт"), target, manager_a)
    assert 5 * 3600 - 5 <= change.seconds_before <= 5 * 3600 + 60
    assert _journal(deal)[-1].changes["stage"] == ["Первичный контакт", "Отправлено КП"]
    assert Entry.objects.filter(
        contact=client, summary__contains="Первичный контакт → Отправлено КП"
    ).exists()


def test_a_won_deal_is_closed(manager_a):
    deal = make_deal(manager_a)
    won = services.deal_move(
        actor=manager_a, deal_id=deal.pk, stage_id=outcome(StageKind.WON).pk, source=SYSTEM
    )
    assert won.status == StageKind.WON
    assert won.closed_at is not None
    assert won.stage_due_at is None


def test_a_deal_is_not_lost_without_a_reason_and_nothing_changes(manager_a):
    deal = make_deal(manager_a)
    before_changes, before_journal = StageChange.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        services.deal_move(actor=manager_a, deal_id=deal.pk, stage_id=lost_stage().pk, source=SYSTEM)
    assert refused.value.by_field().keys() == {"loss_reason_id"}
    deal.refresh_from_db()
    assert deal.stage == stage("Первичный контакт")
    assert deal.status == StageKind.OPEN
    assert (StageChange.objects.count(), AuditEntry.objects.count()) == (before_changes, before_journal)


def test_a_lost_deal_keeps_its_reason_and_comment(manager_a):
    deal = make_deal(manager_a)
    lost = services.deal_move(
        actor=manager_a,
        deal_id=deal.pk,
        stage_id=lost_stage().pk,
        loss_reason_id=_reason().pk,
        loss_comment="Купили у соседей",
        source=SYSTEM,
    )
    assert (lost.status, lost.loss_reason_id, lost.loss_comment) == (
        StageKind.LOST,
        _reason().pk,
        "Купили у соседей",
    )
    assert _journal(deal)[-1].changes["loss_reason"] == [None, _reason().label_ru]
    reopened = services.deal_move(
        actor=manager_a, deal_id=deal.pk, stage_id=stage("Переговоры").pk, source=SYSTEM
    )
    assert (reopened.status, reopened.loss_reason_id, reopened.closed_at) == (StageKind.OPEN, None, None)


def test_a_reason_from_another_list_is_refused(manager_a):
    deal = make_deal(manager_a)
    other = ChoiceOption.objects.filter(choice_list__key="industry").first()
    with pytest.raises(ValidationFailed) as refused:
        services.deal_move(
            actor=manager_a, deal_id=deal.pk, stage_id=lost_stage().pk, loss_reason_id=other.pk, source=SYSTEM
        )
    assert refused.value.errors[0].code == "invalid"


def test_a_stage_of_another_pipeline_is_refused_on_a_move(manager_a, admin):
    other = _hiring(admin)
    deal = make_deal(manager_a)
    with pytest.raises(ValidationFailed) as refused:
        services.deal_move(actor=manager_a, deal_id=deal.pk, stage_id=other.stages.first().pk, source=SYSTEM)
    assert refused.value.by_field().keys() == {"stage_id"}


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("много", "Введите сумму числом"),
        ("-5", "Введите сумму от 0"),
        ("10.555", "двух знаков"),
        ("NaN", "Введите сумму от 0"),
        ("1e30", "Введите сумму от 0"),
    ],
)
def test_a_bad_amount_is_refused_naming_the_field(manager_a, amount, message):
    with pytest.raises(ValidationFailed) as refused:
        make_deal(manager_a, amount=amount)
    assert message in refused.value.by_field()["amount"][0]
    assert not Deal.objects.exists()


def test_the_title_and_the_currency_are_checked(manager_a):
    with pytest.raises(ValidationFailed) as refused:
        make_deal(manager_a, title="  ", currency="XYZ")
    assert refused.value.by_field().keys() == {"title", "currency"}


def test_amounts_are_read_as_people_write_them(manager_a):
    assert make_deal(manager_a, amount="1 200,50").amount == decimal.Decimal("1200.50")
    assert make_deal(manager_a, amount=99.99).amount == decimal.Decimal("99.99")


def test_a_manager_neither_sees_nor_moves_another_departments_deal(manager_a, manager_b):
    deal = make_deal(manager_a)
    with pytest.raises(NotFound):
        services.deal_move(actor=manager_b, deal_id=deal.pk, stage_id=stage("Переговоры").pk, source=SYSTEM)
    with pytest.raises(NotFound):
        selectors.deal_get(user=manager_b, pk=deal.pk)
    assert deal.stage_changes.count() == 1


def test_a_head_moves_the_departments_deals_and_support_only_looks(manager_a, head_a, support):
    deal = make_deal(manager_a)
    services.deal_move(actor=head_a, deal_id=deal.pk, stage_id=stage("Переговоры").pk, source=SYSTEM)
    assert selectors.deal_get(user=support, pk=deal.pk).stage == stage("Переговоры")
    with pytest.raises(PermissionDenied):
        services.deal_move(actor=support, deal_id=deal.pk, stage_id=stage("Оплата").pk, source=SYSTEM)
    with pytest.raises(PermissionDenied):
        make_deal(support)


def test_a_deal_on_a_card_the_actor_cannot_see_is_refused(manager_a, manager_b):
    theirs = make_contact(manager_b, last_name="Чужой", phone="+79161110009")
    with pytest.raises(NotFound):
        make_deal(manager_a, contact_id=theirs.pk)
    assert not Deal.objects.exists()


def test_the_board_counts_and_sums_each_column_by_currency(manager_a, manager_b):
    make_deal(manager_a, amount=100_000)
    make_deal(manager_a, amount=50_000)
    make_deal(manager_a, amount=1_000, currency="USD")
    make_deal(manager_b, amount=7)  # another department: not on manager_a's board
    columns = selectors.board(user=manager_a, pipeline=starter_pipeline(), filters=selectors.Filters())
    first = columns[0]
    assert first.count == 3
    assert len(first.deals) == 3
    assert first.totals == [("RUB", decimal.Decimal("150000.00")), ("USD", decimal.Decimal("1000.00"))]
    assert all(c.count == 0 for c in columns[1:])
    filtered = selectors.board(
        user=manager_a,
        pipeline=starter_pipeline(),
        filters=selectors.Filters(amount_from=decimal.Decimal(60_000)),
    )
    assert filtered[0].count == 1


def test_a_board_column_pages_on(manager_a):
    for n in range(5):
        make_deal(manager_a, title=f"Сделка {n}")
    columns = selectors.board(
        user=manager_a, pipeline=starter_pipeline(), filters=selectors.Filters(), per_column=2
    )
    first = columns[0]
    assert [d.title for d in first.deals] == ["Сделка 4", "Сделка 3"]
    assert first.next_cursor
    rest = selectors.column_page(
        user=manager_a, stage=first.stage, filters=selectors.Filters(), cursor=first.next_cursor, limit=10
    )
    assert [d.title for d in rest.items] == ["Сделка 2", "Сделка 1", "Сделка 0"]


def test_the_board_reads_a_fixed_number_of_queries_however_many_deals(
    manager_a, django_assert_max_num_queries
):
    pipeline = starter_pipeline()
    for n in range(3):
        make_deal(manager_a, title=f"A{n}", stage_id=stage("Переговоры").pk)
    with django_assert_max_num_queries(20) as few:
        selectors.board(user=manager_a, pipeline=pipeline, filters=selectors.Filters())
    for n in range(30):
        make_deal(manager_a, title=f"B{n}", stage_id=stage("Оплата").pk)
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        selectors.board(user=manager_a, pipeline=pipeline, filters=selectors.Filters())


def test_a_stage_with_a_responsible_person_gives_them_a_task(manager_a, manager_a2, admin):
    pipeline = starter_pipeline()
    negotiation = stage("Переговоры")
    Stage.objects.filter(pk=negotiation.pk).update(responsible=manager_a2, days_limit=4)
    client = make_contact(manager_a, last_name="Орлов", phone="+79161110001")
    deal = make_deal(manager_a, contact_id=client.pk, pipeline_id=pipeline.pk)
    services.deal_move(actor=manager_a, deal_id=deal.pk, stage_id=negotiation.pk, source=SYSTEM)
    task = Task.objects.get(assignee=manager_a2)
    assert "Переговоры" in task.title
    assert task.contact == client
    deal.refresh_from_db()
    assert task.due_at == deal.stage_due_at


def test_a_deal_past_its_stage_deadline_is_flagged(manager_a):
    deal = make_deal(manager_a)
    assert not deal.is_overdue
    Deal.objects.filter(pk=deal.pk).update(stage_due_at=timezone.now() - datetime.timedelta(minutes=1))
    deal.refresh_from_db()
    assert deal.is_overdue


def test_a_checklist_item_is_ticked_and_the_next_stage_starts_clean(manager_a):
    first = stage("Первичный контакт")
    Stage.objects.filter(pk=first.pk).update(checklist=["Выявить потребность", "Узнать бюджет"])
    deal = make_deal(manager_a)
    services.deal_check(actor=manager_a, deal_id=deal.pk, item="Узнать бюджет", done=True, source=SYSTEM)
    assert Deal.objects.get(pk=deal.pk).checked == ["Узнать бюджет"]
    with pytest.raises(ValidationFailed):
        services.deal_check(actor=manager_a, deal_id=deal.pk, item="Чего нет", done=True, source=SYSTEM)
    moved = services.deal_move(
        actor=manager_a, deal_id=deal.pk, stage_id=stage("Переговоры").pk, source=SYSTEM
    )
    assert moved.checked == []


def test_a_trashed_deal_leaves_the_board_and_comes_back(manager_a):
    deal = make_deal(manager_a)
    services.deal_delete(actor=manager_a, deal_id=deal.pk, source=SYSTEM)
    assert (
        selectors.board(user=manager_a, pipeline=starter_pipeline(), filters=selectors.Filters())[0].count
        == 0
    )
    assert [d.pk for d in selectors.trashed_deals(user=manager_a)] == [deal.pk]
    services.deal_restore(actor=manager_a, deal_id=deal.pk, source=SYSTEM)
    assert (
        selectors.board(user=manager_a, pipeline=starter_pipeline(), filters=selectors.Filters())[0].count
        == 1
    )
    assert [e.action for e in _journal(deal)] == ["create", "delete", "restore"]


def test_changing_a_deal_to_another_stage_is_a_move(manager_a):
    deal = make_deal(manager_a)
    data = DealInput(title="Новое название", stage_id=stage("Оплата").pk, amount="5000")
    changed = services.deal_update(actor=manager_a, deal_id=deal.pk, data=data, source=SYSTEM)
    assert (changed.title, changed.stage, changed.amount) == ("Новое название", stage("Оплата"), 5000)
    assert changed.stage_changes.count() == 2
    assert set(_journal(deal)[-1].changes) == {"title", "stage", "amount"}


def test_only_an_administrator_edits_pipelines(manager_a, head_a):
    for actor in (manager_a, head_a):
        with pytest.raises(PermissionDenied):
            services.pipeline_save(actor=actor, pipeline_id=None, data=PipelineInput(name="X"), source=SYSTEM)


def test_a_pipeline_needs_its_outcomes_and_named_stages(admin):
    with pytest.raises(ValidationFailed) as refused:
        services.pipeline_save(
            actor=admin,
            pipeline_id=None,
            data=PipelineInput(name="", stages=[StageInput(name=""), StageInput(name="Успех", kind="won")]),
            source=SYSTEM,
        )
    assert set(refused.value.by_field()) == {"name", "stages.1.name", "stages"}


def test_a_stage_holding_deals_is_not_removed_and_a_new_outcome_moves_its_deals_status(manager_a, admin):
    pipeline = starter_pipeline()
    deal = make_deal(manager_a, stage_id=stage("Исполнение").pk)
    current = [
        StageInput(id=s.pk, name=s.name, kind=s.kind, days_limit=s.days_limit) for s in pipeline.stages.all()
    ]
    without = [s for s in current if s.name != "Исполнение"]
    with pytest.raises(ValidationFailed) as refused:
        services.pipeline_save(
            actor=admin,
            pipeline_id=pipeline.pk,
            data=PipelineInput(name="Продажи", stages=without),
            source=SYSTEM,
        )
    assert refused.value.errors[0].code == "in_use"
    assert Stage.objects.filter(name="Исполнение").exists()
    renamed = [
        StageInput(id=s.id, name="Внедрение" if s.name == "Исполнение" else s.name, kind=s.kind)
        for s in current
    ]
    services.pipeline_save(
        actor=admin,
        pipeline_id=pipeline.pk,
        data=PipelineInput(name="Продажи", stages=renamed),
        source=SYSTEM,
    )
    deal.refresh_from_db()
    assert deal.stage.name == "Внедрение"


def test_a_card_shows_its_open_deals_first_with_their_sum(manager_a):
    client = make_contact(manager_a, last_name="Орлов", phone="+79161110001")
    won = make_deal(manager_a, title="Старая", amount=10, contact_id=client.pk)
    services.deal_move(actor=manager_a, deal_id=won.pk, stage_id=outcome(StageKind.WON).pk, source=SYSTEM)
    make_deal(manager_a, title="Новая", amount=300, contact_id=client.pk)
    found = selectors.card_deals(user=manager_a, kind="contact", record=client)
    assert [d.title for d in found.deals] == ["Новая", "Старая"]
    assert (found.open_count, found.open_totals) == (1, [("RUB", decimal.Decimal("300.00"))])


def test_the_won_and_lost_columns_hold_the_last_thirty_days(manager_a):
    recent = make_deal(manager_a, title="Недавняя", amount=10)
    old = make_deal(manager_a, title="Давняя", amount=20)
    for deal in (recent, old):
        services.deal_move(
            actor=manager_a, deal_id=deal.pk, stage_id=outcome(StageKind.WON).pk, source=SYSTEM
        )
    Deal.objects.filter(pk=old.pk).update(stage_entered_at=timezone.now() - datetime.timedelta(days=31))
    won = selectors.board(user=manager_a, pipeline=starter_pipeline(), filters=selectors.Filters())[-2]
    assert won.stage.kind == StageKind.WON
    assert (won.count, [d.title for d in won.deals]) == (1, ["Недавняя"])
    listed = selectors.deal_list(user=manager_a, filters=selectors.Filters(status=StageKind.WON))
    assert {d.title for d in listed.items} == {"Недавняя", "Давняя"}


def test_a_stage_of_another_pipeline_chosen_in_the_form_takes_the_deal_there(manager_a, admin):
    hiring = _hiring(admin)
    deal = make_deal(manager_a)
    target = hiring.stages.get(name="Отклик")
    moved = services.deal_update(
        actor=manager_a, deal_id=deal.pk, data=DealInput(title=deal.title, stage_id=target.pk), source=SYSTEM
    )
    assert (moved.pipeline_id, moved.stage_id) == (hiring.pk, target.pk)
    assert selectors.board(user=manager_a, pipeline=hiring, filters=selectors.Filters())[0].count == 1
    assert (
        selectors.board(user=manager_a, pipeline=starter_pipeline(), filters=selectors.Filters())[0].count
        == 0
    )


def test_a_deal_has_the_tags_people_and_companies_share_and_the_board_filters_by_them(manager_a):
    from crm.contacts.models import Tag

    Tag.objects.create(name="VIP", key="vip")
    tagged = make_deal(manager_a, title="Крупная", tags=["vip", " Тендер ", "ТЕНДЕР"])
    make_deal(manager_a, title="Обычная")
    assert sorted(t.name for t in tagged.tags.all()) == [
        "VIP",
        "Тендер",
    ]  # an existing tag keeps its spelling
    assert Tag.objects.count() == 2
    columns = selectors.board(
        user=manager_a, pipeline=starter_pipeline(), filters=selectors.Filters(tag="Vip")
    )
    assert [d.title for d in columns[0].deals] == ["Крупная"]
    assert columns[0].count == 1
    kept = services.deal_update(
        actor=manager_a, deal_id=tagged.pk, data=DealInput(title="Крупнее"), source=SYSTEM
    )
    assert kept.tags.count() == 2  # a change that says nothing of tags keeps them
    services.deal_update(
        actor=manager_a, deal_id=tagged.pk, data=DealInput(title="Крупнее", tags=[]), source=SYSTEM
    )
    assert tagged.tags.count() == 0
    assert _journal(tagged)[-1].changes["tags"] == [["VIP", "Тендер"], []]


def test_too_many_or_too_long_tags_are_refused_naming_the_field(manager_a):
    for tags in ([f"т{i}" for i in range(21)], ["x" * 65]):
        with pytest.raises(ValidationFailed) as refused:
            make_deal(manager_a, tags=tags)
        assert refused.value.by_field().keys() == {"tags"}
    assert not Deal.objects.exists()
