"""Segments ask any question of the base (R5): the seeds' own examples, AND / OR groups, the read guard and
field-level security, and refusals that name the rule and the problem."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from crm.accounts.models import Role
from crm.activities.models import EntryKind
from crm.activities.services import EntryInput, entry_create
from crm.contacts.models import Contact, ContactStatus
from crm.contacts.testing import make_company, make_contact
from crm.core.audit import SYSTEM
from crm.core.errors import ValidationFailed
from crm.deals.services import LineInput
from crm.deals.testing import make_deal, make_order, make_product, outcome
from crm.fields.models import AccessLevel
from crm.fields.services import field_access_set
from crm.segments import rules
from crm.segments.selectors import member_count, members

pytestmark = pytest.mark.django_db


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def names(user, definition, kind="contact"):
    return sorted(str(c) for c in members(user=user, kind=kind, definition=definition))


def only(*conditions, match="all"):
    return {"match": match, "rules": list(conditions)}


def aged(contact, days):
    """A card made ``days`` ago (as if imported from an old base)."""
    Contact.objects.filter(pk=contact.pk).update(created_at=days_ago(days))


def contacted(actor, contact, days, kind=EntryKind.CALL):
    entry_create(
        actor=actor,
        data=EntryInput(kind=kind, contact_id=contact.pk, occurred_at=days_ago(days), summary="Звонок"),
        source=SYSTEM,
    )


def test_bought_more_than_twice_in_the_last_month(manager_a):
    often = make_contact(manager_a, "Частый", "Покупатель")
    twice = make_contact(manager_a, "Дважды", "Покупатель")
    long_ago = make_contact(manager_a, "Давний", "Покупатель")
    for days in (2, 10, 25):
        make_order(manager_a, contact_id=often.pk, ordered_at=days_ago(days))
    for days in (3, 12):
        make_order(manager_a, contact_id=twice.pk, ordered_at=days_ago(days))
    for days in (40, 50, 60):
        make_order(manager_a, contact_id=long_ago.pk, ordered_at=days_ago(days))

    segment = only({"field": "orders_in_period", "op": "gt", "value": 2, "days": 30})

    assert names(manager_a, segment) == ["Частый Покупатель"]


def test_a_cancelled_order_does_not_count_as_a_purchase(manager_a):
    client = make_contact(manager_a, "Отменивший", "Заказ")
    for days in (2, 3):
        make_order(manager_a, contact_id=client.pk, ordered_at=days_ago(days))
    make_order(manager_a, contact_id=client.pk, ordered_at=days_ago(4), status="cancelled")

    assert names(manager_a, only({"field": "orders_in_period", "op": "gt", "value": 2, "days": 30})) == []
    assert names(manager_a, only({"field": "orders_in_period", "op": "eq", "value": 2, "days": 30})) == [
        "Отменивший Заказ"
    ]


def test_no_contact_for_90_days_takes_the_silent_and_the_never_contacted_old_cards(manager_a):
    silent = make_contact(manager_a, "Молчит", "Давно")
    contacted(manager_a, silent, 120)
    recent = make_contact(manager_a, "Звонили", "Вчера")
    aged(recent, 400)
    contacted(manager_a, recent, 1)
    never_old = make_contact(manager_a, "Никогда", "Старый")
    aged(never_old, 200)
    make_contact(manager_a, "Никогда", "Новый")  # made this week: not yet neglected

    segment = only({"field": "last_contact", "op": "older_days", "value": 90})

    assert names(manager_a, segment) == ["Молчит Давно", "Никогда Старый"]


def test_an_order_of_50000_or_more_but_no_contact_for_90_days(manager_a):
    big_silent = make_contact(manager_a, "Крупный", "Забытый")
    make_order(manager_a, contact_id=big_silent.pk, amount=50_000, ordered_at=days_ago(200))
    contacted(manager_a, big_silent, 150)
    big_called = make_contact(manager_a, "Крупный", "Обзвоненный")
    make_order(manager_a, contact_id=big_called.pk, amount=80_000, ordered_at=days_ago(200))
    contacted(manager_a, big_called, 5)
    small_silent = make_contact(manager_a, "Мелкий", "Забытый")
    make_order(manager_a, contact_id=small_silent.pk, amount=49_999, ordered_at=days_ago(200))
    make_order(manager_a, contact_id=small_silent.pk, amount=30_000, ordered_at=days_ago(190))
    contacted(manager_a, small_silent, 150)

    segment = only(
        {"field": "order_amount", "op": "gte", "value": "50 000"},
        {"field": "last_contact", "op": "older_days", "value": 90},
    )

    assert names(manager_a, segment) == ["Крупный Забытый"]


@pytest.mark.parametrize(
    ("status", "tag"),
    [("Ожидает предложение", "Запрос_прайса"), ("Постоянный партнер", "Работает_по_договору")],
)
def test_a_status_and_a_tag_together(manager_a, status, tag):
    wanted = ContactStatus.objects.get(name=status)
    other = ContactStatus.objects.exclude(pk=wanted.pk).first()
    make_contact(manager_a, "Оба", "Условия", status_id=wanted.pk, tags=[tag])
    make_contact(manager_a, "Только", "Статус", status_id=wanted.pk, tags=["Другой"])
    make_contact(manager_a, "Только", "Тег", status_id=other.pk, tags=[tag])
    tag_id = Contact.objects.get(last_name="Оба").tags.get().pk

    segment = only(
        {"field": "status", "op": "in", "value": [wanted.pk]},
        {"field": "tags", "op": "any", "value": [tag_id]},
    )

    assert names(manager_a, segment) == ["Оба Условия"]


def test_bought_product_x_at_least_six_months_ago(admin, manager_a):
    machine = make_product(sku="ST-1", name="Станок")
    other = make_product(sku="FR-1", name="Фреза", price=5_000)
    old_buyer = make_contact(manager_a, "Купил", "Давно")
    new_buyer = make_contact(manager_a, "Купил", "Недавно")
    other_buyer = make_contact(manager_a, "Купил", "Другое")
    for client, product, days in (
        (old_buyer, machine, 200),
        (new_buyer, machine, 30),
        (other_buyer, other, 300),
    ):
        make_order(
            manager_a,
            contact_id=client.pk,
            ordered_at=days_ago(days),
            amount=None,
            lines=[LineInput(product_id=product.pk, quantity="1")],
        )

    bought_long_ago = only({"field": "product", "op": "older_days", "value": [machine.pk], "days": 182})
    never_bought = only({"field": "product", "op": "none", "value": [machine.pk]})

    assert names(manager_a, bought_long_ago) == ["Купил Давно"]
    assert names(manager_a, never_bought) == ["Купил Другое"]


def test_any_of_a_group_inside_all_of_the_segment(manager_a):
    make_contact(manager_a, "Москва", "Ключевой", city="Москва", is_key=True)
    make_contact(manager_a, "Казань", "Лид", city="Казань", base_type="lead")
    make_contact(manager_a, "Казань", "Ключевой", city="Казань", is_key=True)
    make_contact(manager_a, "Пермь", "Лид", city="Пермь", base_type="lead")

    segment = only(
        {"field": "city", "op": "is", "value": "казань"},
        only(
            {"field": "is_key", "op": "is", "value": True},
            {"field": "base_type", "op": "in", "value": ["lead"]},
            match="any",
        ),
    )

    assert names(manager_a, segment) == ["Казань Ключевой", "Казань Лид"]
    assert names(manager_a, only({"field": "city", "op": "contains", "value": "мо"})) == ["Москва Ключевой"]


def test_deal_conditions_ask_about_the_clients_deals(manager_a):
    open_client = make_contact(manager_a, "Сделка", "Открыта")
    won_client = make_contact(manager_a, "Сделка", "Выиграна")
    make_contact(manager_a, "Без", "Сделок")
    make_deal(manager_a, contact_id=open_client.pk, amount=300_000)
    make_deal(manager_a, contact_id=won_client.pk, amount=20_000, stage_id=outcome("won").pk)

    assert names(manager_a, only({"field": "deal_status", "op": "any", "value": ["open"]})) == [
        "Сделка Открыта"
    ]
    assert names(manager_a, only({"field": "deal_status", "op": "none", "value": ["open"]})) == [
        "Без Сделок",
        "Сделка Выиграна",
    ]
    assert names(manager_a, only({"field": "deal_amount", "op": "gte", "value": 100_000})) == [
        "Сделка Открыта"
    ]


def test_a_company_segment_asks_about_the_companys_own_orders(manager_a):
    buyer = make_company(manager_a, "ООО Покупатель")
    make_company(manager_a, "ООО Тишина")
    make_order(manager_a, company_id=buyer.pk, amount=70_000)

    segment = only({"field": "orders_count", "op": "gte", "value": 1})

    assert names(manager_a, segment, kind="company") == ["ООО Покупатель"]


def test_fewer_than_counts_take_the_cards_with_none(manager_a):
    one = make_contact(manager_a, "Один", "Звонок")
    contacted(manager_a, one, 3)
    make_contact(manager_a, "Ни", "Одного")
    busy = make_contact(manager_a, "Много", "Звонков")
    for days in (1, 2, 3):
        contacted(manager_a, busy, days)

    segment = only({"field": "interactions", "op": "lt", "value": 2, "days": 30})

    assert names(manager_a, segment) == ["Ни Одного", "Один Звонок"]


def test_members_are_only_the_cards_the_user_sees(manager_a, manager_b, admin):
    make_contact(manager_a, "Свой", "Клиент", city="Тула")
    make_contact(manager_b, "Чужой", "Клиент", city="Тула")
    segment = only({"field": "city", "op": "is", "value": "Тула"})

    assert names(manager_a, segment) == ["Свой Клиент"]
    assert member_count(user=admin, kind="contact", definition=segment) == 2


def test_a_field_hidden_from_the_role_cannot_be_asked_about(admin, manager_a):
    make_contact(manager_a, "Из", "Тулы", city="Тула")
    field_access_set(
        actor=admin, kind="contact", key="city", levels={manager_a.role_id: AccessLevel.HIDDEN}, source=SYSTEM
    )

    with pytest.raises(ValidationFailed) as refused:
        members(
            user=manager_a, kind="contact", definition=only({"field": "city", "op": "is", "value": "Тула"})
        )

    assert [(e.field, e.code) for e in refused.value.errors] == [("rules.0.field", "unknown")]
    assert "city" not in {c.key for c in rules.catalogue(rules.context(manager_a, "contact"))}


def test_deal_and_order_conditions_need_the_right_to_see_deals(support):
    keys = {c.key for c in rules.catalogue(rules.context(support, "contact"))}
    assert {"orders_in_period", "product", "deal_status"} <= keys  # support views deals

    Role.objects.filter(pk=support.role_id).update(
        permissions={k: v for k, v in support.role.permissions.items() if k != "deal"}
    )
    support.refresh_from_db()
    keys = {c.key for c in rules.catalogue(rules.context(support, "contact"))}
    assert not keys & {"orders_in_period", "orders_count", "product", "deal_status", "deal_amount"}


@pytest.mark.parametrize(
    ("rule", "where", "code"),
    [
        ({"field": "nope", "op": "in", "value": [1]}, "rules.0.field", "unknown"),
        ({"field": "city", "op": "gte", "value": "1"}, "rules.0.op", "invalid"),
        ({"field": "city", "op": "is", "value": "  "}, "rules.0.value", "required"),
        ({"field": "orders_count", "op": "gte", "value": "много"}, "rules.0.value", "invalid"),
        ({"field": "orders_count", "op": "between", "value": [5, 1]}, "rules.0.value", "invalid"),
        ({"field": "orders_in_period", "op": "gte", "value": 1}, "rules.0.days", "invalid"),
        ({"field": "orders_in_period", "op": "gte", "value": 1, "days": 0}, "rules.0.days", "out_of_range"),
        ({"field": "last_contact", "op": "before", "value": "31.12.2024"}, "rules.0.value", "invalid"),
        ({"field": "base_type", "op": "in", "value": ["vip"]}, "rules.0.value", "invalid"),
        ({"field": "status", "op": "in", "value": [999999]}, "rules.0.value", "invalid"),
        ("city", "rules.0", "invalid"),
    ],
)
def test_a_faulty_condition_is_refused_naming_the_rule_and_the_problem(manager_a, rule, where, code):
    with pytest.raises(ValidationFailed) as refused:
        rules.check(only(rule), rules.context(manager_a, "contact"))

    assert [(e.field, e.code) for e in refused.value.errors] == [(where, code)]


def test_groups_nest_only_so_deep_and_hold_only_so_many_conditions(manager_a):
    ctx = rules.context(manager_a, "contact")
    deep: dict = {"match": "all", "rules": []}
    for _ in range(rules.MAX_DEPTH + 1):
        deep = {"match": "any", "rules": [deep]}
    with pytest.raises(ValidationFailed) as too_deep:
        rules.check(deep, ctx)
    assert too_deep.value.errors[0].code == "too_deep"

    many = only(*[{"field": "is_key", "op": "is", "value": True}] * (rules.MAX_RULES + 1))
    with pytest.raises(ValidationFailed) as too_many:
        rules.check(many, ctx)
    assert [e.code for e in too_many.value.errors] == ["too_many"]


def test_an_empty_segment_holds_every_card_the_user_sees(manager_a, manager_b):
    make_contact(manager_a, "Первый", "Свой")
    make_contact(manager_a, "Второй", "Свой")
    make_contact(manager_b, "Чужой", "Клиент")

    assert member_count(user=manager_a, kind="contact", definition=rules.empty()) == 2


def test_custom_fields_are_asked_about_by_their_type(admin, manager_a):
    from crm.contacts.inputs import ContactInput
    from crm.contacts.services import contact_create
    from crm.fields.models import ChoiceList, FieldType
    from crm.fields.services import FieldInput, field_save

    tariff = ChoiceList.objects.get(key="tariff")
    for key, field_type, extra in (
        ("budget", FieldType.MONEY, {}),
        ("signed", FieldType.DATE, {}),
        ("plan", FieldType.CHOICE, {"choice_list_id": tariff.pk}),
        ("motto", FieldType.TEXT, {}),
    ):
        field_save(
            actor=admin,
            kind="contact",
            data=FieldInput(key=key, field_type=field_type, label_ru=key, label_en=key, **extra),
            source=SYSTEM,
        )
    basic = tariff.options.get(label_ru="Базовый")
    cards = {
        "Богатый": {
            "budget": "900 000",
            "signed": "2026-01-10",
            "plan": "Базовый",
            "motto": "Работаем ЧЕСТНО",
        },
        "Бедный": {"budget": "1 000", "signed": "2020-05-01", "motto": "Быстро"},
        "Пустой": {},
    }
    for last_name, custom in cards.items():
        contact_create(
            actor=manager_a,
            data=ContactInput(last_name=last_name, owner_id=manager_a.pk, custom=custom),
            source=SYSTEM,
        )

    def asked(rule):
        return sorted(c.last_name for c in members(user=manager_a, kind="contact", definition=only(rule)))

    assert asked({"field": "cf_budget", "op": "gte", "value": "100000"}) == ["Богатый"]
    assert asked({"field": "cf_budget", "op": "between", "value": [500, 1000]}) == ["Бедный"]
    assert asked({"field": "cf_signed", "op": "before", "value": "2025-01-01"}) == ["Бедный"]
    assert asked({"field": "cf_plan", "op": "in", "value": [basic.pk]}) == ["Богатый"]
    assert asked({"field": "cf_plan", "op": "not_in", "value": [basic.pk]}) == ["Бедный", "Пустой"]
    assert asked({"field": "cf_motto", "op": "contains", "value": "честно"}) == ["Богатый"]
    assert asked({"field": "cf_motto", "op": "is", "value": "БЫСТРО"}) == ["Бедный"]
    assert asked({"field": "cf_motto", "op": "empty"}) == ["Пустой"]
