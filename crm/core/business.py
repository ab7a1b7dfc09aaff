"""Open business on a card (R3.3): what makes a card need a dated next step. A lead is open business (the
tasks app knows it); an open deal is too, and the deals app registers it here at start-up, since tasks
may not import deals."""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import reduce
from typing import Any

from django.db.models import Q

# ``condition(kind)``: the cards of that kind with open business, as a filter on the card's rows.
Condition = Callable[[str], Q]
# ``check(request, kind, record)``: whether this card, shown in this request, has open business.
Check = Callable[[Any, str, Any], bool]

_registered: dict[str, tuple[Condition, Check]] = {}


def register_open_business(name: str, condition: Condition, check: Check) -> None:
    _registered[name] = (condition, check)


def open_business_q(kind: str) -> Q | None:
    """The registered kinds of open business as one filter (None: nothing registered)."""
    conditions = [condition(kind) for condition, _check in _registered.values()]
    return reduce(operator.or_, conditions) if conditions else None


def has_open_business(request: Any, kind: str, record: Any) -> bool:
    return any(check(request, kind, record) for _condition, check in _registered.values())
