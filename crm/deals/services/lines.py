"""The lines of a deal or an order, checked and priced the same way: a product of the catalogue (or a
free text), a quantity, a price (the product's unless given), a discount; each line's sum to the kopeck."""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from crm.core.errors import FieldError, holds_nul, too_long, unstorable
from crm.deals.models import Product
from crm.deals.money import line_amount, parse_amount, parse_percent, parse_quantity

MAX_LINES = 500


@dataclass
class LineInput:
    product_id: int | None = None
    name: str = ""  # default: the product's name
    quantity: decimal.Decimal | int | str | None = None  # default: one
    price: decimal.Decimal | int | str | None = None  # default: the product's price
    discount: decimal.Decimal | int | str | None = None  # percent; default: none


def clean_lines(
    lines: list[LineInput], errors: list[FieldError], *, keep: set[int] | None = None
) -> list[dict[str, Any]]:
    """The lines as the model's values, in order; problems go to ``errors`` named ``lines.<n>.<field>``.
    A product no longer on sale is refused, unless the record already has it (``keep``)."""
    if len(lines) > MAX_LINES:
        errors.append(FieldError("lines", "too_many", _("At most 500 lines.")))
        return []
    wanted = {line.product_id for line in lines if line.product_id is not None}
    products = Product.objects.in_bulk(list(wanted)) if wanted else {}
    cleaned = []
    for number, line in enumerate(lines, start=1):
        where = f"lines.{number}"
        product = products.get(line.product_id) if line.product_id is not None else None
        if line.product_id is not None and (
            product is None or (not product.is_active and product.pk not in (keep or set()))
        ):
            errors.append(FieldError(f"{where}.product_id", "invalid", _("Choose a product on sale.")))
        if holds_nul(line.name):
            errors.append(unstorable(f"{where}.name"))
        name = " ".join((line.name or "").split()) or (product.name if product else "")
        if not name:
            errors.append(FieldError(f"{where}.name", "required", _("Choose a product or name the line.")))
        elif len(name) > 255:
            errors.append(too_long(f"{where}.name", 255))
        quantity = parse_quantity(line.quantity, f"{where}.quantity", errors)
        if line.price in (None, "") and product is not None:
            price = product.price
        else:
            price = parse_amount(line.price, f"{where}.price", errors)
        discount = parse_percent(line.discount, f"{where}.discount", errors)
        cleaned.append(
            {
                "product_id": product.pk if product else None,
                "name": name[:255],
                "quantity": quantity,
                "price": price,
                "discount": discount,
                "amount": line_amount(quantity, price, discount),
                "position": number,
            }
        )
    return cleaned


def lines_text(lines: list[dict[str, Any]]) -> list[str]:
    """The lines as the journal keeps them: "Станок ЧПУ × 2 по 150000.00 −5 %"."""
    return [
        f"{line['name']} × {line['quantity'].normalize():f} по {line['price']}"
        + (f" −{line['discount'].normalize():f} %" if line["discount"] else "")
        for line in lines
    ]
