"""How likely two cards are one person, and why.

A shared phone or e-mail is strong evidence, not proof: an office switchboard, a family phone, a re-issued
mobile or an info@ mailbox join different people, so the names must agree too. Names agree when they
sound alike (``names.sound_key``: Ё/Е, any transliteration, the wrong keyboard layout), first names also
through their full forms (Саша / Александр); a typo or two in a long surname still agrees. Without a
shared phone or e-mail, agreeing names need more: the same patronymic, birthday, company, a phone one
digit off, an e-mail made of the same name.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Set
from dataclasses import dataclass, field

from rapidfuzz.distance import DamerauLevenshtein

from crm.core.names import from_wrong_layout, full_forms, is_known_first_name, sound_key, spellings

_LEGAL = re.compile(
    r"\b(ооо|оао|зао|пао|ао|ип|нко|гбу|муп|фгуп|llc|ltd|inc|gmbh|corp|co|ooo|zao|oao|pao|ao|ip|"
    r"общество с ограниченной ответственностью|индивидуальный предприниматель|"
    r"закрытое акционерное общество|открытое акционерное общество|публичное акционерное общество|"
    r"акционерное общество)\b",
    re.IGNORECASE,
)
_CITY_WORDS = re.compile(r"\b(г|город|гор)\b\.?", re.IGNORECASE)
_CITY_ALIASES = {"мск": "moskva", "msk": "moskva", "спб": "sanktpeterburg", "питер": "sanktpeterburg"}


@dataclass(frozen=True)
class Person:
    """What the finder compares of a card (already lower-cased where it matters)."""

    key: object  # the card's id, or a record's id in a file
    last: str = ""
    first: str = ""
    middle: str = ""
    birth: str = ""  # "YYYY-MM-DD", "MM-DD" without a year, or ""
    phones: frozenset[str] = frozenset()  # 10 national digits (or the whole E.164 number abroad)
    emails: frozenset[str] = frozenset()
    company: str = ""
    city: str = ""
    shared_phones: frozenset[str] = field(default_factory=frozenset)  # marked shared on the card

    # Computed once per card (a finder run asks for them in every comparison): not fields, so two
    # cards still compare by their values only.
    @functools.cached_property
    def last_keys(self) -> frozenset[str]:
        return surname_keys(self.last)

    @functools.cached_property
    def first_keys(self) -> frozenset[str]:
        return given_name_keys(self.first)

    @functools.cached_property
    def first_sound(self) -> str:
        return sound_key(self.first)

    @functools.cached_property
    def as_first(self) -> frozenset[str]:
        """The surname read as a first name (for names written the other way round)."""
        return _as_first(self.last)


# A name's keys are one shared set for every card bearing it: a million cards hold a few thousand first
# names and some tens of thousands of surnames, and a set per card made most of the finder's memory.
@functools.lru_cache(maxsize=200_000)
def surname_keys(last: str) -> frozenset[str]:
    return frozenset(spellings(last)) if last else frozenset()


@functools.lru_cache(maxsize=200_000)
def given_name_keys(first: str) -> frozenset[str]:
    keys: set[str] = set()
    for spelling in ({first} | ({w} if (w := from_wrong_layout(first)) else set())) if first else set():
        keys |= full_forms(spelling)
    return frozenset(keys)


@functools.lru_cache(maxsize=200_000)
def _as_first(last: str) -> frozenset[str]:
    return full_forms(last) | surname_keys(last)


@functools.lru_cache(maxsize=100_000)
def company_key(name: str) -> str:
    """ООО «Ромашка» / Ромашка ООО / Общество с ограниченной ответственностью "Ромашка" / Romashka LLC."""
    text = _LEGAL.sub(" ", name.lower())
    words = [sound_key(w) for w in re.findall(r"[\w-]+", text)]
    return " ".join(sorted(w for w in words if w))


@functools.lru_cache(maxsize=10_000)
def city_key(name: str) -> str:
    text = _CITY_WORDS.sub(" ", name.lower()).strip(" .,")
    key = sound_key(text.replace("-", "").replace(" ", ""))
    return _CITY_ALIASES.get(text, _CITY_ALIASES.get(key, key))


def _similar(a: Set[str], b: Set[str], *, typos: int) -> bool:
    """Two sets of sound keys share one, or hold two keys a typo or two apart (one for short keys)."""
    if a & b:
        return True
    for x in a:
        for y in b:
            shortest = min(len(x), len(y))
            allowed = typos if shortest >= 7 else 1 if shortest >= 4 else 0
            # Keys further apart in length than the typos allowed cannot be that close: not measured.
            if allowed and abs(len(x) - len(y)) <= allowed and DamerauLevenshtein.distance(x, y) <= allowed:
                return True
    return False


def _other_gender(a: str, b: str) -> bool:
    """Иванов / Иванова, Вяземский / Вяземская: a husband and a wife, not a typo."""
    x, y = sorted((sound_key(a), sound_key(b)), key=len)
    if not x:
        return False
    if y == x + "a":
        return True
    return len(x) == len(y) and x[:-1] == y[:-1] and {x[-1], y[-1]} == {"i", "a"} and x[-3:-1] in ("sk", "ck")


def _first_names(a: Person, b: Person) -> bool | None:
    """True: one name (Саша / Александр, or a typo of it); False: two different known names; None: one
    is missing, or an unknown spelling too far from the other to tell."""
    if not a.first or not b.first:
        return None
    if a.first_keys & b.first_keys:
        return True
    if _similar({a.first_sound}, {b.first_sound} | b.first_keys, typos=2) or _similar(
        a.first_keys, {b.first_sound}, typos=2
    ):
        return True
    return False if is_known_first_name(a.first) and is_known_first_name(b.first) else None


def _names(a: Person, b: Person) -> tuple[str, list[str]]:
    """("agree" | "conflict" | "unknown", reasons) for the pair's names, swapped order included."""
    reasons: list[str] = []
    a_last, b_last = a.last_keys, b.last_keys
    if a.first and b.first and a.last and b.last:
        if _similar(a_last, {b.first_sound}, typos=1) and _similar(
            a.first_keys | {a.first_sound}, b.as_first, typos=1
        ):
            return "agree", ["names swapped"]
        if _similar(b_last, {a.first_sound}, typos=1) and _similar(
            b.first_keys | {b.first_sound}, a.as_first, typos=1
        ):
            return "agree", ["names swapped"]
    last_ok = None
    if a.last and b.last:
        if _other_gender(a.last, b.last):
            return "conflict", []
        last_ok = _similar(a_last, b_last, typos=2)
    first_ok = _first_names(a, b)
    if last_ok is False or first_ok is False:
        return "conflict", []
    if last_ok:
        reasons.append("same last name")
    if first_ok:
        reasons.append("same first name")
    if a.middle and b.middle:
        if not _similar({sound_key(a.middle)}, {sound_key(b.middle)}, typos=1):
            return "conflict", []
        reasons.append("same patronymic")
    return ("agree" if last_ok or first_ok else "unknown"), reasons


