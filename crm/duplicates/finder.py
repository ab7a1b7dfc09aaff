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
from crm.duplicates.scoring import Person, city_key, company_key, score

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


def _keys(person: Person) -> set[str]:
    """The card's block keys. A shared phone, e-mail or e-mail name is a key by itself. Names alone are
    never enough for the scoring, so a name (a surname's start and a first initial, either way round) is
    a key only together with what could make up the rest: a birthday, a company, a patronymic, a city, or
    a phone one digit off (the number with each of its digits left out)."""
    keys = {f"p:{p}" for p in person.phones} | {f"e:{e}" for e in person.emails}
    keys |= {f"l:{e.split('@')[0]}" for e in person.emails if len(e.split("@")[0]) >= 5}
    initials = {k[:1] for k in person.first_keys} or {""}
    straight = {f"{last[:5]}:{i}" for last in person.last_keys for i in initials}
    names = set(straight)
    if person.first and person.last:  # swapped names: the first name written as the surname
        names |= {f"{k[:5]}:{i}" for k in person.first_keys for i in {s[:1] for s in person.last_keys}}
    more = {f"b:{person.birth[-5:]}"} if person.birth else set()
    more |= {f"c:{company_key(person.company)}"} if person.company else set()
    more |= {f"m:{sound_key(person.middle)[:4]}"} if person.middle else set()
    more |= {f"t:{city_key(person.city)}"} if person.city else set()
    keys |= {f"n:{name}:{extra}" for name in names for extra in more}
    # A phone one digit off (the number with each digit left out), under the name as written.
    near = {f"d:{p[:i]}{p[i + 1 :]}" for p in person.phones if len(p) >= 10 for i in range(len(p))}
    keys |= {f"n:{name}:{extra}" for name in straight for extra in near}
    return keys


def _hashed_keys(people: list[Person], start: int, stop: int) -> tuple[array[int], array[int]]:
    """The block keys of ``people[start:stop]`` as two flat arrays: each key's hash, and its card's
    index (a 1M base has some 20 million keys: as Python objects they were most of the finder's memory)."""
    hashes, owners = array("q"), array("q")
    for index in range(start, stop):
        keys = _keys(people[index])
        hashes.extend(map(hash, keys))
        owners.extend(itertools.repeat(index, len(keys)))
    return hashes, owners


def _blocks(people: list[Person], *, split: bool = False) -> list[list[int]]:
    """The cards of each key that two to ``MAX_BLOCK`` cards share. Most keys (a phone, an e-mail, a
    phone with a digit left out) belong to one card only: the keys are counted first (in C), and only
    the shared ones get a list. Two keys sharing a hash only add comparisons. ``split``: the keys of a
    big base are made by one forked process per core."""
    if split:
        step = -(-len(people) // parallel.cores())
        slices = [(start, min(start + step, len(people))) for start in range(0, len(people), step)]
        parts = list(parallel.in_order(lambda bounds: _hashed_keys(people, *bounds), slices))
    else:
        parts = [_hashed_keys(people, 0, len(people))]
    counts: Counter[int] = Counter()
    for hashes, _owners in parts:
        counts.update(hashes)
    shared = {key for key, count in counts.items() if 1 < count <= MAX_BLOCK}
    del counts
    blocks: dict[int, list[int]] = {}
    for hashes, owners in parts:
        for key, index in zip(hashes, owners, strict=True):
            if key in shared:
                blocks.setdefault(key, []).append(index)
    return list(blocks.values())


def find_pairs(people: Iterable[Person], threshold: float = THRESHOLD, *, split: bool = False) -> list[Pair]:
    """Every pair of the cards scoring at least ``threshold``, each pair once, best first. ``split``: a
    big base's blocks are scored by one forked process per core (the worker's run allows it)."""
    people = list(people)
    split = split and len(people) >= SPLIT_FROM and parallel.available()
    blocks = _blocks(people, split=split)
    if split:
        parts = parallel.cores()
        found = parallel.in_order(
            lambda part: _scored(people, blocks[part::parts], threshold), list(range(parts))
        )
    else:
        found = iter([_scored(people, blocks, threshold)])
    best: dict[tuple[int, int], tuple[float, tuple[str, ...]]] = {}
    for scored in found:  # a pair in blocks scored by two processes comes back twice, with one score
        best.update(((i, j), (value, reasons)) for i, j, value, reasons in scored)
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))
    return [Pair(people[i].key, people[j].key, value, reasons) for (i, j), (value, reasons) in ranked]


def _scored(
    people: list[Person], blocks: list[list[int]], threshold: float
) -> list[tuple[int, int, float, tuple[str, ...]]]:
    """The pairs of these blocks scoring at least ``threshold``, as (index, index, score, reasons)."""
    seen: set[int] = set()  # a pair compared already, as one number (a tuple would take twice the memory)
    size = len(people)
    order: dict[int, tuple[str, ...]] = {}
    found = []
    for members in blocks:
        for i, j in _candidates(people, sorted(set(members)), order):
            if (pair := i * size + j) in seen:
                continue
            seen.add(pair)
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
