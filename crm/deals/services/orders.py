"""Orders and payments on clients (R4.5), and the client's purchase history kept on its card.

An order belongs to a person and/or a company the actor sees; writing one needs the deal rights of the
actor's role. Every write recounts the client's ``orders_count``, ``orders_total`` (roubles) and
``last_order_at`` in the same transaction, from the client's orders (one aggregate query each). A live
order that is not cancelled holds its products' quantities out of their stock (where it is tracked): the
writes take them and give them back as the order is made, changed, cancelled, trashed or restored."""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import User
from crm.contacts.models import Company, Contact
from crm.contacts.services.common import visible_cards
from crm.core.audit import ChangeSource, audit_record, diff
from crm.core.errors import (
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    date_range_error,
    holds_nul,
    too_long,
    unstorable,
)
from crm.core.events import system_entry
from crm.core.models import AuditAction
from crm.deals.models import DEFAULT_CURRENCY, Deal, Order, OrderItem, OrderStatus, Payment, Product
from crm.deals.money import CURRENCIES, money, parse_amount
from crm.deals.services.lines import LineInput, clean_lines, lines_text
from crm.deals.visibility import KIND
from crm.scoring.models import Action
from crm.scoring.services import signals_note

TOTAL_CURRENCY = DEFAULT_CURRENCY  # the card's total is of orders in this currency


@dataclass
class OrderInput:
    contact_id: int | None = None
    company_id: int | None = None
    deal_id: int | None = None
    number: str = ""
    ordered_at: datetime.datetime | None = None  # default: now
    currency: str = DEFAULT_CURRENCY
    amount: decimal.Decimal | int | str | None = None  # an order without lines; with lines, their sum
    status: str = OrderStatus.NEW
    lines: list[LineInput] = field(default_factory=list)


def order_create(*, actor: User, data: OrderInput, source: ChangeSource) -> Order:
    access.require(actor, KIND, "create")
    with transaction.atomic():
        contact, company = visible_cards(actor, data.contact_id, data.company_id)
        clean, lines = _clean(actor, data, None)
        order = Order(**clean, contact=contact, company=company, created_by=actor if actor.pk else None)
        order.save()
        OrderItem.objects.bulk_create(OrderItem(order=order, **line) for line in lines)
        if _holds_stock(order):
            _move_stock(_taken(lines), -1)
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.CREATE,
            obj=order,
            changes=diff({}, _values(order) | {"lines": lines_text(lines)}),
        )
        recount_clients(contact_ids=[order.contact_id], company_ids=[order.company_id])
        signals_note(rows=[(order.contact_id, Action.ORDERED, order.ordered_at)], channel=source.channel)
        if contact or company:
            words = {"number": str(order), "amount": money(order.amount, order.currency)}
            system_entry(
                summary=gettext("Order %(number)s: %(amount)s.") % words,
                actor=actor,
                contact_id=order.contact_id,
                company_id=order.company_id,
            )
    return order


def order_update(*, actor: User, order_id: int, data: OrderInput, source: ChangeSource) -> Order:
    """Change an order: its number, date, status, currency, lines (or amount). Its client stays."""
    with transaction.atomic():
        order = _locked(actor, order_id, "edit")
        before = _values(order) | {"lines": lines_text([dict(row) for row in order.items.values()])}
        keep = set(order.items.exclude(product=None).values_list("product_id", flat=True))
        held = _taken(order.items.values("product_id", "quantity")) if _holds_stock(order) else {}
        data.contact_id, data.company_id = order.contact_id, order.company_id
        clean, lines = _clean(actor, data, order, keep=keep)
        for key, value in clean.items():
            setattr(order, key, value)
        order.updated_at = timezone.now()
        order.save()
        order.items.all().delete()
        OrderItem.objects.bulk_create(OrderItem(order=order, **line) for line in lines)
        _move_stock(held, +1)  # what the order held goes back, and what it holds now is taken
        _move_stock(_taken(lines) if _holds_stock(order) else {}, -1)
        changes = diff(before, _values(order) | {"lines": lines_text(lines)})
        if changes:
            audit_record(actor=actor, source=source, action=AuditAction.UPDATE, obj=order, changes=changes)
        recount_clients(contact_ids=[order.contact_id], company_ids=[order.company_id])
    return order


