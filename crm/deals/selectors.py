"""Reads of deals, always from ``Deal.objects.visible_to(user)`` (crm/deals/visibility.py): the board of
a pipeline, the list, a deal's page and the deals section of a client's card."""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from crm.accounts import access
from crm.accounts.models import User
from crm.contacts.models import Company, Contact
from crm.core import folding
from crm.core.audit import without_keys
from crm.core.errors import NotFound
from crm.core.ids import form_id
from crm.core.models import AuditEntry
from crm.core.pagination import Page, SortKey, paginate
from crm.deals import standard_fields
from crm.deals.models import (
    DEFAULT_CURRENCY,
    LOSS_REASON_LIST,
    SOURCE_LIST,
    Deal,
    DealItem,
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    Pipeline,
    Product,
    Stage,
    StageChange,
    StageKind,
)
from crm.deals.money import read_number
from crm.deals.visibility import KIND
from crm.fields import values as custom_values
from crm.fields.schema import Option, schema_for

CLOSED_DAYS = 30
PER_COLUMN = 30  # cards a board column shows at first; "more" pages on by the same key
NEWEST_IN_STAGE = SortKey("stage_entered_at", descending=True)

# What a board card or a list row shows: the deal's own columns and its client's and owner's names.
ROW_FIELDS = (
    "id",
    "title",
    "pipeline_id",
    "stage_id",
    "status",
    "amount",
    "currency",
    "expected_close",
    "stage_entered_at",
    "stage_due_at",
    "created_at",
    "owner_id",
    "contact_id",
    "company_id",
    "source_id",
    "record_type_id",
    "custom",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
    "contact__last_name",
    "contact__first_name",
    "contact__middle_name",
    "company__name",
)


@dataclass
class Filters:
    """The board's and the list's filters, as the request gave them (bad ids find nothing)."""

    owner_id: int | None = None
    source_id: int | None = None
    amount_from: decimal.Decimal | None = None
    amount_to: decimal.Decimal | None = None
    q: str = ""
    status: str = ""
    stage_id: int | None = None
    tag: str = ""
    where: Q | None = None  # a condition the caller built (a segment of deals), applied as it is

    @classmethod
    def from_query(cls, query: Any, user: Any = None) -> Filters:
        """The filters of a board's or a list's address; for ``user``, none on a field hidden from their
        role (a range of amounts would tell a hidden amount)."""
        seen = (
            standard_fields.shown(user, None)
            if user is not None
            else dict.fromkeys(standard_fields.KEYS, True)
        )
        return cls(
            owner_id=form_id(query.get("owner")),
            source_id=form_id(query.get("source")) if seen["source"] else None,
            amount_from=_decimal(query.get("amount_from")) if seen["amount"] else None,
            amount_to=_decimal(query.get("amount_to")) if seen["amount"] else None,
            q=" ".join(str(query.get("q", "")).split())[:100],
            status=query.get("status", "") if query.get("status", "") in StageKind.values else "",
            stage_id=form_id(query.get("stage")),
            tag=" ".join(str(query.get("tag", "")).split())[:64] if seen["tags"] else "",
        )


def _decimal(value: Any) -> decimal.Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = read_number(value)
    except (decimal.InvalidOperation, ValueError):
        return None
    return number if number.is_finite() and abs(number) < 10**15 else None


def _filtered(user: User, filters: Filters) -> QuerySet[Deal]:
    qs: QuerySet[Deal] = Deal.objects.visible_to(user)
    if filters.owner_id is not None:
        qs = qs.filter(owner_id=filters.owner_id)
    if filters.source_id is not None:
        qs = qs.filter(
            source_id__in=schema_for("contact").ids_meaning(filters.source_id) or [filters.source_id]
        )
    if filters.amount_from is not None:
        qs = qs.filter(amount__gte=filters.amount_from)
    if filters.amount_to is not None:
        qs = qs.filter(amount__lte=filters.amount_to)
    if filters.q:
        qs = qs.filter(folding.contains("title", filters.q))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.stage_id is not None:
        qs = qs.filter(stage_id=filters.stage_id)
    if filters.tag:
        qs = qs.filter(tags__key=filters.tag.casefold())
    if filters.where is not None:
        qs = qs.filter(filters.where)
    return qs


