"""The deal pages as a manager uses them: the board and its moves, the list, the form, the card section."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.contacts.models import Contact
from crm.contacts.testing import make_contact
from crm.deals.models import Deal, StageKind
from crm.deals.testing import lost_stage, make_deal, stage, starter_pipeline
from crm.fields.models import ChoiceOption

pytestmark = pytest.mark.django_db

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def test_the_board_shows_each_stage_with_its_count_and_sum(client, manager_a):
    make_deal(manager_a, title="Станки", amount=150_000)
    client.force_login(manager_a)
    page = client.get(reverse("deals:board")).content.decode()
    for s in starter_pipeline().stages.all():
        assert s.name in page
    assert "Станки" in page
    assert "150\u00a0000\u00a0₽" in page


def test_a_drop_moves_the_deal_and_answers_with_both_columns_new_totals_under_the_filters(client, manager_a):
    deal = make_deal(manager_a, title="Станки", amount=150_000)
    make_deal(manager_a, title="Сервис", amount=7_000)
    make_deal(manager_a, title="Станки-2", amount=1_000, stage_id=stage("Переговоры").pk)
    client.force_login(manager_a)
    first, target = stage("Первичный контакт"), stage("Переговоры")
    response = client.post(
        reverse("deals:deal_move", args=[deal.pk]),
        {"stage_id": target.pk, "from_stage_id": first.pk, "filters": "q=Стан"},
        **FETCH,
    )
    assert response.status_code == 200
    assert response.json()["columns"] == {
        str(target.pk): {"count": 2, "sum": "151\u00a0000\u00a0₽"},
        str(first.pk): {"count": 0, "sum": "0\u00a0₽"},  # "Сервис" is filtered out
    }
    assert Deal.objects.get(pk=deal.pk).stage == target


def test_a_drop_on_lost_without_a_reason_is_answered_with_the_missing_field(client, manager_a):
    deal = make_deal(manager_a)
    client.force_login(manager_a)
    response = client.post(reverse("deals:deal_move", args=[deal.pk]), {"stage_id": lost_stage().pk}, **FETCH)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["loss_reason_id"]
    assert Deal.objects.get(pk=deal.pk).status == StageKind.OPEN
    reason = ChoiceOption.objects.filter(choice_list__key="loss_reason").first()
    response = client.post(
        reverse("deals:deal_move", args=[deal.pk]),
        {"stage_id": lost_stage().pk, "loss_reason_id": reason.pk, "loss_comment": "Дорого"},
        **FETCH,
    )
    assert response.status_code == 200
    assert Deal.objects.get(pk=deal.pk).status == StageKind.LOST


def test_the_deal_page_moves_it_by_a_button_and_shows_the_history(client, manager_a):
    deal = make_deal(manager_a, title="Станки")
    client.force_login(manager_a)
    response = client.post(reverse("deals:deal_move", args=[deal.pk]), {"stage_id": stage("Оплата").pk})
    assert response.status_code == 302
    page = client.get(reverse("deals:deal_detail", args=[deal.pk])).content.decode()
    assert "Первичный контакт → <strong>Оплата</strong>" in page


def test_a_deal_is_created_from_a_persons_card_and_shown_on_it(client, manager_a):
    person = make_contact(manager_a, last_name="Орлов", phone="+79161110001")
    client.force_login(manager_a)
    form = client.get(reverse("deals:deal_create"), {"contact_id": person.pk}).content.decode()
    assert "Орлов" in form
    response = client.post(
        reverse("deals:deal_create"),
        {
            "title": "Станки",
            "contact_id": person.pk,
            "amount": "250 000",
            "currency": "RUB",
            "owner_id": manager_a.pk,
        },
    )
    deal = Deal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:deal_detail", args=[deal.pk])
    assert deal.contact == person
    assert deal.amount == 250_000
    card = client.get(reverse("contacts:contact_detail", args=[person.pk])).content.decode()
    assert 'data-testid="card-deals"' in card
    assert "Станки" in card


def test_a_bad_form_is_shown_again_with_each_fields_problem_and_nothing_is_stored(client, manager_a):
    client.force_login(manager_a)
    response = client.post(
        reverse("deals:deal_create"), {"title": "", "amount": "сто", "expected_close": "31.02.2026"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    for field in ("title", "amount", "expected_close"):
        assert f'data-error-for="{field}"' in html
    assert not Deal.objects.exists()


def test_the_list_filters_and_sorts(client, manager_a):
    make_deal(manager_a, title="Малая", amount=10)
    make_deal(manager_a, title="Крупная", amount=900_000)
    client.force_login(manager_a)
    page = client.get(reverse("deals:deal_list"), {"sort": "amount"}).content.decode()
    assert page.index("Крупная") < page.index("Малая")
    page = client.get(reverse("deals:deal_list"), {"amount_from": "1000"}).content.decode()
    assert "Крупная" in page
    assert "Малая" not in page


def test_the_client_picker_finds_people_and_companies_the_user_sees(client, manager_a, manager_b):
    make_contact(manager_a, last_name="Орлов", phone="+79161110001")
    make_contact(manager_b, last_name="Орловский", phone="+79161110002")
    client.force_login(manager_a)
    html = client.get(reverse("deals:client_choices"), {"client_q": "Орлов"}).content.decode()
    assert "Орлов" in html
    assert "Орловский" not in html


def test_an_administrator_adds_a_stage_to_a_pipeline(client, admin):
    pipeline = starter_pipeline()
    client.force_login(admin)
    stages = list(pipeline.stages.all())
    rows = {
        "stage_id": [str(s.pk) for s in stages] + [""],
        "stage_name": [s.name for s in stages] + ["Согласование"],
        "stage_kind": [s.kind for s in stages] + ["open"],
        "stage_days": [str(s.days_limit or "") for s in stages] + ["2"],
        "stage_responsible": [""] * (len(stages) + 1),
        "stage_checklist": [""] * len(stages) + ["Договор у юриста\nСчёт выставлен"],
        "stage_script": [""] * (len(stages) + 1),
    }
    response = client.post(
        reverse("deals:pipeline_edit", args=[pipeline.pk]), {"name": "Продажи", "is_active": "1", **rows}
    )
    assert response.status_code == 302
    added = pipeline.stages.get(name="Согласование")
    assert (added.days_limit, added.checklist) == (2, ["Договор у юриста", "Счёт выставлен"])
    assert list(pipeline.stages.values_list("name", flat=True))[-1] == "Согласование"


def test_a_pipeline_form_with_problems_names_them(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("deals:pipeline_create"),
        {
            "name": "",
            "stage_id": [""],
            "stage_name": ["Одна"],
            "stage_kind": ["open"],
            "stage_days": ["много"],
            "stage_responsible": [""],
            "stage_checklist": [""],
            "stage_script": [""],
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-error-for="name"' in html
    assert "от 1 до 3650" in html
    assert "один этап «успешно»" in html


def test_a_cards_deals_section_costs_one_query_and_two_past_the_ones_it_lists(
    client, manager_a, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    few = make_contact(manager_a, last_name="Орлов", phone="+79161110001")
    many = make_contact(manager_a, last_name="Соколов", phone="+79161110002")
    make_deal(manager_a, contact_id=few.pk)
    for i in range(25):
        make_deal(manager_a, title=f"Сделка {i}", contact_id=many.pk)
    client.force_login(manager_a)
    client.get(reverse("contacts:contact_detail", args=[few.pk]))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("contacts:contact_detail", args=[few.pk]))
    with CaptureQueriesContext(connection) as big:
        page = client.get(reverse("contacts:contact_detail", args=[many.pk])).content.decode()
    assert len(big) == len(small) + 1 <= 20
    assert page.count('data-testid="card-deal"') == 20
    assert "25 открытых" in page


def test_the_demo_fills_the_board_and_gives_clients_a_purchase_history(db):
    from crm.accounts.testing import UserFactory
    from crm.contacts.demo import create_demo
    from crm.deals.demo import create_deals, create_orders
    from crm.deals.models import Order, OrderStatus, Product

    UserFactory(username="admin", is_superuser=True)
    create_demo(contacts=40, companies=6)
    assert create_deals() > 0
    assert Deal.objects.filter(owner__username="petrov", status=StageKind.OPEN).exists()
    assert Deal.objects.filter(status=StageKind.LOST, loss_reason__isnull=False).exists()
    assert create_orders() > 0
    assert Product.objects.count() == 8
    assert Order.objects.filter(status=OrderStatus.PAID).exists()
    repeat = Contact.objects.filter(orders_count__gt=1).first()
    assert repeat is not None
    assert repeat.orders_total > 0


def test_an_open_deal_without_a_dated_next_step_is_flagged_on_the_card_and_listed(client, manager_a):
    from crm.core.audit import SYSTEM
    from crm.deals.services import deal_move
    from crm.deals.testing import outcome

    person = make_contact(manager_a, last_name="Орлов", phone="+79161110001", base_type="active")
    quiet = make_contact(manager_a, last_name="Тихонов", phone="+79161110002", base_type="active")
    closed = make_contact(manager_a, last_name="Закрытов", phone="+79161110003", base_type="active")
    make_deal(manager_a, contact_id=person.pk)
    won = make_deal(manager_a, contact_id=closed.pk)
    deal_move(actor=manager_a, deal_id=won.pk, stage_id=outcome(StageKind.WON).pk, source=SYSTEM)
    client.force_login(manager_a)
    card = client.get(reverse("contacts:contact_detail", args=[person.pk])).content.decode()
    assert 'data-testid="no-next-step"' in card
    for other in (quiet, closed):
        card = client.get(reverse("contacts:contact_detail", args=[other.pk])).content.decode()
        assert 'data-testid="no-next-step"' not in card
    listed = client.get(reverse("tasks:without_next_step")).content.decode()
    assert "Орлов" in listed
    assert "Тихонов" not in listed
    assert "Закрытов" not in listed


def test_products_are_listed_for_everyone_with_deals_and_edited_by_an_administrator(client, manager_a, admin):
    from crm.deals.models import Product

    client.force_login(admin)
    response = client.post(
        reverse("deals:product_create"),
        {
            "sku": "ST-1",
            "name": "Станок",
            "price": "150 000",
            "currency": "RUB",
            "unit": "шт",
            "is_active": "1",
        },
    )
    assert response.status_code == 302
    product = Product.objects.get()
    refused = client.post(reverse("deals:product_create"), {"sku": "st-1", "name": "Второй", "price": "x"})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert 'data-error-for="sku"' in html
    assert 'data-error-for="price"' in html
    client.force_login(manager_a)
    assert "Станок" in client.get(reverse("deals:product_list")).content.decode()
    assert client.get(reverse("deals:product_edit", args=[product.pk])).status_code == 404


def test_lines_added_on_the_deal_page_make_its_amount(client, manager_a, admin):
    from crm.deals.testing import make_product

    lathe = make_product(sku="ST-1", name="Станок", price=100_000)
    deal = make_deal(manager_a, amount=1)
    client.force_login(manager_a)
    response = client.post(
        reverse("deals:deal_lines", args=[deal.pk]),
        {
            "line_product": [str(lathe.pk), ""],
            "line_name": ["", "Монтаж"],
            "line_quantity": ["3", "1"],
            "line_price": ["", "20000"],
            "line_discount": ["10", ""],
        },
    )
    assert response.status_code == 302
    assert Deal.objects.get(pk=deal.pk).amount == 290_000
    page = client.get(reverse("deals:deal_detail", args=[deal.pk])).content.decode()
    assert page.count('data-testid="line"') == 2
    assert "290\u00a0000\u00a0₽" in page


def test_an_order_from_the_card_shows_in_its_purchase_history_and_is_paid(client, manager_a):
    from crm.deals.models import Order, OrderStatus

    person = make_contact(manager_a, last_name="Орлов", phone="+79161110001")
    client.force_login(manager_a)
    form = client.get(reverse("deals:order_create"), {"contact_id": person.pk}).content.decode()
    assert "Орлов" in form
    response = client.post(
        reverse("deals:order_create"),
        {
            "contact_id": person.pk,
            "number": "A-17",
            "ordered_at": "01.12.2026",
            "status": "new",
            "currency": "RUB",
            "line_product": [""],
            "line_name": ["Запчасти"],
            "line_quantity": ["4"],
            "line_price": ["2 500"],
            "line_discount": [""],
        },
    )
    order = Order.objects.get()
    assert response.status_code == 302
    assert order.amount == 10_000
    card = client.get(reverse("contacts:contact_detail", args=[person.pk])).content.decode()
    assert 'data-testid="purchase-history"' in card
    assert "A-17" in card
    client.post(reverse("deals:order_pay", args=[order.pk]), {"amount": "10000"})
    assert Order.objects.get().status == OrderStatus.PAID


def test_a_bad_order_names_its_fields_and_lines(client, manager_a):
    from crm.deals.models import Order

    person = make_contact(manager_a, last_name="Орлов", phone="+79161110001")
    client.force_login(manager_a)
    response = client.post(
        reverse("deals:order_create"),
        {
            "contact_id": person.pk,
            "ordered_at": "32.13.2026",
            "currency": "RUB",
            "status": "new",
            "line_product": [""],
            "line_name": ["Запчасти"],
            "line_quantity": ["-1"],
            "line_price": [""],
            "line_discount": [""],
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-error-for="ordered_at"' in html
    assert "Строка 1:" in html
    assert not Order.objects.exists()


def test_tags_typed_in_the_deal_form_show_on_its_page_and_filter_the_list(client, manager_a):
    client.force_login(manager_a)
    client.post(
        reverse("deals:deal_create"), {"title": "Тендерная", "tags": "Тендер, срочно", "currency": "RUB"}
    )
    client.post(reverse("deals:deal_create"), {"title": "Простая", "tags": "", "currency": "RUB"})
    deal = Deal.objects.get(title="Тендерная")
    page = client.get(reverse("deals:deal_detail", args=[deal.pk])).content.decode()
    assert "срочно" in page
    listed = client.get(reverse("deals:deal_list"), {"tag": "тендер"}).content.decode()
    assert "Тендерная" in listed
    assert "Простая" not in listed