def order_cancel(*, actor: User, order_id: int, source: ChangeSource) -> Order:
    """Cancel an order: it stays, with its lines and payments, and leaves the purchase history."""
    with transaction.atomic():
        order = _locked(actor, order_id, "edit")
        if order.status == OrderStatus.CANCELLED:
            return order
        before = order.status
        order.status = OrderStatus.CANCELLED
        order.updated_at = timezone.now()
        order.save(update_fields=["status", "updated_at"])
        _move_stock(_taken(order.items.values("product_id", "quantity")), +1)
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.UPDATE,
            obj=order,
            changes={"status": [before, OrderStatus.CANCELLED.value]},
        )
        recount_clients(contact_ids=[order.contact_id], company_ids=[order.company_id])
    return order


def order_delete(*, actor: User, order_id: int, source: ChangeSource) -> Order:
    with transaction.atomic():
        order = _locked(actor, order_id, "delete")
        order.deleted_at, order.deleted_by = timezone.now(), actor
        order.save(update_fields=["deleted_at", "deleted_by"])
        if order.status != OrderStatus.CANCELLED:
            _move_stock(_taken(order.items.values("product_id", "quantity")), +1)
        audit_record(actor=actor, source=source, action=AuditAction.DELETE, obj=order)
        recount_clients(contact_ids=[order.contact_id], company_ids=[order.company_id])
    return order


def order_restore(*, actor: User, order_id: int, source: ChangeSource) -> Order:
    with transaction.atomic():
        order = _locked(actor, order_id, "delete", trash=True)
        order.deleted_at, order.deleted_by = None, None
        order.save(update_fields=["deleted_at", "deleted_by"])
        if _holds_stock(order):
            _move_stock(_taken(order.items.values("product_id", "quantity")), -1)
        audit_record(actor=actor, source=source, action=AuditAction.RESTORE, obj=order)
        recount_clients(contact_ids=[order.contact_id], company_ids=[order.company_id])
    return order


def payment_add(
    *,
    actor: User,
    order_id: int,
    amount: Any,
    source: ChangeSource,
    paid_at: datetime.datetime | None = None,
    note: str = "",
) -> Payment:
    """Money received for an order: the order's ``paid`` grows, and a fully paid order is marked paid."""
    with transaction.atomic():
        order = _locked(actor, order_id, "edit")
        errors: list[FieldError] = []
        value = parse_amount(amount, "amount", errors)
        if not errors and value <= 0:
            errors.append(FieldError("amount", "invalid", _("Enter the sum received, above 0.")))
        when = paid_at or timezone.now()
        if (wrong := date_range_error("paid_at", when)) is not None:
            errors.append(wrong)
        if holds_nul(note):
            errors.append(unstorable("note"))
        if order.status == OrderStatus.CANCELLED:
            errors.append(FieldError("order_id", "cancelled", _("The order is cancelled.")))
        if errors:
            raise ValidationFailed(errors)
        payment = Payment.objects.create(
            order=order, amount=value, paid_at=when, note=" ".join(note.split())[:255], by=actor
        )
        before = {"paid": order.paid, "status": order.status}
        order.paid += value
        if order.paid >= order.amount:
            order.status = OrderStatus.PAID
        order.updated_at = timezone.now()
        order.save(update_fields=["paid", "status", "updated_at"])
        changes = diff(before, {"paid": order.paid, "status": order.status})
        audit_record(actor=actor, source=source, action=AuditAction.UPDATE, obj=order, changes=changes)
        recount_clients(contact_ids=[order.contact_id], company_ids=[order.company_id])
    return payment


def recount_clients(*, contact_ids: list[int | None], company_ids: list[int | None]) -> None:
    """The purchase history on each client's card, from its orders that count (live, not cancelled);
    the total and the largest of those in ``TOTAL_CURRENCY``."""
    counted = Q(deleted_at__isnull=True) & ~Q(status=OrderStatus.CANCELLED)
    for model, column, ids in ((Contact, "contact_id", contact_ids), (Company, "company_id", company_ids)):
        for pk in {i for i in ids if i is not None}:
            found = Order.objects.filter(counted, **{column: pk}).aggregate(
                n=Count("id"),
                total=Sum("amount", filter=Q(currency=TOTAL_CURRENCY)),
                largest=Max("amount", filter=Q(currency=TOTAL_CURRENCY)),
                last=Max("ordered_at"),
            )
            model.objects.filter(pk=pk).update(
                orders_count=found["n"] or None,
                orders_total=found["total"] if found["n"] else None,
                orders_max=found["largest"],
                last_order_at=found["last"],
            )


