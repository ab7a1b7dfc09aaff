"""Products, deal lines, orders and payments (R4.5): the catalogue, what a deal is made of, and the
client's purchase history kept on the card."""

from __future__ import annotations

import datetime
import decimal
import threading

import pytest
from django.db import connection
from django.utils import timezone

from crm.activities.models import Entry
from crm.contacts.testing import make_company, make_contact
from crm.core.audit import SYSTEM
from crm.core.errors import NotFound, PermissionDenied, ValidationFailed
from crm.core.models import AuditEntry
from crm.deals import selectors, services
from crm.deals.models import Order, OrderStatus, Product
from crm.deals.services import LineInput, OrderInput, ProductInput
from crm.deals.testing import make_deal, make_order, make_product

pytestmark = pytest.mark.django_db

D = decimal.Decimal


def test_a_product_is_kept_with_its_sku_and_one_sku_is_one_product(admin):
    product = make_product(sku=" st-100 ", name="Станок  ЧПУ", price="1 250 000,50", stock="3")
    assert (product.sku, product.name, product.price, product.stock) == (
        "st-100",
        "Станок ЧПУ",
        D("1250000.50"),
        3,
    )
    with pytest.raises(ValidationFailed) as refused:
        make_product(sku="ST-100", name="Другой")
    assert refused.value.errors[0].code == "duplicate"
    assert Product.objects.count() == 1


def test_only_an_administrator_edits_the_catalogue(manager_a, head_a):
    for actor in (manager_a, head_a):
        with pytest.raises(PermissionDenied):
            services.product_save(
                actor=actor, product_id=None, data=ProductInput(sku="X", name="X"), source=SYSTEM
            )


def test_a_bad_product_names_each_field(admin):
    with pytest.raises(ValidationFailed) as refused:
        make_product(sku="", name="", price="-1", stock="много", currency="ZZZ")
    assert set(refused.value.by_field()) == {"sku", "name", "price", "stock", "currency"}


