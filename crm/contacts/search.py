"""Name search behind one interface, using each database's own strength.

- A name prefix (the usual case: the start of a surname) is a range on the B-tree over ``name_key``.
- The start of any other word: FTS5 on SQLite, the pg_trgm GIN index on ``name_key`` on PostgreSQL.
- Typos: each query word is corrected against the vocabulary of words that occur in names
  (``SearchWord``, a few thousand rows) — by trigram similarity on PostgreSQL (GIN index), by rapidfuzz
  over the words sharing the first letter on SQLite — and the corrected queries are searched as above.

Phones, e-mails and INNs are exact or prefix lookups on their own indexed columns (see selectors).
This module only reads; the index and the vocabulary are written by ``services/search_index.py``.
"""

from __future__ import annotations

import itertools

from django.db import connection, transaction
from django.db.models import Q
from rapidfuzz import fuzz, process

from crm.contacts.models import SearchWord
from crm.core.normalize import name_key

TABLES = {"contact": "contacts_contact_fts", "company": "contacts_company_fts"}
# Letters often confused at the start of a Russian word (SQLite looks those up too).
FIRST_LETTER_VARIANTS = {
    "е": "еэ",
    "э": "эе",
    "и": "иы",
    "ы": "иы",
    "о": "оа",
    "а": "ао",
    "ш": "шщ",
    "щ": "щш",
}
MIN_SIMILARITY = 70  # rapidfuzz ratio; one wrong letter in a 6-letter word scores 83
TRIGRAM_THRESHOLD = 0.3  # pg_trgm similarity for candidate words


def is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def words(query: str) -> list[str]:
    return [w for w in name_key(query).replace("-", " ").split() if w][:4]


def prefix_q(field: str, value: str) -> Q:
    """``field`` starts with ``value``: the range ``value <= field < value-with-its-last-letter+1``,
    which a plain B-tree serves. Exact on SQLite (binary order) and on PostgreSQL, where the columns
    searched this way use the "C" collation (migration 0005)."""
    if not value:
        return Q()
    upper = value[:-1] + chr(ord(value[-1]) + 1)
    return Q(**{f"{field}__gte": value, f"{field}__lt": upper})


def has_words_starting(kind: str, query: str) -> bool:
    """Whether every query word starts some word of some name (a lookup in the small vocabulary)."""
    terms = words(query)
    return bool(terms) and all(
        SearchWord.objects.filter(prefix_q("word", term), kind=kind).exists() for term in terms
    )


def prefix_match(query: str) -> str:
    """SQLite: an FTS MATCH expression where every query word is a word prefix."""
    return " AND ".join('"' + t.replace('"', "") + '"*' for t in words(query))


def _candidates(kind: str, term: str, limit: int) -> list[str]:
    """The vocabulary words closest to ``term``, best first."""
    if is_sqlite():
        pool: list[str] = []
        for letter in FIRST_LETTER_VARIANTS.get(term[0], term[0]):
            pool += SearchWord.objects.filter(prefix_q("word", letter), kind=kind).values_list(
                "word", flat=True
            )
        found = process.extract(term, pool, scorer=fuzz.ratio, limit=limit, score_cutoff=MIN_SIMILARITY)
        return [word for word, _score, _index in found]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL pg_trgm.similarity_threshold = %s", [TRIGRAM_THRESHOLD])
        cursor.execute(
            "SELECT word FROM contacts_searchword WHERE kind = %s AND word %% %s "
            "ORDER BY word <-> %s, word LIMIT %s",
            [kind, term, term, limit * 3],
        )
        pool = [row[0] for row in cursor.fetchall()]
    found = process.extract(term, pool, scorer=fuzz.ratio, limit=limit, score_cutoff=MIN_SIMILARITY)
    return [word for word, _score, _index in found]


def corrections(kind: str, query: str, limit: int = 5) -> list[str]:
    """Queries with each word replaced by a close vocabulary word: the first word's best few
    alternatives, the others' best one, most likely first."""
    terms = words(query)
    if not terms:
        return []
    options = []
    for position, term in enumerate(terms):
        found = _candidates(kind, term, limit if position == 0 else 1)
        if not found:
            return []
        options.append(found)
    fixed = [" ".join(combo) for combo in itertools.product(*options)]
    return [q for q in fixed if q != " ".join(terms)][:limit]
