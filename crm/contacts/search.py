"""Name search behind one interface, using each database's own strength.

PostgreSQL: a GIN trigram index (pg_trgm) on ``name_key`` serves prefix and typo-tolerant matches
(``<%`` word similarity). SQLite: an FTS5 table per kind serves word prefixes, and its vocabulary
(fts5vocab) gives the candidate words for typo tolerance, ranked with rapidfuzz.
Phones, e-mails and INNs are exact index lookups on their own columns (see selectors).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Q
from rapidfuzz import fuzz, process

from crm.contacts.models import Company, Contact
from crm.contacts.normalize import name_key

TABLES = {"contact": "contacts_contact_fts", "company": "contacts_company_fts"}
# Similar-sounding letters that are often confused at the start of a Russian word.
FIRST_LETTER_VARIANTS = {
    "е": "еэ",
    "э": "эе",
    "и": "иы",
    "ы": "ыи",
    "о": "оа",
    "а": "ао",
    "ш": "шщ",
    "щ": "щш",
}


def is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def _reindex(kind: str, rows: Iterable[tuple[int, str]]) -> None:
    if not is_sqlite():
        return  # PostgreSQL indexes the column itself
    rows = list(rows)
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM {TABLES[kind]} WHERE rowid = %s", [(pk,) for pk, _ in rows])
        cursor.executemany(f"INSERT INTO {TABLES[kind]} (rowid, name) VALUES (%s, %s)", rows)


def index_contacts(contacts: Iterable[Contact]) -> None:
    _reindex("contact", ((c.pk, c.name_key) for c in contacts))


def index_companies(companies: Iterable[Company]) -> None:
    _reindex("company", ((c.pk, c.name_key) for c in companies))


def _unindex(kind: str, pks: list[int]) -> None:
    if is_sqlite() and pks:
        with connection.cursor() as cursor:
            cursor.executemany(f"DELETE FROM {TABLES[kind]} WHERE rowid = %s", [(pk,) for pk in pks])


def unindex_contacts(pks: list[int]) -> None:
    _unindex("contact", pks)


def unindex_companies(pks: list[int]) -> None:
    _unindex("company", pks)


def prefix_q(field: str, value: str) -> Q:
    """``field`` starts with ``value``, as an index range on either database.

    SQLite's LIKE ignores case and so cannot use a B-tree; a BINARY range can. PostgreSQL's range bound
    would depend on the collation, so it uses LIKE, served by the varchar_pattern_ops indexes.
    """
    if is_sqlite():
        return Q(**{f"{field}__gte": value, f"{field}__lt": value + "\U0010ffff"})
    return Q(**{f"{field}__startswith": value})


def fuzzy_match(kind: str, query: str) -> str | None:
    """SQLite: an FTS MATCH expression with each query word replaced by its closest indexed words."""
    terms = words(query)
    if not terms or not is_sqlite():
        return None
    vocab = TABLES[kind] + "_vocab"
    groups = []
    with connection.cursor() as cursor:
        for term in terms:
            candidates: list[str] = []
            for letter in FIRST_LETTER_VARIANTS.get(term[0], term[0]):
                cursor.execute(
                    f"SELECT term FROM {vocab} WHERE term >= %s AND term < %s",
                    [letter, letter + "\U0010ffff"],
                )
                candidates.extend(row[0] for row in cursor.fetchall())
            close = process.extract(term, candidates, scorer=fuzz.ratio, limit=5, score_cutoff=70)
            if not close:
                return None
            groups.append("(" + " OR ".join(f'"{word}"' for word, _score, _i in close) + ")")
    return " AND ".join(groups)


def prefix_match(query: str) -> str:
    """SQLite: an FTS MATCH expression where every query word is a word prefix."""
    return " AND ".join('"' + t.replace('"', "") + '"*' for t in words(query))


def words(query: str) -> list[str]:
    return [w for w in name_key(query).replace("-", " ").split() if w][:4]
