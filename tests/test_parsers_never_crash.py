"""Every input parser answers any text with a value or its own clear error, never another exception
(issue 13): NUL and control characters, huge and tiny numbers, far dates, mixed scripts, long strings.

The normalisers of ``crm/core/normalize.py`` raise ``NormalizationError``; the declared fields' kinds
(``crm/contacts/kinds.py``) append a ``FieldError`` naming the field; the custom field types
(``crm/fields/types.py``) raise ``FieldValueError``.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.contacts.declarations import declared
from crm.core import normalize as norm
from crm.core.errors import FieldError

# Text as imports and probes bring it: any character, digits and separators in bulk, and long runs.
TEXT = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
    st.text(alphabet="0123456789 +-()./,:;xXдоб#\x00\t\n\r", max_size=60),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.builds(lambda c, n: c * n, st.characters(), st.integers(min_value=1_000, max_value=200_000)),
)
NORMALISERS = [
    norm.normalize_phone,
    norm.normalize_email,
    norm.normalize_name,
    norm.name_key,
    norm.parse_date,
    norm.parse_decimal,
    norm.normalize_inn,
    norm.normalize_kpp,
    norm.normalize_ogrn,
    norm.phone_digits_query,
]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("parse", NORMALISERS, ids=lambda f: f.__name__)
@SETTINGS
@given(text=TEXT)
def test_a_normaliser_returns_a_value_or_its_own_error(parse, text):
    error = _refusal(lambda: parse(text), norm.NormalizationError)
    assert error is None or (error.code, str(error.message)) != ("", "")


@pytest.mark.parametrize("decl", declared("contact") + declared("company"), ids=lambda d: d.attr)
@SETTINGS
@given(text=TEXT)
def test_a_declared_field_cleans_any_text_or_names_itself_in_the_error(decl, text):
    errors: list[FieldError] = []
    raw = [{"value": text}] if decl.kind_code in ("phones", "company_phones", "emails") else text
    if decl.kind_code == "messengers":
        raw = [{"kind": "telegram", "handle": text}]
    if decl.kind_code == "tags":
        raw = [text]
    if decl.kind_code == "ref":
        raw = int(text[:18]) if text.isascii() and text.isdigit() else None
    decl.kind.clean(raw, decl, errors)
    assert all(e.field.split(".")[0] == decl.attr for e in errors)


CUSTOM_TYPES = [
    "text",
    "long_text",
    "number",
    "money",
    "date",
    "datetime",
    "boolean",
    "url",
    "email",
    "phone",
]


@pytest.mark.django_db
@pytest.mark.parametrize("field_type", CUSTOM_TYPES)
@SETTINGS
@given(text=TEXT)
def test_a_custom_field_type_parses_any_text_or_refuses_it_clearly(field_type, text):
    from crm.fields.schema import FieldSpec, schema_for
    from crm.fields.types import Context, FieldValueError, type_of

    spec = FieldSpec(
        kind="contact", key="probe", standard=False, field_type=field_type, label_ru="Проба", label_en="Probe"
    )
    context = Context(schema=schema_for("contact"), current=None, users=lambda ids: set())
    error = _refusal(lambda: type_of(spec).parse(text, spec, context), FieldValueError)
    assert error is None or (error.code, str(error.message)) != ("", "")


def _refusal(call, kind):  # the parser's own error, or None; any other exception fails the test
    try:
        call()
    except kind as error:
        return error
    return None
