"""An order is a lead signal (R5.4)."""

from __future__ import annotations

import pytest

from crm.contacts.testing import make_contact
from crm.scoring.models import Signal

pytestmark = pytest.mark.django_db


def test_an_order_is_a_signal(manager_a, admin):
    from crm.deals.testing import make_order

    card = make_contact(manager_a, "Покупатель")
    make_order(admin, contact_id=card.pk)

    assert list(Signal.objects.values_list("contact_id", "action")) == [(card.pk, "ordered")]
