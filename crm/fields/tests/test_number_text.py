"""Numbers and amounts on cards and in exports read as Django's localised number format writes them."""

import decimal

import pytest
from django.utils import formats, translation
from hypothesis import given
from hypothesis import strategies as st

from crm.fields.types import money_text, number_text

numbers = st.one_of(
    st.integers(min_value=-(10**15), max_value=10**15),
    st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False, allow_infinity=False),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False).map(
        lambda f: round(f, 3)
    ),
)


@pytest.mark.parametrize("language", ["ru", "en"])
@given(value=numbers)
def test_a_number_reads_as_djangos_number_format_writes_it(language, value):
    with translation.override(language):
        expected = formats.number_format(decimal.Decimal(str(value)), use_l10n=True, force_grouping=True)
        assert number_text(value) == expected


@pytest.mark.parametrize("language", ["ru", "en"])
@given(kopecks=st.integers(min_value=-(10**14), max_value=10**14))
def test_an_amount_reads_as_djangos_number_format_writes_it(language, kopecks):
    with translation.override(language):
        amount = decimal.Decimal(kopecks) / 100
        expected = formats.number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True) + " ₽"
        assert money_text(kopecks) == expected
