"""What the timeline tells lead scoring (R5.4): a reply, a call from the person, a meeting; not
our own calls or notes."""

from __future__ import annotations

import pytest

from crm.activities.models import Direction, EntryKind
from crm.activities.services import EntryInput, entry_create
from crm.contacts.testing import make_contact
from crm.core.audit import SYSTEM
from crm.scoring.models import Signal
from crm.scoring.testing import points

pytestmark = pytest.mark.django_db


def test_the_timeline_tells_replies_calls_and_meetings_but_not_our_own_calls(manager_a):
    card = make_contact(manager_a, "Отвечающий")

    def log(kind, direction=""):
        data = EntryInput(kind=kind, contact_id=card.pk, direction=direction, summary="…")
        entry_create(actor=manager_a, data=data, source=SYSTEM)

    log(EntryKind.CALL, Direction.OUTGOING)
    log(EntryKind.NOTE)
    assert not Signal.objects.exists()
    log(EntryKind.EMAIL, Direction.INCOMING)
    log(EntryKind.CALL, Direction.INCOMING)
    log(EntryKind.MEETING, Direction.OUTGOING)

    assert sorted(Signal.objects.values_list("action", flat=True)) == ["called", "met", "replied"]
    assert points(card) == (20 + 15 + 25, "hot")
