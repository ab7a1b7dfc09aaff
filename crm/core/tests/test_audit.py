"""The journal's diff: only real changes, values that survive JSON."""

import datetime
import decimal

from crm.core.audit import diff


def test_diff_lists_only_changed_fields_as_old_and_new():
    assert diff({"city": "Москва", "name": "Иван"}, {"city": "Казань", "name": "Иван"}) == {
        "city": ["Москва", "Казань"]
    }


def test_nothing_becoming_blank_is_not_a_change_but_a_flag_switched_off_is():
    assert diff({}, {"notes": "", "tags": [], "is_key": False, "owner": None}) == {}
    assert diff({"is_key": True}, {"is_key": False}) == {"is_key": [True, False]}


def test_dates_and_decimals_are_stored_as_text():
    changes = diff(
        {"due": datetime.date(2026, 1, 2)}, {"due": datetime.date(2026, 1, 3), "sum": decimal.Decimal("1.50")}
    )
    assert changes == {"due": ["2026-01-02", "2026-01-03"], "sum": [None, "1.50"]}
