"""REST API for pipelines and deals: the same services and selectors as the board."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from crm.accounts import access
from crm.contacts.api import custom_out
from crm.core.audit import ChangeSource
from crm.core.errors import PermissionDenied
from crm.core.ids import Id
from crm.core.models import ChangeChannel
from crm.deals import selectors, services, standard_fields
from crm.deals.models import DEFAULT_CURRENCY, Deal, StageKind
from crm.deals.money import CURRENCIES, MAX_AMOUNT
from crm.deals.visibility import KIND
from crm.fields.schema import schema_for

router = Router(tags=["deals"])


def _source(request: HttpRequest) -> ChangeSource:
    return ChangeSource.from_request(request, ChangeChannel.API)


class StageOut(Schema):
    id: int
    name: str
    kind: str = Field(description="open, won or lost")
    days_limit: int | None = Field(description="Days a deal may stay before it is flagged as stuck")
    responsible_id: int | None
    checklist: list[str]
    script: str


class PipelineOut(Schema):
    id: int
    name: str
    is_active: bool
    record_type_id: int | None = Field(description="The type of its deals: the fields they carry")
    stages: list[StageOut]


class DealOut(Schema):
    id: int
    title: str
    pipeline_id: int
    stage_id: int
    status: str = Field(description="open, won or lost (the stage's outcome)")
    contact_id: int | None
    company_id: int | None
    amount: decimal.Decimal | None = Field(description="null where the deal's type or your role hides it")
    currency: str | None
    expected_close: datetime.date | None
    owner_id: int
    source_id: int | None = Field(description="An option of the «source» list")
    loss_reason_id: int | None = Field(description="An option of the «loss_reason» list")
    loss_comment: str
    stage_entered_at: datetime.datetime
    stage_due_at: datetime.datetime | None = Field(description="When the deal must have left its stage")
    checked: list[str] = Field(description="Ticked items of the current stage's checklist")
    tags: list[str]
    record_type_id: int | None = Field(description="Its pipeline's type of deals (a sale, a candidate)")
    custom: dict[str, Any] = Field(description="Custom fields by key (those the token's user may see)")
    closed_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class DealPage(Schema):
    items: list[DealOut]
    next_cursor: str | None
    total: int
    total_is_estimate: bool


class DealIn(Schema):
    title: str
    pipeline_id: Id | None = Field(None, description="Default: the first pipeline in use")
    stage_id: Id | None = Field(None, description="Default: the pipeline's first stage")
    contact_id: Id | None = None
    company_id: Id | None = None
    amount: decimal.Decimal = Field(decimal.Decimal(0), ge=0, le=MAX_AMOUNT)
    currency: str = Field(DEFAULT_CURRENCY, description=", ".join(CURRENCIES))
    expected_close: datetime.date | None = None
    owner_id: Id | None = Field(None, description="Default: the token's user")
    source_id: Id | None = None
    loss_reason_id: Id | None = Field(None, description="Required when the stage is a lost one")
    loss_comment: str = ""
    tags: list[str] = Field(default_factory=list, description="Tag names, shared with people and companies")
    custom: dict[str, Any] = Field(
        {}, description="Custom fields by key (GET /fields?kind=deal); a key not sent keeps its value"
    )


class DealPatch(Schema):
    title: str | None = None
    stage_id: Id | None = None
    contact_id: Id | None = None
    company_id: Id | None = None
    amount: decimal.Decimal | None = Field(None, ge=0, le=MAX_AMOUNT)
    currency: str | None = None
    expected_close: datetime.date | None = None
    owner_id: Id | None = None
    source_id: Id | None = None
    loss_reason_id: Id | None = None
    loss_comment: str | None = None
    tags: list[str] | None = Field(None, description="The deal's tags, all of them")
    custom: dict[str, Any] | None = Field(
        None, description="Custom fields by key; a key not sent keeps its value"
    )


class MoveIn(Schema):
    stage_id: Id
    loss_reason_id: Id | None = Field(None, description="Required when the stage is a lost one")
    loss_comment: str = ""


class StageChangeOut(Schema):
    from_stage_id: int | None
    to_stage_id: int | None
    at: datetime.datetime
    by_id: int | None
    seconds_before: int | None = Field(description="Seconds the deal had stayed at the stage it left")


class DealListParams(Schema):
    pipeline_id: Id | None = None
    stage_id: Id | None = None
    status: str = Field("", description="open, won, lost or '' for all")
    owner_id: Id | None = None
    q: str = Field("", description="Words of the title")
    tag: str = Field("", description="A tag's name, in any case")
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


def deal_out(deal: Deal, user: Any) -> dict[str, Any]:
    values = {name: getattr(deal, name) for name in DealOut.model_fields if name not in ("tags", "custom")}
    values["tags"] = sorted(t.name for t in deal.tags.all())
    values["custom"] = custom_out(schema_for(KIND), user, deal.custom or {})
    shown = standard_fields.shown(user, deal.record_type_id)
    for key, names in HIDES.items():  # a standard field the type or the role hides answers nothing
        if not shown[key]:
            values |= {name: [] if name == "tags" else None for name in names}
    return values


HIDES = {
    "amount": ("amount", "currency"),
    "expected_close": ("expected_close",),
    "source": ("source_id",),
    "tags": ("tags",),
}


def _input(deal: Deal | None, payload: dict[str, Any]) -> services.DealInput:
    base = services.DealInput()
    if deal is not None:
        base = services.DealInput(
            title=deal.title,
            pipeline_id=deal.pipeline_id,
            stage_id=deal.stage_id,
            contact_id=deal.contact_id,
            company_id=deal.company_id,
            amount=deal.amount,
            currency=deal.currency,
            expected_close=deal.expected_close,
            owner_id=deal.owner_id,
            source_id=deal.source_id,
            loss_reason_id=deal.loss_reason_id,
            loss_comment=deal.loss_comment,
        )
    for key, value in payload.items():
        setattr(base, key, value)
    return base


@router.get("/pipelines", response=list[PipelineOut], summary="Pipelines in use, with their stages in order")
def list_pipelines(request: HttpRequest) -> list[Any]:
    return [
        {
            "id": p.pk,
            "name": p.name,
            "is_active": p.is_active,
            "record_type_id": p.record_type_id,
            "stages": [{name: getattr(s, name) for name in StageOut.model_fields} for s in p.stages.all()],
        }
        for p in selectors.pipelines(user=request.auth)
    ]


@router.get("/deals", response=DealPage, summary="Deals the token's user may see, newest first")
def list_deals(request: HttpRequest, params: Query[DealListParams]) -> dict[str, Any]:
    filters = selectors.Filters(
        owner_id=params.owner_id,
        q=" ".join(params.q.split())[:100],
        status=params.status if params.status in StageKind.values else "",
        stage_id=params.stage_id,
        tag=" ".join(params.tag.split())[:64] if standard_fields.shown(request.auth, None)["tags"] else "",
    )
    page = selectors.deal_list(
        user=request.auth,
        filters=filters,
        pipeline_id=params.pipeline_id,
        cursor=params.cursor,
        limit=params.limit,
    )
    return {
        "items": [deal_out(d, request.auth) for d in page.items],
        "next_cursor": page.next_cursor,
        "total": page.total,
        "total_is_estimate": page.total_is_estimate,
    }


@router.post("/deals", response={201: DealOut}, summary="Create a deal")
def create_deal(request: HttpRequest, payload: DealIn) -> Status[dict[str, Any]]:
    deal = services.deal_create(
        actor=request.auth, data=_input(None, payload.model_dump()), source=_source(request)
    )
    return Status(201, deal_out(deal, request.auth))


@router.get("/deals/{deal_id}", response=DealOut, summary="One deal")
def get_deal(request: HttpRequest, deal_id: int) -> dict[str, Any]:
    return deal_out(selectors.deal_get(user=request.auth, pk=deal_id), request.auth)


@router.patch("/deals/{deal_id}", response=DealOut, summary="Change a deal (a new stage_id moves it)")
def patch_deal(request: HttpRequest, deal_id: int, payload: DealPatch) -> dict[str, Any]:
    deal = selectors.deal_get(user=request.auth, pk=deal_id)
    data = _input(deal, payload.model_dump(exclude_unset=True))
    updated = services.deal_update(actor=request.auth, deal_id=deal_id, data=data, source=_source(request))
    return deal_out(updated, request.auth)


@router.post("/deals/{deal_id}/move", response=DealOut, summary="Move a deal to a stage of its pipeline")
def move_deal(request: HttpRequest, deal_id: int, payload: MoveIn) -> dict[str, Any]:
    deal = services.deal_move(
        actor=request.auth,
        deal_id=deal_id,
        stage_id=payload.stage_id,
        loss_reason_id=payload.loss_reason_id,
        loss_comment=payload.loss_comment,
        source=_source(request),
    )
    return deal_out(deal, request.auth)


@router.get(
    "/deals/{deal_id}/history", response=list[StageChangeOut], summary="The deal's stage moves, newest first"
)
def deal_history(request: HttpRequest, deal_id: int) -> list[Any]:
    deal = selectors.deal_get(user=request.auth, pk=deal_id)
    return [
        {name: getattr(c, name) for name in StageChangeOut.model_fields}
        for c in selectors.stage_history(deal=deal)
    ]


@router.delete("/deals/{deal_id}", response={204: None}, summary="Move a deal to the trash")
def delete_deal(request: HttpRequest, deal_id: int) -> Status[None]:
    services.deal_delete(actor=request.auth, deal_id=deal_id, source=_source(request))
    return Status(204, None)


@router.post("/deals/{deal_id}/restore", response=DealOut, summary="Take a deal back from the trash")
def restore_deal(request: HttpRequest, deal_id: int) -> dict[str, Any]:
    restored = services.deal_restore(actor=request.auth, deal_id=deal_id, source=_source(request))
    return deal_out(restored, request.auth)


# Lines, products, orders (R4.5)


class LineIn(Schema):
    product_id: Id | None = None
    name: str = Field("", description="Default: the product's name")
    quantity: decimal.Decimal = Field(decimal.Decimal(1), gt=0)
    price: decimal.Decimal | None = Field(
        None, ge=0, le=MAX_AMOUNT, description="Default: the product's price"
    )
    discount: decimal.Decimal = Field(decimal.Decimal(0), ge=0, le=100, description="Percent")


class LineOut(Schema):
    product_id: int | None
    name: str
    quantity: decimal.Decimal
    price: decimal.Decimal
    discount: decimal.Decimal
    amount: decimal.Decimal


class LinesIn(Schema):
    lines: list[LineIn]


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    price: decimal.Decimal
    currency: str
    unit: str
    stock: decimal.Decimal | None = Field(description="Empty: not tracked")
    is_active: bool


class ProductIn(Schema):
    sku: str
    name: str
    price: decimal.Decimal = Field(decimal.Decimal(0), ge=0, le=MAX_AMOUNT)
    currency: str = DEFAULT_CURRENCY
    unit: str = "шт"
    stock: decimal.Decimal | None = Field(None, ge=0)
    is_active: bool = True


class OrderOut(Schema):
    id: int
    number: str
    contact_id: int | None
    company_id: int | None
    deal_id: int | None
    ordered_at: datetime.datetime
    amount: decimal.Decimal
    currency: str
    paid: decimal.Decimal
    status: str = Field(description="new, paid or cancelled")
    lines: list[LineOut]
    created_at: datetime.datetime


class OrderIn(Schema):
    contact_id: Id | None = None
    company_id: Id | None = None
    deal_id: Id | None = None
    number: str = ""
    ordered_at: datetime.datetime | None = Field(None, description="Default: now")
    currency: str = DEFAULT_CURRENCY
    amount: decimal.Decimal | None = Field(None, ge=0, le=MAX_AMOUNT, description="An order without lines")
    status: str = "new"
    lines: list[LineIn] = Field(default_factory=list)


class OrderPage(Schema):
    items: list[OrderOut]
    next_cursor: str | None
    total: int
    total_is_estimate: bool


class PaymentIn(Schema):
    amount: decimal.Decimal = Field(gt=0, le=MAX_AMOUNT)
    paid_at: datetime.datetime | None = None
    note: str = ""


class OrderListParams(Schema):
    contact_id: Id | None = None
    company_id: Id | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


def _lines(payload: list[LineIn]) -> list[services.LineInput]:
    return [services.LineInput(**line.model_dump()) for line in payload]


def _line_out(line: Any) -> dict[str, Any]:
    return {name: getattr(line, name) for name in LineOut.model_fields}


def order_out(order: Any) -> dict[str, Any]:
    values = {name: getattr(order, name) for name in OrderOut.model_fields if name != "lines"}
    # The lines a list prefetched (in order), or those of one order, read here.
    return values | {"lines": [_line_out(line) for line in order.items.all()]}


@router.put(
    "/deals/{deal_id}/lines",
    response=list[LineOut],
    summary="Replace a deal's lines (its amount is their sum)",
)
def put_deal_lines(request: HttpRequest, deal_id: int, payload: LinesIn) -> list[Any]:
    deal = services.deal_lines_save(
        actor=request.auth, deal_id=deal_id, lines=_lines(payload.lines), source=_source(request)
    )
    return [_line_out(line) for line in selectors.deal_lines(deal=deal)]


@router.get("/products", response=list[ProductOut], summary="The catalogue, by name")
def list_products(request: HttpRequest, q: str = "", with_inactive: bool = False) -> list[Any]:
    if not access.has_perm(request.auth, "deal", "view"):
        raise PermissionDenied("view products")
    return [
        {name: getattr(p, name) for name in ProductOut.model_fields}
        for p in selectors.products(query=q, with_inactive=with_inactive)
    ]


@router.post("/products", response={201: ProductOut}, summary="Add a product (administrators)")
def create_product(request: HttpRequest, payload: ProductIn) -> Status[dict[str, Any]]:
    product = services.product_save(
        actor=request.auth,
        product_id=None,
        data=services.ProductInput(**payload.model_dump()),
        source=_source(request),
    )
    return Status(201, {name: getattr(product, name) for name in ProductOut.model_fields})


@router.put("/products/{product_id}", response=ProductOut, summary="Change a product (administrators)")
def put_product(request: HttpRequest, product_id: int, payload: ProductIn) -> dict[str, Any]:
    product = services.product_save(
        actor=request.auth,
        product_id=product_id,
        data=services.ProductInput(**payload.model_dump()),
        source=_source(request),
    )
    return {name: getattr(product, name) for name in ProductOut.model_fields}


@router.get("/orders", response=OrderPage, summary="Orders of clients the token's user sees, newest first")
def list_orders(request: HttpRequest, params: Query[OrderListParams]) -> dict[str, Any]:
    page = selectors.order_list(
        user=request.auth,
        contact_id=params.contact_id,
        company_id=params.company_id,
        cursor=params.cursor,
        limit=params.limit,
    )
    return {
        "items": [order_out(o) for o in page.items],
        "next_cursor": page.next_cursor,
        "total": page.total,
        "total_is_estimate": page.total_is_estimate,
    }


@router.post("/orders", response={201: OrderOut}, summary="Record a client's order")
def create_order(request: HttpRequest, payload: OrderIn) -> Status[dict[str, Any]]:
    values = payload.model_dump()
    data = services.OrderInput(**(values | {"lines": _lines(payload.lines)}))
    order = services.order_create(actor=request.auth, data=data, source=_source(request))
    return Status(201, order_out(order))


@router.get("/orders/{order_id}", response=OrderOut, summary="One order with its lines")
def get_order(request: HttpRequest, order_id: int) -> dict[str, Any]:
    return order_out(selectors.order_get(user=request.auth, pk=order_id))


@router.post("/orders/{order_id}/payments", response={201: OrderOut}, summary="Record money received")
def pay_order(request: HttpRequest, order_id: int, payload: PaymentIn) -> Status[dict[str, Any]]:
    services.payment_add(
        actor=request.auth,
        order_id=order_id,
        amount=payload.amount,
        paid_at=payload.paid_at,
        note=payload.note,
        source=_source(request),
    )
    return Status(201, order_out(selectors.order_get(user=request.auth, pk=order_id)))


@router.delete("/orders/{order_id}", response={204: None}, summary="Move an order to the trash")
def delete_order(request: HttpRequest, order_id: int) -> Status[None]:
    services.order_delete(actor=request.auth, order_id=order_id, source=_source(request))
    return Status(204, None)


@router.post("/orders/{order_id}/restore", response=OrderOut, summary="Take an order back from the trash")
def restore_order(request: HttpRequest, order_id: int) -> dict[str, Any]:
    return order_out(services.order_restore(actor=request.auth, order_id=order_id, source=_source(request)))