def _rows(qs: QuerySet[Deal]) -> QuerySet[Deal]:
    return qs.select_related("owner", "contact", "company").only(*ROW_FIELDS)


def pipelines(*, user: User, with_inactive: bool = False) -> list[Pipeline]:
    """The pipelines with their stages in order (two queries)."""
    qs = Pipeline.objects.prefetch_related("stages")
    if not with_inactive:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("order", "id"))


def pipeline_get(*, pk: int | None, with_inactive: bool = False) -> Pipeline:
    qs = Pipeline.objects.prefetch_related("stages")
    if not with_inactive:
        qs = qs.filter(is_active=True)
    pipeline = qs.filter(pk=pk).first() if pk is not None else qs.order_by("order", "id").first()
    if pipeline is None:
        raise NotFound
    return pipeline


@dataclass
class Column:
    stage: Stage
    deals: list[Deal]
    count: int = 0
    totals: list[tuple[str, decimal.Decimal]] = field(default_factory=list)  # per currency, roubles first
    next_cursor: str | None = None


def closed_since() -> datetime.datetime:
    """The won and lost columns show the deals closed since this moment: a board is today's work, and a
    team's years of closed deals would only bury it (the list shows them all)."""
    return timezone.now() - datetime.timedelta(days=CLOSED_DAYS)


def board(*, user: User, pipeline: Pipeline, filters: Filters, per_column: int = PER_COLUMN) -> list[Column]:
    """A pipeline's columns: their counts and sums (``column_sums``), then the first cards of each stage
    by its own index range."""
    since = closed_since()
    sums = column_sums(user=user, pipeline_id=pipeline.pk, filters=filters, since=since)
    columns = []
    for stage in pipeline.stages.all():
        found = sums.get(stage.pk, {"count": 0, "totals": []})
        if found["count"]:
            page = column_page(user=user, stage=stage, filters=filters, limit=per_column, since=since)
            deals, cursor = page.items, page.next_cursor
        else:
            deals, cursor = [], None
        columns.append(
            Column(stage=stage, deals=deals, count=found["count"], totals=found["totals"], next_cursor=cursor)
        )
    return columns


def column_sums(
    *,
    user: User,
    pipeline_id: int,
    filters: Filters,
    since: datetime.datetime | None = None,
    stage_ids: list[int] | None = None,
) -> dict[int, dict[str, Any]]:
    """Each column's count and sums per currency: the open stages' in one aggregate query, the won and
    lost ones' (closed since ``since``) in another, both read from covering indexes
    (``deal_open_sums_idx``, ``deal_closed_sums_idx``); ``stage_ids`` narrows them to a few columns (the
    two a drop changed)."""
    qs = _filtered(user, filters).filter(pipeline_id=pipeline_id)
    if stage_ids is not None:
        qs = qs.filter(stage_id__in=stage_ids)
    parts = (
        qs.filter(status=StageKind.OPEN),
        qs.filter(status__in=(StageKind.WON, StageKind.LOST), stage_entered_at__gte=since or closed_since()),
    )
    sums: dict[int, dict[str, Any]] = {}
    for part in parts:
        for row in (
            part.order_by().values("stage_id", "currency").annotate(n=Count("id"), total=Sum("amount"))
        ):
            column = sums.setdefault(row["stage_id"], {"count": 0, "totals": []})
            column["count"] += row["n"]
            column["totals"].append((row["currency"], row["total"] or decimal.Decimal(0)))
    for column in sums.values():
        column["totals"].sort(key=lambda t: (t[0] != "RUB", t[0]))
    return sums


def column_page(
    *,
    user: User,
    stage: Stage,
    filters: Filters,
    cursor: str | None = None,
    limit: int = PER_COLUMN,
    since: datetime.datetime | None = None,
) -> Page[Deal]:
    """The cards of one column, newest arrivals first, page by page (a won or lost column: those closed
    since ``since``, by default the last ``CLOSED_DAYS``)."""
    qs = _rows(_filtered(user, filters).filter(stage_id=stage.pk))
    if stage.kind != StageKind.OPEN:
        qs = qs.filter(stage_entered_at__gte=since or closed_since())
    return paginate(qs, NEWEST_IN_STAGE, cursor, limit, count_total=False)


