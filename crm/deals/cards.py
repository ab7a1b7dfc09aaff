"""The deals section on person and company cards, and trashed deals on the trash page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from crm.accounts import access
from crm.core.business import register_open_business
from crm.core.cards import register_card_section, register_trash_section
from crm.deals import selectors, standard_fields
from crm.deals.visibility import KIND


def _card_deals(request: HttpRequest, kind: str, record: Any) -> selectors.CardDeals:
    """The card's deals, read once per request: the section shows them, the next-step flag asks of them."""
    cache = request.__dict__.setdefault("_card_deals", {})
    if (kind, record.pk) not in cache:
        cache[(kind, record.pk)] = selectors.card_deals(user=request.user, kind=kind, record=record)
    found: selectors.CardDeals = cache[(kind, record.pk)]
    return found


def has_open_deal(request: HttpRequest, kind: str, record: Any) -> bool:
    if kind not in ("contact", "company") or not access.has_perm(request.user, KIND, "view"):
        return False
    return _card_deals(request, kind, record).open_count > 0


def deals_section(request: HttpRequest, kind: str, record: Any) -> SafeString | None:
    if kind not in ("contact", "company") or not access.has_perm(request.user, KIND, "view"):
        return None
    found = _card_deals(request, kind, record)
    context = {
        "kind": kind,
        "record": record,
        "found": found,
        "can_create": access.has_perm(request.user, KIND, "create"),
        # The role's sight of deal amounts; a candidate's has none (its type's).
        "show_amount": standard_fields.shown(request.user, None)["amount"],
        "no_amount_types": standard_fields.types_without("amount"),
    }
    return SafeString(render_to_string("deals/_card_deals.html", context, request=request))


def orders_section(request: HttpRequest, kind: str, record: Any) -> SafeString | None:
    if kind not in ("contact", "company") or not access.has_perm(request.user, KIND, "view"):
        return None
    found = selectors.card_orders(user=request.user, kind=kind, record=record)
    context = {
        "kind": kind,
        "record": record,
        "found": found,
        "can_create": access.has_perm(request.user, KIND, "create"),
    }
    return SafeString(render_to_string("deals/_card_orders.html", context, request=request))


def trash_section(request: HttpRequest) -> SafeString | None:
    deals = selectors.trashed_deals(user=request.user)
    orders = selectors.trashed_orders(user=request.user)
    if not deals and not orders:
        return None
    return SafeString(
        render_to_string("deals/_trash.html", {"deals": deals, "orders": orders}, request=request)
    )


def register() -> None:
    register_card_section("deals", deals_section, order=4)
    register_card_section("orders", orders_section, order=6)
    register_trash_section("deals", trash_section, order=15)
    register_open_business("deals", selectors.open_deal_q, has_open_deal)