def names_conflict(a: Person, b: Person) -> bool:
    """The two names belong to different people (Иванов Пётр / Иванова Мария, Пётр / Мария): a shared
    phone or e-mail then does not make them one."""
    return _names(a, b)[0] == "conflict"


def _birth(a: Person, b: Person) -> bool | None:
    if not a.birth or not b.birth:
        return None
    return a.birth[-5:] == b.birth[-5:] and (len(a.birth) < 10 or len(b.birth) < 10 or a.birth == b.birth)


def _near_phone(a: Person, b: Person) -> bool:
    """A phone one digit off or with two digits swapped: a typo, on the same number. Such a typo leaves
    the first four digits or the last four as they were, which rules out most pairs before the distance
    is measured (the finder asks this of millions of pairs)."""
    for x in a.phones:
        if len(x) != 10:
            continue
        for y in b.phones:
            if len(y) == 10 and (x[:4] == y[:4] or x[6:] == y[6:]) and DamerauLevenshtein.distance(x, y) == 1:
                return True
    return False


def _email_names(a: Person, b: Person) -> bool:
    """An address built of the other card's surname (ivanov.a@…, a.ivanov@…)."""
    for person, other in ((a, b), (b, a)):
        keys = {k for k in other.last_keys if len(k) >= 4}
        for email in person.emails:
            local = sound_key(re.sub(r"[^a-z]", "", email.split("@")[0]))
            if any(k in local for k in keys):
                return True
    return False


