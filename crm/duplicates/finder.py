"""Find the pairs of cards that are probably one person: blocking (only cards that share a phone, an
e-mail, or a surname and a first initial are ever compared), then scoring (``scoring.score``), then the
groups those pairs make.
"""

from __future__ import annotations

import itertools
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from crm.core import parallel
from crm.core.names import sound_key
from crm.duplicates.scoring import (
    WEAK_AT_MOST,
    Person,
    city_key,
    company_key,
    could_reach,
    given_name_keys,
    score,
    surname_keys,
)

THRESHOLD = 0.7  # the shipped default: precision first (a wrong merge costs more than a missed one)
MAX_BLOCK = 300  # a key held by more cards than this says nothing about any two of them
WINDOW_FROM = 40  # a block bigger than this is compared by sorted neighbourhood…
WINDOW = 20  # …each card with this many cards after it in the order of their full names
SPLIT_FROM = 50_000  # cards: below this, starting the other processes costs more than they save


@dataclass(frozen=True)
class Pair:
    a: object
    b: object
    score: float
    reasons: tuple[str, ...]


def _keys(person: Person) -> tuple[set[str], set[str]]:
    """The card's block keys, strong and weak. A shared phone, e-mail or e-mail name is a key by itself.
    So is a phone one digit off (the number with each of its digits left out). Names alone are never
    enough for the scoring, so a name (a surname's start and a first initial, either way round) is a key
    only together with what could make up the rest: a birthday or a company; or, weak, a patronymic or a
    city. Two cards that each have a phone, and share no phone, no near phone, no e-mail, no birthday
    and no company, cannot reach the threshold on names, a city and a patronymic (``WEAK_AT_MOST``): a
    weak key only joins a card without a phone to another."""
    keys = {f"p:{p}" for p in person.phones} | {f"e:{e}" for e in person.emails}
    keys |= {f"l:{e.split('@')[0]}" for e in person.emails if len(e.split("@")[0]) >= 5}
    # The name's keys from the shared cache, not the card's own (made for the cards compared only).
    last_keys, first_keys = surname_keys(person.last), given_name_keys(person.first)
    initials = {k[:1] for k in first_keys} or {""}
    names = {f"{last[:5]}:{i}" for last in last_keys for i in initials}
    if person.first and person.last:  # swapped names: the first name written as the surname
        names |= {f"{k[:5]}:{i}" for k in first_keys for i in {s[:1] for s in last_keys}}
    more = {f"b:{person.birth[-5:]}"} if person.birth else set()
    more |= {f"c:{company_key(person.company)}"} if person.company else set()
    keys |= {f"n:{name}:{extra}" for name in names for extra in more}
    # A phone one digit off or with two digits swapped: the number with each digit left out. Numbers are
    # sparse enough that the name need not narrow these blocks down, so they join a card to a typo of its
    # number under either order of its names.
    keys |= {f"d:{p[:i]}{p[i + 1 :]}" for p in person.phones if len(p) >= 10 for i in range(len(p))}
    less = {f"m:{sound_key(person.middle)[:4]}"} if person.middle else set()
    less |= {f"t:{city_key(person.city)}"} if person.city else set()
    return keys, {f"n:{name}:{extra}" for name in names for extra in less}


@dataclass
class _Hashed:
    """Block keys as flat arrays: each key's hash and its card's index, strong keys, then weak keys (a 1M
    base has some 20 million keys: as Python objects they were most of the finder's memory)."""

    hashes: array[int]
    owners: array[int]
    weak: array[int]
    weak_owners: array[int]


def _hashed_keys(people: list[Person], start: int, stop: int, parts: int = 1) -> list[_Hashed]:
    """The block keys of ``people[start:stop]``, in ``parts`` by their hash (a key's part is its hash
    modulo ``parts``), so that each part's blocks can be built by a process of its own."""
    found = [_Hashed(array("q"), array("q"), array("q"), array("q")) for _part in range(parts)]
    if parts == 1:
        (only,) = found
        for index in range(start, stop):
            keys, weak = _keys(people[index])
            only.hashes.extend(map(hash, keys))
            only.owners.extend(itertools.repeat(index, len(keys)))
            only.weak.extend(map(hash, weak))
            only.weak_owners.extend(itertools.repeat(index, len(weak)))
        return found
    for index in range(start, stop):
        keys, weak = _keys(people[index])
        for key in map(hash, keys):
            part = found[key % parts]
            part.hashes.append(key)
            part.owners.append(index)
        for key in map(hash, weak):
            part = found[key % parts]
            part.weak.append(key)
            part.weak_owners.append(index)
    return found


