"""Segment conditions on lead scoring (R5.4): the band and the points; a person without signals is
cold at zero."""

from __future__ import annotations

import pytest

from crm.contacts.testing import make_contact
from crm.scoring.testing import signal

pytestmark = pytest.mark.django_db


def test_segments_ask_the_band_and_the_points_a_person_without_signals_being_cold_at_zero(manager_a):
    from crm.segments import selectors as segment_selectors

    hot, warm, _cold = (make_contact(manager_a, name) for name in ("Горячий", "Тёплый", "Холодный"))
    signal(manager_a, hot, "ordered")
    signal(manager_a, hot, "met")
    signal(manager_a, warm, "form_filled")

    def members(rule):
        definition = {"match": "all", "rules": [rule]}
        found = segment_selectors.members(user=manager_a, kind="contact", definition=definition)
        return sorted(found.values_list("last_name", flat=True))

    assert members({"field": "lead_band", "op": "in", "value": ["hot"]}) == ["Горячий"]
    assert members({"field": "lead_band", "op": "in", "value": ["warm", "cold"]}) == ["Тёплый", "Холодный"]
    assert members({"field": "lead_band", "op": "not_in", "value": ["cold"]}) == ["Горячий", "Тёплый"]
    assert members({"field": "lead_score", "op": "gte", "value": "30"}) == ["Горячий", "Тёплый"]
    assert members({"field": "lead_score", "op": "lt", "value": "30"}) == ["Холодный"]
    assert members({"field": "lead_score", "op": "between", "value": ["0", "40"]}) == ["Тёплый", "Холодный"]


def test_a_deal_amount_hidden_from_the_role_is_no_condition_for_it(admin, manager_a):
    from crm.core.audit import SYSTEM
    from crm.fields import services as field_services
    from crm.segments import rules

    assert "deal_amount" in {c.key for c in rules.catalogue(rules.context(manager_a, "contact"))}
    field_services.field_access_set(
        actor=admin, kind="deal", key="amount", levels={manager_a.role_id: "hidden"}, source=SYSTEM
    )
    assert "deal_amount" not in {c.key for c in rules.catalogue(rules.context(manager_a, "contact"))}
