"""The services take any text a file or a script may carry and answer with a card or errors naming the
fields, never another exception, and never a half-stored card (issue 13). An import (issue 14) reaches
them without the web's guard against NUL characters, so they refuse those themselves."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.contacts.inputs import ContactInput, EmailInput, PhoneInput
from crm.contacts.models import Contact, ContactEmail, ContactPhone
from crm.contacts.services import contacts_create
from crm.core.audit import SYSTEM
from crm.core.models import AuditEntry

TEXT = st.text(max_size=40) | st.text(alphabet="\x00\x01\x1f\t\n\u200b\ufeffАБВabc012 +-()@.", max_size=40)


@st.composite
def rows(draw):
    return [
        ContactInput(
            last_name=draw(TEXT),
            first_name=draw(TEXT),
            city=draw(TEXT),
            notes=draw(TEXT),
            phones=[PhoneInput(draw(TEXT))],
            emails=[EmailInput(draw(TEXT))],
            tags=[draw(TEXT)],
        )
        for _ in range(draw(st.integers(min_value=1, max_value=4)))
    ]


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=rows())
def test_a_batch_of_any_text_writes_whole_cards_or_names_each_problem(manager_a, batch):
    before = (Contact.objects.count(), ContactPhone.objects.count(), ContactEmail.objects.count())
    result = contacts_create(actor=manager_a, rows=batch, source=SYSTEM)
    written = [row for row in result.rows if row.ok]
    for row in result.rows:
        assert all(error.field and str(error.message) for error in row.errors)
    cards = Contact.objects.filter(pk__in=[row.card.pk for row in written])
    assert Contact.objects.count() - before[0] == len(written) == cards.count()
    for card in cards:  # nothing a database cannot keep, and the card is whole with its journal
        assert "\x00" not in card.last_name + card.first_name + card.city + card.notes
        assert AuditEntry.objects.filter(object_type="contacts.contact", object_id=card.pk).exists()