LIST_SORTS = {
    "new": SortKey("created_at", descending=True),
    "moved": NEWEST_IN_STAGE,
    "amount": SortKey("amount", descending=True),
    "close": SortKey("expected_close", nullable=True),
}


def deal_list(
    *,
    user: User,
    filters: Filters,
    pipeline_id: int | None = None,
    sort: str = "new",
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Deal]:
    qs = _filtered(user, filters)
    if pipeline_id is not None:
        qs = qs.filter(pipeline_id=pipeline_id)
    rows = _rows(qs).select_related("stage", "pipeline").prefetch_related("tags")
    return paginate(rows, LIST_SORTS.get(sort, LIST_SORTS["new"]), cursor, limit)


def deals_for_export(*, user: User, filters: Filters, pipeline_id: int | None = None) -> QuerySet[Deal]:
    """The deals list as a file has it: every deal the user sees with the list's filters (or a segment's
    condition), newest first, with what its columns name read along (a few queries per chunk)."""
    qs = _filtered(user, filters)
    if pipeline_id is not None:
        qs = qs.filter(pipeline_id=pipeline_id)
    related = qs.select_related("owner", "contact", "company", "stage", "pipeline").prefetch_related("tags")
    return related.order_by("-created_at", "-id")


def type_of(*, stage_id: Any = None, pipeline_id: Any = None, deal: Deal | None = None) -> int | None:
    """The record type a deal has, or would have at this stage or in this pipeline: its pipeline's."""
    stage = Stage.objects.filter(pk=stage_id).select_related("pipeline").first() if stage_id else None
    if stage is not None:
        return stage.pipeline.record_type_id
    if pipeline_id:
        found = Pipeline.objects.filter(pk=pipeline_id).values_list("record_type_id", flat=True).first()
        if found is not None or Pipeline.objects.filter(pk=pipeline_id).exists():
            return found
    if deal is not None:
        return deal.record_type_id
    first = (
        Pipeline.objects.filter(is_active=True)
        .order_by("order", "id")
        .values_list("record_type_id", flat=True)
    )
    return first.first()


def custom_card(*, user: User, deal: Deal) -> dict[str, Any]:
    """The deal's custom values its viewer may see, by group, as a card shows them (the fields app's)."""
    schema = schema_for(KIND)
    custom = deal.custom or {}
    names = custom_values.user_names(schema, [custom])
    return {
        "groups": custom_values.shown_groups(schema, user, deal.record_type_id, custom, names),
        "off_type": custom_values.off_type_values(schema, user, deal.record_type_id, custom, names),
    }


def deal_get(*, user: User, pk: int, trash: bool = False) -> Deal:
    deal = (
        Deal.objects.visible_to(user, trash=trash)
        .filter(pk=pk)
        .select_related("stage", "pipeline", "owner", "contact", "company", "stage__responsible")
        .prefetch_related("tags")
        .first()
    )
    if deal is None:
        raise NotFound
    return deal


def stage_history(*, deal: Deal) -> list[StageChange]:
    """The deal's moves, newest first (the deal was read through the read rule)."""
    return list(deal.stage_changes.select_related("from_stage", "to_stage", "by").order_by("-at", "-id"))


CARD_LIMIT = 20


@dataclass
class CardDeals:
    deals: list[Deal]
    open_count: int
    open_totals: list[tuple[str, decimal.Decimal]]
    more: bool


