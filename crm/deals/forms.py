"""The deal and pipeline forms' values as service inputs."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core.errors import FieldError, ValidationFailed
from crm.core.ids import form_id
from crm.deals.models import DEFAULT_CURRENCY, Deal, Pipeline, StageKind
from crm.deals.services import DealInput, LineInput, OrderInput, PipelineInput, ProductInput, StageInput
from crm.deals.visibility import KIND
from crm.fields.forms import custom_from_post
from crm.fields.schema import schema_for


def deal_input(post: QueryDict) -> DealInput:
    errors: list[FieldError] = []
    data = DealInput(
        title=post.get("title", ""),
        pipeline_id=form_id(post.get("pipeline_id")),
        stage_id=form_id(post.get("stage_id")),
        contact_id=form_id(post.get("contact_id")),
        company_id=form_id(post.get("company_id")),
        amount=post.get("amount", ""),
        currency=post.get("currency", DEFAULT_CURRENCY),
        expected_close=_date(post.get("expected_close", ""), "expected_close", errors),
        owner_id=form_id(post.get("owner_id")),
        source_id=form_id(post.get("source_id")),
        loss_reason_id=form_id(post.get("loss_reason_id")),
        loss_comment=post.get("loss_comment", ""),
        tags=post.get("tags", "").split(",") if "tags" in post else None,
        custom=custom_from_post(post) if post.getlist("cf__keys") else None,
    )
    data.parse_errors = errors  # type: ignore[attr-defined]
    return data


def with_parse_errors(data: Any, exc: ValidationFailed) -> dict[str, list[str]]:
    found = exc.by_field()
    for error in getattr(data, "parse_errors", []):
        found[error.field] = [str(error.message)]
    return found


def _date(text: str, name: str, errors: list[FieldError]) -> datetime.date | None:
    text = (text or "").strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a date only)
        except ValueError:
            continue
    errors.append(FieldError(name, "invalid", _("Enter the date as 24.11.2026.")))
    return None


def initial(deal: Deal | None, **defaults: Any) -> dict[str, Any]:
    if deal is None:
        return {"currency": DEFAULT_CURRENCY} | defaults
    return {
        "title": deal.title,
        "pipeline_id": str(deal.pipeline_id),
        "stage_id": str(deal.stage_id),
        "contact_id": str(deal.contact_id or ""),
        "company_id": str(deal.company_id or ""),
        "amount": f"{deal.amount:f}".rstrip("0").rstrip(".") if deal.amount else "",
        "currency": deal.currency,
        "expected_close": deal.expected_close.isoformat() if deal.expected_close else "",
        "owner_id": str(deal.owner_id),
        "source_id": str(deal.source_id or ""),
        "loss_reason_id": str(deal.loss_reason_id or ""),
        "loss_comment": deal.loss_comment,
        "tags": ", ".join(t.name for t in deal.tags.all()),
    }


def pipeline_input(post: QueryDict) -> PipelineInput:
    """The pipeline form: one row per stage in board order, each field a parallel list (``stage_name``…)."""
    columns = ("stage_id", "stage_name", "stage_kind", "stage_days", "stage_responsible", "stage_checklist")
    lists = [post.getlist(name) for name in (*columns, "stage_script")]
    stages = []
    for row in zip(*lists, strict=False):
        pk, name, kind, days, responsible, checklist, script = row
        days = days.strip()
        stages.append(
            StageInput(
                id=form_id(pk),
                name=name,
                kind=kind or StageKind.OPEN,
                days_limit=int(days) if days.isdecimal() and len(days) < 6 else (-1 if days else None),
                responsible_id=form_id(responsible),
                checklist=checklist.splitlines(),
                script=script,
            )
        )
    return PipelineInput(
        name=post.get("name", ""),
        is_active=post.get("is_active") == "1",
        stages=stages,
        record_type_id=form_id(post.get("record_type_id")),
    )


def pipeline_initial(pipeline: Pipeline | None) -> PipelineInput:
    """The form's values: a pipeline's own, or a new pipeline's starter stages."""
    if pipeline is None:
        return PipelineInput(
            stages=[
                StageInput(name=str(_("New")), kind=StageKind.OPEN),
                StageInput(name=str(_("Won")), kind=StageKind.WON),
                StageInput(name=str(_("Lost")), kind=StageKind.LOST),
            ],
            record_type_id=next((t.pk for t in schema_for(KIND).active_types()), None),
        )
    return PipelineInput(
        name=pipeline.name,
        is_active=pipeline.is_active,
        record_type_id=pipeline.record_type_id,
        stages=[
            StageInput(
                id=s.pk,
                name=s.name,
                kind=s.kind,
                days_limit=s.days_limit,
                responsible_id=s.responsible_id,
                checklist=list(s.checklist),
                script=s.script,
            )
            for s in pipeline.stages.all()
        ],
    )


# A line's field → the form's name for it (the rows are parallel lists of these).
LINE_FIELDS = {
    "product_id": "line_product",
    "name": "line_name",
    "quantity": "line_quantity",
    "price": "line_price",
    "discount": "line_discount",
}


def posted_lines(post: QueryDict) -> list[dict[str, str]]:
    """Line rows as the form posts them, in order and as typed (to show the form again)."""
    columns = (post.getlist(name) for name in LINE_FIELDS.values())
    return [dict(zip(LINE_FIELDS, row, strict=True)) for row in zip(*columns, strict=False)]


def lines_input(post: QueryDict) -> list[LineInput]:
    """The posted lines as service inputs; blank rows are left out."""
    return [
        LineInput(**(row | {"product_id": form_id(row["product_id"])}))
        for row in posted_lines(post)
        if row["product_id"] or row["name"].strip()
    ]


def product_input(post: QueryDict) -> ProductInput:
    return ProductInput(
        sku=post.get("sku", ""),
        name=post.get("name", ""),
        price=post.get("price", ""),
        currency=post.get("currency", DEFAULT_CURRENCY),
        unit=post.get("unit", ""),
        stock=post.get("stock", ""),
        is_active=post.get("is_active") == "1",
    )


def order_input(post: QueryDict) -> OrderInput:
    errors: list[FieldError] = []
    day = _date(post.get("ordered_at", ""), "ordered_at", errors)
    moment = None
    if day is not None:
        moment = datetime.datetime.combine(day, datetime.time(12, 0), tzinfo=timezone.get_current_timezone())
    data = OrderInput(
        contact_id=form_id(post.get("contact_id")),
        company_id=form_id(post.get("company_id")),
        deal_id=form_id(post.get("deal_id")),
        number=post.get("number", ""),
        ordered_at=moment,
        currency=post.get("currency", DEFAULT_CURRENCY),
        amount=post.get("amount", ""),
        status=post.get("status", "new"),
        lines=lines_input(post),
    )
    data.parse_errors = errors  # type: ignore[attr-defined]
    return data


def product_initial(product: Any) -> dict[str, Any]:
    if product is None:
        return {"currency": DEFAULT_CURRENCY, "unit": "шт", "is_active": "1"}
    return {
        "sku": product.sku,
        "name": product.name,
        "price": f"{product.price:f}",
        "currency": product.currency,
        "unit": product.unit,
        "stock": "" if product.stock is None else f"{product.stock.normalize():f}",
        "is_active": "1" if product.is_active else "",
    }