# The most agreeing names add: 0.25, and 0.1 each for the last name, the first name and the patronymic
# (written the other way round: 0.25 + 0.2).
_NAMES_AT_MOST = 0.55
# The most two cards score that share nothing but their names, a city and an e-mail made of the name, when
# each has a phone and the phones differ by more than a digit: 0.55 + 0.1 + 0.15 - 0.15 (a test holds it).
WEAK_AT_MOST = 0.65


def could_reach(a: Person, b: Person, threshold: float) -> bool:
    """Whether ``score(a, b)`` can reach ``threshold``, judged by what a set or a string comparison tells:
    the names taken as agreeing in full and an e-mail made of the name taken as found.
    Never False for a pair that reaches it (a test holds it to ``score``); namesakes of one city or one
    patronymic, each with their own phone and e-mail, are most of a big base's candidates and stop here,
    before the names are compared."""
    birth = _birth(a, b)
    if birth is False:
        return False
    phones = (a.phones & b.phones) - a.shared_phones - b.shared_phones
    emails = a.emails & b.emails
    value = _NAMES_AT_MOST + 0.7 * bool(phones) + 0.7 * bool(emails) + 0.3 * bool(birth)
    if a.company and b.company:
        value += 0.2 if company_key(a.company) == company_key(b.company) else -0.1
    if a.city and b.city and city_key(a.city) == city_key(b.city):
        value += 0.1
    if not phones and a.phones and b.phones:
        value += 0.3 if _near_phone(a, b) else -0.15
    if not emails and (a.emails or b.emails):
        value += 0.15 - 0.1 * bool(a.emails and b.emails)
    # The scores are sums of tenths: a hair of slack keeps a float's rounding from dropping a pair.
    return value >= threshold - 1e-9


def score(a: Person, b: Person) -> tuple[float, list[str]]:
    """0 … 1 and the reasons; 0 when the cards cannot be one person (their names or birthdays conflict)."""
    names, reasons = _names(a, b)
    if names == "conflict":
        return 0.0, []
    birth = _birth(a, b)
    if birth is False:
        return 0.0, []
    phones = (a.phones & b.phones) - a.shared_phones - b.shared_phones
    emails = a.emails & b.emails
    value = 0.0
    if phones:
        value += 0.7
        reasons.append("same phone")
    if emails:
        value += 0.7
        reasons.append("same e-mail")
    if names == "agree":
        value += 0.25 + 0.1 * ("same last name" in reasons) + 0.1 * ("same first name" in reasons)
        value += 0.1 * ("same patronymic" in reasons) + 0.2 * ("names swapped" in reasons)
    if birth:
        value += 0.3
        reasons.append("same birthday")
    if a.company and b.company and company_key(a.company) == company_key(b.company):
        value += 0.2
        reasons.append("same company")
    if a.city and b.city and city_key(a.city) == city_key(b.city):
        value += 0.1
        reasons.append("same city")
    if not phones and _near_phone(a, b):
        value += 0.3
        reasons.append("phone one digit off")
    if not emails and _email_names(a, b):
        value += 0.15
        reasons.append("e-mail made of the name")
    # Namesakes: each card has its own phone, its own e-mail, its own employer.
    if a.phones and b.phones and not phones and "phone one digit off" not in reasons:
        value -= 0.15
    if a.emails and b.emails and not emails:
        value -= 0.1
    if a.company and b.company and "same company" not in reasons:
        value -= 0.1
    if names == "unknown" and not (phones or emails):
        return 0.0, []
    return max(0.0, min(1.0, value)), reasons