@pytest.mark.django_db(transaction=True)
def test_two_requests_adding_one_sku_at_once_make_one_product(admin):
    from crm.deals.testing import make_product as add

    results: list[str] = []
    barrier = threading.Barrier(2)

    def attempt(name: str) -> None:
        barrier.wait()
        try:
            add(sku="DUP-1", name=name)
            results.append("saved")
        except ValidationFailed:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(f"Товар {i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["refused", "saved"]
    assert Product.objects.filter(sku_key="dup-1").count() == 1


def test_a_deals_lines_make_its_amount(manager_a, admin):
    lathe = make_product(sku="ST-1", name="Станок", price=150_000)
    deal = make_deal(manager_a, amount=1)
    deal = services.deal_lines_save(
        actor=manager_a,
        deal_id=deal.pk,
        lines=[
            LineInput(product_id=lathe.pk, quantity="2", discount="5"),
            LineInput(name="Доставка", price="3 500"),
        ],
        source=SYSTEM,
    )
    assert deal.amount == D("288500.00")  # 2 × 150 000 − 5 % + 3 500
    lines = selectors.deal_lines(deal=deal)
    assert [(line.name, line.amount) for line in lines] == [
        ("Станок", D("285000.00")),
        ("Доставка", D("3500.00")),
    ]
    journal = AuditEntry.objects.filter(object_type="deals.deal", object_id=deal.pk).latest("id")
    assert journal.changes["amount"] == ["1.00", "288500.00"]
    # With lines, the amount typed in the deal's form is the lines' sum still.
    updated = services.deal_update(
        actor=manager_a, deal_id=deal.pk, data=services.DealInput(title="Станки", amount="5"), source=SYSTEM
    )
    assert updated.amount == D("288500.00")


def test_bad_lines_name_their_row_and_field_and_nothing_changes(manager_a, admin):
    retired = make_product(sku="OLD", name="Снят с продажи", is_active=False)
    deal = make_deal(manager_a, amount=100)
    with pytest.raises(ValidationFailed) as refused:
        services.deal_lines_save(
            actor=manager_a,
            deal_id=deal.pk,
            lines=[
                LineInput(product_id=retired.pk),
                LineInput(name="", quantity="0"),
                LineInput(name="x", discount="120"),
            ],
            source=SYSTEM,
        )
    assert set(refused.value.by_field()) == {
        "lines.1.product_id",
        "lines.2.name",
        "lines.2.quantity",
        "lines.3.discount",
    }
    deal.refresh_from_db()
    assert deal.amount == 100
    assert not deal.items.exists()


def test_an_order_keeps_the_clients_purchase_history_on_the_card(manager_a, admin):
    client = make_contact(manager_a, last_name="Орлов", phone="+79161110001")
    lathe = make_product(sku="ST-1", name="Станок", price=50_000)
    first = make_order(
        manager_a,
        contact_id=client.pk,
        number="A-1",
        lines=[LineInput(product_id=lathe.pk, quantity="2")],
        ordered_at=timezone.now() - datetime.timedelta(days=40),
    )
    make_order(manager_a, contact_id=client.pk, number="A-2", amount="30 000")
    make_order(manager_a, contact_id=client.pk, number="USD-1", amount="500", currency="USD")
    client.refresh_from_db()
    assert first.amount == D("100000.00")
    assert (client.orders_count, client.orders_total) == (3, D("130000.00"))  # the total is of roubles
    assert client.orders_max == D("100000.00")  # the largest order in roubles
    assert client.last_order_at > first.ordered_at
    summary = selectors.card_orders(user=manager_a, kind="contact", record=client)
    assert (summary.count, summary.average, summary.repeat) == (3, None, True)
    # Each currency's own total and average: 500 $ summed into roubles would mean nothing.
    assert summary.by_currency == [("RUB", D("130000.00"), D("65000.00")), ("USD", D("500.00"), D("500.00"))]
    assert Entry.objects.filter(contact=client, automatic=True, summary__contains="A-1").exists()


def test_cancelled_and_trashed_orders_leave_the_history(manager_a):
    client = make_contact(manager_a, last_name="Орлов", phone="+79161110001")
    kept = make_order(manager_a, contact_id=client.pk, amount=100)
    gone = make_order(manager_a, contact_id=client.pk, amount=900)
    services.order_delete(actor=manager_a, order_id=gone.pk, source=SYSTEM)
    client.refresh_from_db()
    assert (client.orders_count, client.orders_total) == (1, D("100.00"))
    services.order_update(
        actor=manager_a,
        order_id=kept.pk,
        data=OrderInput(amount=100, status=OrderStatus.CANCELLED),
        source=SYSTEM,
    )
    client.refresh_from_db()
    assert (client.orders_count, client.orders_total, client.last_order_at) == (None, None, None)
    services.order_restore(actor=manager_a, order_id=gone.pk, source=SYSTEM)
    client.refresh_from_db()
    assert (client.orders_count, client.orders_total) == (1, D("900.00"))


def test_payments_fill_an_order_until_it_is_paid(manager_a):
    client = make_company(manager_a, name="ООО Ромашка")
    order = make_order(manager_a, company_id=client.pk, amount=1000)
    services.payment_add(actor=manager_a, order_id=order.pk, amount="400", source=SYSTEM)
    order.refresh_from_db()
    assert (order.paid, order.status) == (D("400.00"), OrderStatus.NEW)
    services.payment_add(actor=manager_a, order_id=order.pk, amount="600", source=SYSTEM)
    order.refresh_from_db()
    assert (order.paid, order.status) == (D("1000.00"), OrderStatus.PAID)
    with pytest.raises(ValidationFailed):
        services.payment_add(actor=manager_a, order_id=order.pk, amount="0", source=SYSTEM)


def test_an_order_needs_a_client_the_actor_sees_and_the_deal_rights(manager_a, manager_b, support):
    theirs = make_contact(manager_b, last_name="Чужой", phone="+79161110009")
    with pytest.raises(ValidationFailed) as refused:
        make_order(manager_a)
    assert refused.value.by_field().keys() == {"contact_id"}
    with pytest.raises(NotFound):
        make_order(manager_a, contact_id=theirs.pk)
    with pytest.raises(PermissionDenied):
        make_order(support, contact_id=theirs.pk)
    assert not Order.objects.exists()


def test_orders_are_seen_with_their_clients_card(manager_a, manager_b, head_a):
    mine = make_contact(manager_a, last_name="Орлов", phone="+79161110001")
    order = make_order(manager_a, contact_id=mine.pk)
    assert selectors.order_get(user=head_a, pk=order.pk) == order
    with pytest.raises(NotFound):
        selectors.order_get(user=manager_b, pk=order.pk)
    assert selectors.order_list(user=manager_b).items == []


def test_cancelling_an_order_keeps_it_and_takes_it_out_of_the_history(client, manager_a):
    from django.urls import reverse

    person = make_contact(manager_a, last_name="Орлов", phone="+79161110001")
    order = make_order(
        manager_a, contact_id=person.pk, amount=500, lines=[LineInput(name="Запчасти", price="500")]
    )
    client.force_login(manager_a)
    assert client.post(reverse("deals:order_cancel", args=[order.pk])).status_code == 302
    order.refresh_from_db()
    person.refresh_from_db()
    assert (order.status, order.items.count(), order.deleted_at) == (OrderStatus.CANCELLED, 1, None)
    assert (person.orders_count, person.orders_total) == (None, None)
    journal = AuditEntry.objects.filter(object_type="deals.order", object_id=order.pk).latest("id")
    assert journal.changes == {"status": ["new", "cancelled"]}


def test_the_api_lists_orders_with_their_lines_in_a_fixed_number_of_queries(
    client, manager_a, django_assert_max_num_queries
):
    from crm.accounts.services import api_token_create

    person = make_contact(manager_a, last_name="Орлов", phone="+79161110001")
    _, token = api_token_create(actor=manager_a, name="t", source=SYSTEM)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    make_order(manager_a, contact_id=person.pk, lines=[LineInput(name="Первая", price="1")])
    with django_assert_max_num_queries(20) as few:
        client.get("/api/v1/orders", **headers)
    for n in range(10):
        make_order(manager_a, contact_id=person.pk, lines=[LineInput(name=f"Строка {n}", price="1")])
    with django_assert_max_num_queries(len(few.captured_queries)):
        listed = client.get("/api/v1/orders", **headers).json()
    assert len(listed["items"]) == 11
    assert all(len(o["lines"]) == 1 for o in listed["items"])


def test_the_largest_amount_accepted_is_read_back_whole_on_either_database(admin):
    from crm.deals.money import MAX_AMOUNT

    make_product(sku="MAX-1", name="Дорогой", price=str(MAX_AMOUNT))

    assert list(Product.objects.values_list("price", flat=True)) == [MAX_AMOUNT]
    with pytest.raises(ValidationFailed):
        make_product(sku="MAX-2", name="Дороже", price=str(MAX_AMOUNT + D("0.01")))


def test_an_order_takes_its_products_out_of_the_stock_and_gives_them_back_when_cancelled_or_trashed(
    manager_a, admin
):
    tracked = make_product(sku="ST-9", name="Станок", stock=10)
    service = make_product(sku="SRV", name="Наладка")  # no stock kept: a service
    client = make_contact(manager_a, "Склад", "Клиент")

    def stock():
        return Product.objects.get(pk=tracked.pk).stock

    order = make_order(
        manager_a,
        contact_id=client.pk,
        lines=[
            LineInput(product_id=tracked.pk, quantity="2"),
            LineInput(product_id=tracked.pk, quantity="1"),
            LineInput(product_id=service.pk, quantity="1"),
        ],
    )
    after_create = stock()
    services.order_update(
        actor=manager_a,
        order_id=order.pk,
        data=OrderInput(lines=[LineInput(product_id=tracked.pk, quantity="5")]),
        source=SYSTEM,
    )
    after_update = stock()
    services.order_cancel(actor=manager_a, order_id=order.pk, source=SYSTEM)
    after_cancel = stock()
    second = make_order(
        manager_a, contact_id=client.pk, lines=[LineInput(product_id=tracked.pk, quantity="4")]
    )
    services.order_delete(actor=manager_a, order_id=second.pk, source=SYSTEM)
    after_trash = stock()
    services.order_restore(actor=manager_a, order_id=second.pk, source=SYSTEM)

    assert (after_create, after_update, after_cancel, after_trash) == (7, 5, 10, 10)
    assert stock() == 6
    assert Product.objects.get(pk=service.pk).stock is None


def test_the_card_shows_each_currencys_total_where_the_client_buys_in_several(client, manager_a):
    from django.urls import reverse

    buyer = make_contact(manager_a, last_name="Валютов")
    make_order(manager_a, contact_id=buyer.pk, amount="30 000")
    make_order(manager_a, contact_id=buyer.pk, amount="1 200", currency="USD")
    client.force_login(manager_a)

    card = client.get(reverse("contacts:contact_detail", args=[buyer.pk])).content.decode()

    assert 'data-testid="totals-by-currency"' in card
    assert "30\u00a0000\u00a0₽" in card
    assert "1\u00a0200\u00a0$" in card
