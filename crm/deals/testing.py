"""Helpers for tests: deals made the way the product makes them, through the services."""

from __future__ import annotations

from typing import Any

from crm.core.audit import SYSTEM
from crm.deals.models import Deal, Pipeline, Stage, StageKind
from crm.deals.services import DealInput, deal_create


def starter_pipeline() -> Pipeline:
    return Pipeline.objects.order_by("order", "id").first()  # type: ignore[return-value]


def stage(name: str, pipeline: Pipeline | None = None) -> Stage:
    return Stage.objects.get(pipeline=pipeline or starter_pipeline(), name=name)


def outcome(kind: str, pipeline: Pipeline | None = None) -> Stage:
    return Stage.objects.get(pipeline=pipeline or starter_pipeline(), kind=kind)


def lost_stage() -> Stage:
    return outcome(StageKind.LOST)


def make_deal(owner: Any, title: str = "Поставка", amount: Any = 100_000, **extra: Any) -> Deal:
    return deal_create(actor=owner, data=DealInput(title=title, amount=amount, **extra), source=SYSTEM)


def make_product(sku: str = "ST-1", name: str = "Станок", price: Any = 150_000, **extra: Any) -> Any:
    from crm.accounts.models import User
    from crm.deals.services import ProductInput, product_save

    admin = User.objects.filter(is_superuser=True).first() or User.objects.filter(role__is_admin=True).first()
    return product_save(
        actor=admin,
        product_id=None,
        data=ProductInput(sku=sku, name=name, price=price, **extra),
        source=SYSTEM,
    )


def make_order(actor: Any, amount: Any = 10_000, **extra: Any) -> Any:
    from crm.deals.services import OrderInput, order_create

    return order_create(actor=actor, data=OrderInput(amount=amount, **extra), source=SYSTEM)