def card_deals(*, user: User, kind: str, record: Any) -> CardDeals:
    """A client's deals the user sees: open ones first, then the latest closed; the open sum. One query
    for a client with up to ``CARD_LIMIT`` deals (the card's own budget); a second sums the open ones of a
    client with more."""
    qs = Deal.objects.visible_to(user).filter(**{f"{kind}_id": record.pk})
    rows = list(qs.select_related("stage").order_by("-stage_entered_at", "-id")[: CARD_LIMIT + 1])
    rows.sort(key=lambda d: d.status != StageKind.OPEN)  # stable: newest first within each part
    if len(rows) <= CARD_LIMIT:
        sums: dict[str, list[Any]] = {}
        for deal in rows:
            if deal.status == StageKind.OPEN:
                found = sums.setdefault(deal.currency, [0, decimal.Decimal(0)])
                found[0] += 1
                found[1] += deal.amount
        totals = [(currency, n, total) for currency, (n, total) in sums.items()]
    else:
        totals = list(
            qs.filter(status=StageKind.OPEN)
            .order_by()
            .values("currency")
            .annotate(n=Count("id"), total=Sum("amount"))
            .values_list("currency", "n", "total")
        )
    return CardDeals(
        deals=rows[:CARD_LIMIT],
        open_count=sum(n for _c, n, _t in totals),
        open_totals=sorted(((c, t) for c, _n, t in totals), key=lambda t: (t[0] != "RUB", t[0])),
        more=len(rows) > CARD_LIMIT,
    )


def open_deal_q(kind: str) -> Q:
    """Cards (of ``kind``) with an open deal: open business for the "no next step" list (R3.3)."""
    return Q(
        Exists(Deal.objects.filter(**{f"{kind}_id": OuterRef("pk")}, status=StageKind.OPEN, deleted_at=None))
    )


def trashed_deals(*, user: User) -> list[Deal]:
    return list(
        Deal.objects.visible_to(user, trash=True, action="delete")
        .select_related("stage")
        .order_by("-deleted_at")[:100]
    )


def sources(keep: Any = None) -> list[Option]:
    return schema_for("contact").list_choices(SOURCE_LIST, keep=keep)


def loss_reasons(keep: Any = None) -> list[Option]:
    return schema_for("contact").list_choices(LOSS_REASON_LIST, keep=keep)


def stage_get(*, pk: int) -> Stage | None:
    return Stage.objects.select_related("pipeline").filter(pk=pk).first()


# The journal's keys each configurable standard field of a deal stands for.
JOURNAL_KEYS = {
    "amount": ("amount", "currency", "lines"),
    "expected_close": ("expected_close",),
    "source": ("source",),
    "tags": ("tags",),
}


def deal_journal(*, deal: Deal, limit: int = 50, user: User | None = None) -> list[AuditEntry]:
    """The deal's journal; values of fields hidden from ``user`` (their role, or the deal's type) are taken
    out of each entry, and an update left with nothing is not shown."""
    entries = list(
        AuditEntry.objects.filter(object_type="deals.deal", object_id=deal.pk).order_by("-at", "-id")[:limit]
    )
    if user is None:
        return entries
    schema = schema_for(KIND)
    shown_std = standard_fields.shown(user, deal.record_type_id)
    hidden = {name for key, names in JOURNAL_KEYS.items() if not shown_std[key] for name in names}
    hidden |= {
        f"custom.{spec.key}"
        for spec in schema.custom(active_only=False)
        if not schema.can_see(user, spec.key)
    }
    return without_keys(entries, hidden)


def option_label(pk: int | None) -> str:
    option = schema_for("contact").option(pk) if pk else None
    return option.label if option else ""


@dataclass
class ClientNames:
    contact: str = ""
    company: str = ""


def client_names(*, user: User, contact_id: int | None, company_id: int | None) -> ClientNames:
    """The names a deal form shows for the client ids it carries, when the user sees those cards."""
    contact = Contact.objects.visible_to(user).filter(pk=contact_id).first() if contact_id else None
    company = Company.objects.visible_to(user).filter(pk=company_id).first() if company_id else None
    return ClientNames(contact=str(contact) if contact else "", company=str(company) if company else "")


# Products and orders (R4.5)


def products(*, query: str = "", with_inactive: bool = False, limit: int = 500) -> list[Product]:
    """The catalogue by name (anyone who works with deals reads it), narrowed by words of the name or
    the SKU."""
    qs = Product.objects.all()
    if not with_inactive:
        qs = qs.filter(is_active=True)
    words = " ".join(query.split())[:100]
    if words:
        qs = qs.filter(folding.contains("name", words) | folding.contains("sku", words))
    return list(qs.order_by("name", "id")[:limit])


