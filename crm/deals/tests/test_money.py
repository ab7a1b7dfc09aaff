"""Whatever a person types as a sum, a quantity or a discount is read or refused naming the field, never
a crash; and a line's sum is its quantity times its price less the discount, to the kopeck."""

from __future__ import annotations

import decimal

from hypothesis import given
from hypothesis import strategies as st

from crm.deals.money import MAX_AMOUNT, line_amount, money, parse_amount, parse_percent, parse_quantity

typed = st.one_of(st.text(max_size=30), st.floats(allow_nan=True, allow_infinity=True), st.integers())


@given(typed)
def test_any_typed_value_is_read_within_bounds_or_refused_naming_its_field(value):
    for parse, low, high in (
        (parse_amount, 0, MAX_AMOUNT),
        (parse_quantity, 0, decimal.Decimal("999999999")),
        (parse_percent, 0, 100),
    ):
        errors: list = []
        read = parse(value, "where", errors)
        assert read.is_finite()
        assert low <= read <= high
        assert all(e.field == "where" for e in errors)


@given(
    st.decimals(min_value=decimal.Decimal("0.001"), max_value=10**6, places=3),
    st.decimals(min_value=0, max_value=10**7, places=2),
    st.decimals(min_value=0, max_value=100, places=2),
)
def test_a_lines_sum_is_quantity_times_price_less_the_discount_to_the_kopeck(quantity, price, discount):
    amount = line_amount(quantity, price, discount)
    exact = quantity * price * (100 - discount) / 100
    assert abs(amount - exact) <= decimal.Decimal("0.005")
    assert amount == amount.quantize(decimal.Decimal("0.01"))


def test_money_reads_as_russians_write_it():
    assert money(decimal.Decimal("1200.50"), "RUB") == "1\u00a0200,50\u00a0₽"
    assert money(150000, "USD") == "150\u00a0000\u00a0$"