def orders_move(*, from_contact_id: int, to_contact_id: int, order_ids: list[int] | None = None) -> list[int]:
    """A person's orders go to another card (a merge, or its undo); both cards' histories are recounted.
    The caller checks the rights and journals the merge."""
    orders = Order.objects.filter(contact_id=from_contact_id)
    if order_ids is not None:
        orders = orders.filter(pk__in=order_ids)
    moved = list(orders.values_list("pk", flat=True))
    Order.objects.filter(pk__in=moved).update(contact_id=to_contact_id)
    recount_clients(contact_ids=[from_contact_id, to_contact_id], company_ids=[])
    return moved


def _locked(actor: User, order_id: int, action: str, *, trash: bool = False) -> Order:
    order = (
        Order.objects.select_for_update(of=("self",))
        .visible_to(actor, trash=trash)
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise NotFound
    if not access.has_perm(actor, KIND, action):
        raise PermissionDenied(f"{action} order")
    return order


def _clean(
    actor: User, data: OrderInput, current: Order | None, keep: set[int] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    errors: list[FieldError] = []
    if data.contact_id is None and data.company_id is None:
        errors.append(FieldError("contact_id", "required", _("Choose the client: a person or a company.")))
    if holds_nul(data.number):
        errors.append(unstorable("number"))
    number = " ".join((data.number or "").split())
    if len(number) > 64:
        errors.append(too_long("number", 64))
    ordered_at = data.ordered_at or (current.ordered_at if current else timezone.now())
    if (wrong := date_range_error("ordered_at", ordered_at)) is not None:
        errors.append(wrong)
    elif timezone.is_naive(ordered_at):
        ordered_at = timezone.make_aware(ordered_at)
    currency = (data.currency or DEFAULT_CURRENCY).strip().upper()
    if currency not in CURRENCIES:
        errors.append(FieldError("currency", "invalid", _("Choose a currency from the list.")))
    if data.status not in OrderStatus.values:
        errors.append(FieldError("status", "invalid", _("Choose new, paid or cancelled.")))
    deal_id = None
    if data.deal_id is not None:
        deal = Deal.objects.visible_to(actor).filter(pk=data.deal_id).first()
        if deal is None:
            errors.append(FieldError("deal_id", "invalid", _("Choose a deal you see.")))
        else:
            deal_id = deal.pk
    lines = clean_lines(data.lines, errors, keep=keep)
    amount = (
        sum((line["amount"] for line in lines), decimal.Decimal(0))
        if lines
        else parse_amount(data.amount, "amount", errors)
    )
    if errors:
        raise ValidationFailed(errors)
    return {
        "number": number,
        "ordered_at": ordered_at,
        "currency": currency,
        "status": data.status,
        "amount": amount,
        "deal_id": deal_id,
    }, lines


def _holds_stock(order: Order) -> bool:
    """A live order that is not cancelled holds its products' quantities out of the stock."""
    return order.deleted_at is None and order.status != OrderStatus.CANCELLED


def _taken(lines: Any) -> dict[int, decimal.Decimal]:
    """How much of each product the lines take (a product on several lines counted once)."""
    taken: dict[int, decimal.Decimal] = {}
    for line in lines:
        if line.get("product_id"):
            taken[line["product_id"]] = taken.get(line["product_id"], decimal.Decimal(0)) + line["quantity"]
    return taken


def _move_stock(quantities: dict[int, decimal.Decimal], sign: int) -> None:
    """Take the quantities out of the products' stock (``sign`` -1) or give them back (+1), for products
    whose stock is tracked; it may go below zero (sold ahead of a delivery), which the catalogue shows."""
    for product_id, quantity in sorted(quantities.items()):  # in one order: two orders never deadlock
        Product.objects.filter(pk=product_id, stock__isnull=False).update(stock=F("stock") + sign * quantity)


def _values(order: Order) -> dict[str, Any]:
    return {
        "number": order.number,
        "ordered_at": order.ordered_at,
        "amount": order.amount,
        "currency": order.currency,
        "status": order.status,
        "paid": order.paid,
        "contact": str(order.contact) if order.contact_id else None,
        "company": str(order.company) if order.company_id else None,
    }
