"""Money as deals, products and orders keep it: amounts read as people type them ("150 000", "1 200,50")
and shown as they read them ("150 000 ₽"). Pure functions: no reads, no writes."""

from __future__ import annotations

import decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from crm.core.errors import FieldError

# The currencies an amount may be in (ISO 4217); roubles unless said otherwise.
CURRENCIES = ("RUB", "USD", "EUR", "CNY", "KZT", "BYN", "UZS", "AMD", "GEL", "AED", "TRY", "GBP")
# At most 15 significant digits: SQLite keeps a decimal column as a double, and reads back an amount of
# 16 digits (99,999,999,999,999.99) as a number Django cannot quantize, which broke every page listing it.
MAX_AMOUNT = decimal.Decimal("9999999999999.99")
CENT = decimal.Decimal("0.01")
THOUSANDTH = decimal.Decimal("0.001")
MAX_QUANTITY = decimal.Decimal("999999999")
SIGNS = {"RUB": "₽", "USD": "$", "EUR": "€", "CNY": "¥", "KZT": "₸", "GBP": "£", "TRY": "₺"}


def money(amount: decimal.Decimal | int, currency: str) -> str:
    """150 000 ₽, 1 200,50 $: grouped by non-breaking spaces, the currency's sign after."""
    value = decimal.Decimal(amount or 0)
    whole = f"{value:,.2f}".replace(",", "\u00a0").replace(".", ",")
    if whole.endswith(",00"):
        whole = whole[:-3]
    return f"{whole}\u00a0{SIGNS.get(currency, currency)}"


def read_number(value: Any) -> decimal.Decimal:
    """A number as people type it: "150 000", "1 200,50"; raises ``decimal.InvalidOperation`` otherwise."""
    if isinstance(value, float):
        value = repr(value)
    return decimal.Decimal(str(value).replace("\u00a0", "").replace(" ", "").replace(",", "."))


def parse_amount(value: Any, field: str, errors: list[FieldError]) -> decimal.Decimal:
    """A sum of money (an amount, a price): 0 to ``MAX_AMOUNT`` with at most kopecks; empty is 0."""
    if value in (None, ""):
        return decimal.Decimal(0)
    try:
        amount = read_number(value)
    except (decimal.InvalidOperation, ValueError):
        errors.append(
            FieldError(field, "invalid", _("Enter the amount as a number, e.g. 150000 or 1200,50."))
        )
        return decimal.Decimal(0)
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        errors.append(FieldError(field, "invalid", _("Enter an amount from 0 to 9 999 999 999 999.")))
        return decimal.Decimal(0)
    if amount != amount.quantize(CENT):
        errors.append(FieldError(field, "invalid", _("At most two digits after the decimal point.")))
        return decimal.Decimal(0)
    return amount.quantize(CENT)


def parse_quantity(
    value: Any, field: str, errors: list[FieldError], *, allow_zero: bool = False
) -> decimal.Decimal:
    """A quantity above 0 (a stock: 0 or more), at most three decimals (2,5 kg; 0,125 t); empty is one."""
    if value in (None, ""):
        return decimal.Decimal(1)
    try:
        quantity = read_number(value)
    except (decimal.InvalidOperation, ValueError):
        quantity = decimal.Decimal("NaN")
    # A NaN compares by raising: it is refused before any comparison.
    low_enough = quantity.is_finite() and (quantity >= 0 if allow_zero else quantity > 0)
    if not low_enough or quantity > MAX_QUANTITY or quantity != quantity.quantize(THOUSANDTH):
        message = (
            _("Enter a quantity of 0 or more with at most three decimals.")
            if allow_zero
            else _("Enter a quantity above 0 with at most three decimals.")
        )
        errors.append(FieldError(field, "invalid", message))
        return decimal.Decimal(1)
    return quantity.quantize(THOUSANDTH)


def parse_percent(value: Any, field: str, errors: list[FieldError]) -> decimal.Decimal:
    """A discount in percent, 0 to 100 with at most two decimals; empty is none."""
    if value in (None, ""):
        return decimal.Decimal(0)
    try:
        percent = read_number(value)
    except (decimal.InvalidOperation, ValueError):
        percent = decimal.Decimal("NaN")
    if not percent.is_finite() or not (0 <= percent <= 100) or percent != percent.quantize(CENT):
        errors.append(FieldError(field, "invalid", _("Enter a discount from 0 to 100 %.")))
        return decimal.Decimal(0)
    return percent.quantize(CENT)


def line_amount(
    quantity: decimal.Decimal, price: decimal.Decimal, discount: decimal.Decimal
) -> decimal.Decimal:
    """A line's sum: quantity × price less the discount, to the kopeck (half up, as invoices round)."""
    gross = quantity * price * (100 - discount) / 100
    return gross.quantize(CENT, rounding=decimal.ROUND_HALF_UP)
