"""Showing a phone: the layouts kept by a number's first digits give what phonenumbers gives."""

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.core import normalize as norm

national = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from("3456789"),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
)


def _slow(e164: str) -> str:
    return norm._formatted(phonenumbers.parse(e164, None))


@settings(max_examples=3000)
@given(national)
def test_a_kept_layout_writes_any_russian_or_kazakh_number_as_phonenumbers_does(digits):
    assert norm.format_phone("+7" + digits) == _slow("+7" + digits)


def test_every_five_digit_start_of_a_number_has_one_layout():
    """The cache's key is the first five national digits: phonenumbers' metadata for +7 chooses a layout
    by no more (checked here on every seventh start; on every start when this was written)."""
    for first in "3456789":
        for rest in range(0, 10000, 7):
            start = f"+7{first}{rest:04d}"
            layouts = {norm._layout_of(start + tail) for tail in ("00000", "99999", "12345", "98760")}
            assert len(layouts) == 1, start


def test_an_extension_follows_the_number():
    assert norm.format_phone("+74951234567", "12") in (
        "8 (495) 123-45-67 доб. 12",
        "8 (495) 123-45-67 ext. 12",
    )
