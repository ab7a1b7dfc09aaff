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