def _all_keys(people: list[Person], processes: int) -> list[list[_Hashed]]:
    """The block keys of every card, made by ``processes`` forked processes (one: this one): for each
    part of the keys (``_hashed_keys``), the arrays of each process."""
    if processes == 1:
        return [_hashed_keys(people, 0, len(people))]
    step = -(-len(people) // processes)
    slices = [(start, min(start + step, len(people))) for start in range(0, len(people), step)]
    made = list(parallel.in_order(lambda bounds: _hashed_keys(people, *bounds, processes), slices))
    return [[parts[part] for parts in made] for part in range(processes)]


@dataclass
class _Blocks:
    strong: list[list[int]]  # any two of a block's cards are compared
    weak: list[list[int]]  # only where one of the two has no phone


def _blocks(people: list[Person], keys: list[_Hashed] | None = None) -> _Blocks:
    """The cards of each key that two to ``MAX_BLOCK`` cards share (a weak key: and one of them has no
    phone). Most keys (a phone, an e-mail, a phone with a digit left out) belong to one card only: the
    keys are counted first (in C), and only the shared ones get a list. Two keys sharing a hash only add
    comparisons. ``keys``: one part of the keys (all of a key's cards are in its part), made by one or
    more processes; by default every card's keys."""
    keys = keys if keys is not None else _all_keys(people, 1)[0]
    counts: Counter[int] = Counter()
    for hashed in keys:
        counts.update(hashed.hashes)
    shared = {key for key, count in counts.items() if 1 < count <= MAX_BLOCK}
    counts.clear()
    without_phone: set[int] = set()
    for hashed in keys:
        counts.update(hashed.weak)
        without_phone.update(
            key for key, i in zip(hashed.weak, hashed.weak_owners, strict=True) if not people[i].phones
        )
    shared_weak = {key for key in without_phone if 1 < counts[key] <= MAX_BLOCK}
    del counts, without_phone
    return _Blocks(_members(keys, shared, weak=False), _members(keys, shared_weak, weak=True))


def _members(keys: list[_Hashed], shared: set[int], *, weak: bool) -> list[list[int]]:
    blocks: dict[int, list[int]] = {}
    for hashed in keys:
        for key, index in zip(
            hashed.weak if weak else hashed.hashes, hashed.weak_owners if weak else hashed.owners, strict=True
        ):
            if key in shared:
                blocks.setdefault(key, []).append(index)
    return list(blocks.values())


def find_pairs(people: Iterable[Person], threshold: float = THRESHOLD, *, split: bool = False) -> list[Pair]:
    """Every pair of the cards scoring at least ``threshold``, each pair once, best first. ``split``: a
    big base's keys are made, and its blocks built and scored, by one forked process per core (the
    worker's run allows it): each process takes the keys whose hash falls to it, so nothing but the pairs
    found comes back."""
    people = list(people)
    parts = parallel.cores() if split and len(people) >= SPLIT_FROM and parallel.available() else 1
    keys = _all_keys(people, parts)

    def scored(part: int) -> list[tuple[int, int, float, tuple[str, ...]]]:
        blocks = _blocks(people, keys[part])
        if threshold <= WEAK_AT_MOST:  # a threshold this low is reached without a phone in common, too
            blocks = _Blocks(blocks.strong + blocks.weak, [])
        return _scored(people, blocks, threshold)

    found = parallel.in_order(scored, list(range(parts))) if parts > 1 else iter([scored(0)])
    best: dict[tuple[int, int], tuple[float, tuple[str, ...]]] = {}
    for pairs in found:  # a pair in blocks of two processes comes back twice, with one score
        best.update(((i, j), (value, reasons)) for i, j, value, reasons in pairs)
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))
    return [Pair(people[i].key, people[j].key, value, reasons) for (i, j), (value, reasons) in ranked]


def _scored(
    people: list[Person], blocks: _Blocks, threshold: float
) -> list[tuple[int, int, float, tuple[str, ...]]]:
    """The pairs of these blocks scoring at least ``threshold``, as (index, index, score, reasons)."""
    seen: set[int] = set()  # a pair compared already, as one number (a tuple would take twice the memory)
    size = len(people)
    order: dict[int, tuple[str, ...]] = {}
    found = []
    for weak, members in itertools.chain(
        zip(itertools.repeat(False), blocks.strong), zip(itertools.repeat(True), blocks.weak)
    ):
        for i, j in _candidates(people, sorted(set(members)), order):
            if weak and people[i].phones and people[j].phones:
                continue
            if (pair := i * size + j) in seen:
                continue
            seen.add(pair)
            if not could_reach(people[i], people[j], threshold):
                continue
            value, reasons = score(people[i], people[j])
            if value >= threshold:
                found.append((i, j, value, tuple(reasons)))
    return found


def _candidates(
    people: list[Person], members: list[int], order: dict[int, tuple[str, ...]]
) -> Iterator[tuple[int, int]]:
    """The pairs of a block to score, each as (lower index, higher index): all of them in a small block;
    in a big one (namesakes of one city, of one birthday…) each card with its ``WINDOW`` neighbours in
    the order of their full names, where one person's cards stand together."""
    if len(members) <= WINDOW_FROM:
        yield from itertools.combinations(members, 2)
        return
    for index in members:
        if index not in order:
            person = people[index]
            order[index] = (
                min(person.last_keys, default=""),
                min(person.first_keys, default=""),
                person.middle,
            )
    members.sort(key=lambda index: (order[index], index))
    for x, i in enumerate(members):
        for j in members[x + 1 : x + 1 + WINDOW]:
            yield (i, j) if i < j else (j, i)


def groups(pairs: Iterable[Pair]) -> list[set[object]]:
    """The cards the pairs join, transitively: each group is one person."""
    parent: dict[object, object] = {}

    def root(x: object) -> object:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in pairs:
        parent[root(pair.a)] = root(pair.b)
    found: dict[object, set[object]] = defaultdict(set)
    for x in list(parent):
        found[root(x)].add(x)
    return [g for g in found.values() if len(g) > 1]