def product_get(*, pk: int) -> Product:
    product = Product.objects.filter(pk=pk).first()
    if product is None:
        raise NotFound
    return product


def deal_lines(*, deal: Deal) -> list[DealItem]:
    return list(deal.items.select_related("product").order_by("position", "id"))


@dataclass
class CardOrders:
    orders: list[Order]
    count: int
    total: decimal.Decimal
    average: decimal.Decimal | None
    last_at: datetime.datetime | None
    repeat: bool  # bought more than once
    # Each currency's total and average order, roubles first, where the client ordered in several
    # (the card keeps the roubles' total only: summing other currencies into it would mean nothing).
    by_currency: list[tuple[str, decimal.Decimal, decimal.Decimal]] = field(default_factory=list)


ORDERS_ON_CARD = 10


def card_orders(*, user: User, kind: str, record: Any) -> CardOrders:
    """The client's purchase history as the card shows it: the numbers its services keep on the card,
    and its latest orders (one query, and none for a client who never ordered)."""
    orders = (
        []
        if not record.orders_count
        else list(
            Order.objects.visible_to(user)
            .filter(**{f"{kind}_id": record.pk})
            .order_by("-ordered_at", "-id")[:ORDERS_ON_CARD]
        )
    )
    count = record.orders_count or 0
    total = record.orders_total or decimal.Decimal(0)
    cent = decimal.Decimal("0.01")
    average = (total / count).quantize(cent) if count else None
    by_currency: list[tuple[str, decimal.Decimal, decimal.Decimal]] = []
    if count:  # one grouped query: does the client buy in other currencies too?
        counted = Order.objects.filter(deleted_at__isnull=True, **{f"{kind}_id": record.pk}).exclude(
            status=OrderStatus.CANCELLED
        )
        grouped = counted.order_by().values("currency").annotate(n=Count("id"), sum=Sum("amount"))
        rows = sorted(grouped, key=lambda r: (r["currency"] != DEFAULT_CURRENCY, r["currency"]))
        if any(r["currency"] != DEFAULT_CURRENCY for r in rows):
            by_currency = [(r["currency"], r["sum"], (r["sum"] / r["n"]).quantize(cent)) for r in rows]
            average = None  # each currency's own, in ``by_currency``
    return CardOrders(
        orders=orders,
        count=count,
        total=total,
        average=average,
        last_at=record.last_order_at,
        repeat=count > 1,
        by_currency=by_currency,
    )


def order_get(*, user: User, pk: int, trash: bool = False) -> Order:
    order = (
        Order.objects.visible_to(user, trash=trash)
        .filter(pk=pk)
        .select_related("contact", "company", "deal")
        .first()
    )
    if order is None:
        raise NotFound
    return order


def order_lines(*, order: Order) -> list[OrderItem]:
    return list(order.items.select_related("product").order_by("position", "id"))


def order_payments(*, order: Order) -> list[Payment]:
    return list(order.payments.select_related("by").order_by("paid_at", "id"))


def order_list(
    *,
    user: User,
    contact_id: int | None = None,
    company_id: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Order]:
    lines = Prefetch("items", queryset=OrderItem.objects.order_by("position", "id"))
    qs = Order.objects.visible_to(user).select_related("contact", "company").prefetch_related(lines)
    if contact_id is not None:
        qs = qs.filter(contact_id=contact_id)
    if company_id is not None:
        qs = qs.filter(company_id=company_id)
    return paginate(qs, SortKey("ordered_at", descending=True), cursor, limit)


def trashed_orders(*, user: User) -> list[Order]:
    if not access.has_perm(user, "deal", "delete"):
        return []
    return list(Order.objects.visible_to(user, trash=True).order_by("-deleted_at")[:100])


def order_journal(*, order: Order, limit: int = 50) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_type="deals.order", object_id=order.pk).order_by("-at", "-id")[
            :limit
        ]
    )


def deal_orders(*, user: User, deal: Deal) -> list[Order]:
    return list(Order.objects.visible_to(user).filter(deal_id=deal.pk).order_by("-ordered_at", "-id")[:20])
