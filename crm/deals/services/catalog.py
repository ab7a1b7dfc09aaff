"""The product catalogue (R4.5): an administrator adds and changes products; one SKU, one product."""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import User
from crm.core.audit import ChangeSource, audit_record, diff
from crm.core.errors import (
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    holds_nul,
    too_long,
    unstorable,
)
from crm.core.models import AuditAction
from crm.deals.models import DEFAULT_CURRENCY, Product
from crm.deals.money import CURRENCIES, parse_amount, parse_quantity


@dataclass
class ProductInput:
    sku: str = ""
    name: str = ""
    price: decimal.Decimal | int | str | None = None
    currency: str = DEFAULT_CURRENCY
    unit: str = "шт"
    stock: decimal.Decimal | int | str | None = None  # empty: not tracked
    is_active: bool = True


def sku_key(sku: str) -> str:
    return " ".join(sku.split()).casefold()


def product_save(*, actor: User, product_id: int | None, data: ProductInput, source: ChangeSource) -> Product:
    if not access.can_administer(actor):
        raise PermissionDenied("edit products")
    try:
        with transaction.atomic():
            return _save(actor, product_id, data, source)
    except IntegrityError as exc:  # another request took the SKU between our check and our insert
        raise ValidationFailed([_sku_taken()]) from exc


def _sku_taken() -> FieldError:
    return FieldError("sku", "duplicate", _("Another product has this SKU."))


def _save(actor: User, product_id: int | None, data: ProductInput, source: ChangeSource) -> Product:
    product = Product()
    if product_id is not None:
        found = Product.objects.select_for_update().filter(pk=product_id).first()
        if found is None:
            raise NotFound
        product = found
    before = _values(product) if product_id is not None else {}
    clean = _clean(data, product_id)
    for key, value in clean.items():
        setattr(product, key, value)
    product.updated_at = timezone.now()
    product.save()
    changes = diff(before, _values(product))
    if changes:
        action = AuditAction.UPDATE if product_id is not None else AuditAction.CREATE
        audit_record(actor=actor, source=source, action=action, obj=product, changes=changes)
    return product


def _clean(data: ProductInput, product_id: int | None) -> dict[str, Any]:
    errors: list[FieldError] = []
    errors += [unstorable(name) for name in ("sku", "name", "unit") if holds_nul(getattr(data, name))]
    sku = " ".join((data.sku or "").split())
    name = " ".join((data.name or "").split())
    unit = " ".join((data.unit or "").split()) or "шт"
    if not sku:
        errors.append(FieldError("sku", "required", _("Give the product its SKU.")))
    elif len(sku) > 64:
        errors.append(too_long("sku", 64))
    elif Product.objects.filter(sku_key=sku_key(sku)).exclude(pk=product_id or 0).exists():
        errors.append(_sku_taken())
    if not name:
        errors.append(FieldError("name", "required", _("Name the product.")))
    elif len(name) > 255:
        errors.append(too_long("name", 255))
    if len(unit) > 16:
        errors.append(too_long("unit", 16))
    price = parse_amount(data.price, "price", errors)
    currency = (data.currency or DEFAULT_CURRENCY).strip().upper()
    if currency not in CURRENCIES:
        errors.append(FieldError("currency", "invalid", _("Choose a currency from the list.")))
    stock = None
    if data.stock not in (None, ""):
        stock = parse_quantity(data.stock, "stock", errors, allow_zero=True)
    if errors:
        raise ValidationFailed(errors)
    return {
        "sku": sku,
        "sku_key": sku_key(sku),
        "name": name,
        "price": price,
        "currency": currency,
        "unit": unit,
        "stock": stock,
        "is_active": bool(data.is_active),
    }


def _values(product: Product) -> dict[str, Any]:
    return {
        "sku": product.sku,
        "name": product.name,
        "price": product.price,
        "currency": product.currency,
        "unit": product.unit,
        "stock": product.stock,
        "is_active": product.is_active,
    }
