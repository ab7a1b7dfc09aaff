"""Finding the date in a next step as people write it: "отправить КП до 18.10", "позвонить завтра в 15:00",
"send the proposal by 18.10", "через 3 дня", "в пятницу".

Returns the due moment in the user's time zone; a date without a time is an all-day task.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

_DATE = re.compile(r"(?<!\d)(\d{1,2})\.(\d{1,2})(?:\.(\d{2}|\d{4}))?(?!\d)")
_TIME = re.compile(r"(?:\bв\s+|\bat\s+|\bк\s+)?(?<![\d.])([01]?\d|2[0-3]):([0-5]\d)(?![\d.])")
_IN_DAYS = re.compile(r"\b(?:через|in)\s+(\d{1,3})\s*(?:дн|день|дня|day)", re.IGNORECASE)
_IN_WEEKS = re.compile(r"\b(?:через|in)\s+(\d{1,2})?\s*(?:недел|week)", re.IGNORECASE)
_RELATIVE = {
    "сегодня": 0,
    "today": 0,
    "завтра": 1,
    "tomorrow": 1,
    "послезавтра": 2,
}
_WEEKDAYS = {
    "понедельник": 0,
    "monday": 0,
    "вторник": 1,
    "tuesday": 1,
    "сред": 2,
    "wednesday": 2,
    "четверг": 3,
    "thursday": 3,
    "пятниц": 4,
    "friday": 4,
    "суббот": 5,
    "saturday": 5,
    "воскресень": 6,
    "sunday": 6,
}


@dataclass(frozen=True)
class Due:
    at: datetime.datetime
    all_day: bool


def find_due(text: str, now: datetime.datetime) -> Due | None:
    """The first date the text names (and a time, if it gives one), relative to ``now`` (aware, local)."""
    lowered = (text or "").lower()
    day = _explicit_date(lowered, now.date()) or _relative_date(lowered, now.date())
    time_match = _TIME.search(_DATE.sub(" ", lowered))
    if day is None:
        if time_match is None:
            return None
        day = now.date()  # "в 15:00" alone: today (tomorrow if that moment has passed)
        moment = _at(day, time_match, now)
        if moment <= now:
            moment += datetime.timedelta(days=1)
        return Due(moment, all_day=False)
    if time_match is not None:
        return Due(_at(day, time_match, now), all_day=False)
    return Due(end_of_day(day, now.tzinfo), all_day=True)


def end_of_day(day: datetime.date, tz: datetime.tzinfo | None) -> datetime.datetime:
    """An all-day task is due by the end of its day (it becomes overdue the next morning)."""
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=tz)


def _at(day: datetime.date, match: re.Match[str], now: datetime.datetime) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(int(match.group(1)), int(match.group(2))), tzinfo=now.tzinfo
    )


def _explicit_date(text: str, today: datetime.date) -> datetime.date | None:
    for match in _DATE.finditer(text):
        day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
        if year is not None:
            full = int(year) + (2000 if len(year) == 2 else 0)
            try:
                return datetime.date(full, month, day)
            except ValueError:
                continue
        try:
            candidate = datetime.date(today.year, month, day)
        except ValueError:
            continue
        # "до 18.10" written in December means next October.
        return candidate if candidate >= today else candidate.replace(year=today.year + 1)
    return None


def _relative_date(text: str, today: datetime.date) -> datetime.date | None:
    for word, days in _RELATIVE.items():
        if re.search(rf"\b{word}\b", text):
            return today + datetime.timedelta(days=days)
    match = _IN_DAYS.search(text)
    if match:
        return today + datetime.timedelta(days=int(match.group(1)))
    match = _IN_WEEKS.search(text)
    if match:
        return today + datetime.timedelta(weeks=int(match.group(1) or 1))
    for stem, weekday in _WEEKDAYS.items():
        if re.search(rf"\b{stem}", text):
            ahead = (weekday - today.weekday()) % 7 or 7
            return today + datetime.timedelta(days=ahead)
    return None
