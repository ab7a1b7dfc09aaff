"""How points fade: they halve every ``half_life_days`` days, counted in whole days from the signal's
day; with no half-life they never fade. The one formula both the recount and the card's "worth now" use."""

from __future__ import annotations

import datetime
from typing import Any

HORIZON_HALVINGS = 10  # a signal older than ten half-lives is worth less than a thousandth: not read


def horizon(conf: Any, today: datetime.date) -> datetime.date | None:
    """The oldest day whose signals still count (None: all of them)."""
    if not conf.half_life_days:
        return None
    return today - datetime.timedelta(days=HORIZON_HALVINGS * conf.half_life_days)


def decayed(points: int, day: datetime.date, conf: Any, today: datetime.date) -> float:
    if not conf.half_life_days:
        return float(points)
    age = max((today - day).days, 0)
    return float(points * 0.5 ** (age / conf.half_life_days))
