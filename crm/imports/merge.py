"""Rows of one file that are one person become one record before anything is written.

Two records are one person when they share an e-mail or a phone with the same extension (a switchboard
with different extensions is not a match), transitively, unless their names say they are two people
(``duplicates.scoring.names_conflict``: Иванов Пётр and Иванова Мария on one family phone): then each stays
its own record, the phone marked shared on the later one and the e-mail left on the first one's only,
with a note. A name alone never merges. The merged record
holds every phone, e-mail, messenger, tag and source id of its rows; a single value (city, birthday,
position…) comes from the most complete row that has it; the name comes from the row whose name is
written best: given in its own columns rather than one cell, in Cyrillic rather than Latin, with «ё»,
in full rather than initials, in normal case rather than capitals.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from crm.contacts.inputs import INPUT_CLASSES, ContactInput
from crm.duplicates.scoring import Person, names_conflict
from crm.imports.records import Note, Record

SHARED_PHONE = _(
    "The number is also {name}'s, in another row: a different person, so it is on both cards, marked shared."
)
OTHERS_EMAIL = _(
    "The address is also {name}'s, in another row: a different person, so it stays on that card only."
)

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_INITIAL = re.compile(r"^\w\.?$")
_LISTS = ("phones", "emails", "messengers", "tags")
_NAMES = ("last_name", "first_name", "middle_name")


def merge(records: list[Record]) -> list[Record]:
    """The file's records with each group of one person's rows made one, in the order of first rows."""
    people = [r for r in records if r.kind == "contact" and r.person is not None]
    parent = list(range(len(people)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner_of: dict[str, int] = {}
    for index, record in enumerate(people):
        for key in sorted(record.keys()):
            if key not in owner_of:
                owner_of[key] = index
            elif _two_people(people[owner_of[key]], record):
                _keep_apart(record, key, people[owner_of[key]])
            else:
                a, b = root(owner_of[key]), root(index)
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[Record]] = {}
    for index, record in enumerate(people):
        groups.setdefault(root(index), []).append(record)
    merged = {id(group[0]): _one(group) for group in groups.values()}
    return [merged.get(id(r), r) for r in records if r.kind != "contact" or id(r) in merged]


# The input's fields, from the class the declarations make (its static type is a stand-in).
_FIELDS = [f.name for f in dataclasses.fields(INPUT_CLASSES["contact"])]


def person_of(record: Record) -> Person:
    """What the duplicate scoring compares of a record: its names."""
    person = record.person
    assert person is not None
    return Person(key=id(record), last=person.last_name, first=person.first_name, middle=person.middle_name)


def _two_people(a: Record, b: Record) -> bool:
    return names_conflict(person_of(a), person_of(b))


def _keep_apart(record: Record, key: str, other: Record) -> None:
    """``record`` shares ``key`` with ``other``, a different person: the phone stays on both, marked
    shared on this one; the e-mail stays on the other's card only."""
    person = record.person
    assert person is not None
    assert other.person is not None
    kind, _sep, value = key.partition(":")
    name = " ".join(n for n in (other.person.last_name, other.person.first_name) if n)
    if kind == "phone":
        person.phones = [
            dataclasses.replace(p, shared=True) if p.value == value else p for p in person.phones
        ]
        message = format_lazy(SHARED_PHONE, name=name)
    else:
        person.emails = [e for e in person.emails if e.value != value]
        message = format_lazy(OTHERS_EMAIL, name=name)
    note = Note(record.numbers[0], "", value, message)
    if note not in record.notes:
        record.notes.append(note)


def _filled(person: ContactInput) -> int:
    return len([name for name in _FIELDS if getattr(person, name) not in ("", None, [], {})])


def _name_quality(record: Record) -> tuple[int, ...]:
    person = record.person
    assert person is not None
    names = [getattr(person, n) for n in _NAMES]
    text = " ".join(n for n in names if n)
    return (
        int(bool(text)),
        int(not record.name_from_one_cell),
        int(bool(_CYRILLIC.search(text))),
        int("ё" in text.casefold()),
        int(not any(_INITIAL.match(w) for w in text.split())),
        int(not text.isupper()),
        sum(1 for n in names if n),
    )


def _one(group: list[Record]) -> Record:
    if len(group) == 1:
        return group[0]
    by_completeness = sorted(group, key=lambda r: -_filled(r.person))  # type: ignore[arg-type]
    best_name = max(group, key=_name_quality)
    values: dict[str, Any] = {}
    for name in _FIELDS:
        if name in _NAMES:
            values[name] = getattr(best_name.person, name)
        elif name in _LISTS:
            values[name] = _union(name, [getattr(r.person, name) for r in group])
        elif name == "notes":
            values[name] = "\n".join(dict.fromkeys(r.person.notes for r in group if r.person.notes))  # type: ignore[union-attr]
        elif name == "is_key":
            values[name] = any(r.person.is_key for r in group)  # type: ignore[union-attr]
        else:
            values[name] = next(
                (
                    getattr(r.person, name)
                    for r in by_completeness
                    if getattr(r.person, name) not in ("", None, {})
                ),
                getattr(group[0].person, name),
            )
    if not values.get("company_name"):
        values["position"] = ""
    first = group[0]
    created = [r.created_at for r in group if r.created_at is not None]
    return dataclasses.replace(
        first,
        numbers=sorted(n for r in group for n in r.numbers),
        person=ContactInput(**values),
        external_ids=list(dict.fromkeys(i for r in group for i in r.external_ids)),
        more_companies=list(dict.fromkeys(c for r in group for c in r.more_companies)),
        created_at=min(created) if created else None,
        name_from_one_cell=best_name.name_from_one_cell,
        notes=[n for r in group for n in r.notes],
    )


def _union(name: str, lists: list[list[Any]]) -> list[Any]:
    seen: set[Any] = set()
    result: list[Any] = []
    for items in lists:
        for item in items:
            key = item if name == "tags" else (item.kind, item.handle) if name == "messengers" else item.value
            if key not in seen:
                seen.add(key)
                result.append(item)
    if name in ("phones", "emails"):  # the first row's first value stays the primary one
        result = [dataclasses.replace(item, is_primary=index == 0) for index, item in enumerate(result)]
    return result
