"""Writes of the name search's own tables: the FTS5 rows on SQLite and the typo vocabulary
(``SearchWord``). The contact and company services call these in the transaction that saves the card;
the reads live in ``crm/contacts/search.py``."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from crm.contacts.models import Company, Contact, SearchWord
from crm.contacts.search import TABLES, is_sqlite


def _remember_words(kind: str, keys: Iterable[str]) -> None:
    vocabulary = {w[:100] for key in keys for w in key.replace("-", " ").split() if len(w) > 1}
    if vocabulary:
        SearchWord.objects.bulk_create(
            [SearchWord(kind=kind, word=w) for w in vocabulary], ignore_conflicts=True, batch_size=1000
        )


def _reindex(kind: str, rows: list[tuple[int, str]], new: bool) -> None:
    if not rows:
        return
    _remember_words(kind, (key for _pk, key in rows))
    if not is_sqlite():
        return  # PostgreSQL indexes the column itself
    with connection.cursor() as cursor:
        if not new:  # a new card has no row to replace
            cursor.executemany(f"DELETE FROM {TABLES[kind]} WHERE rowid = %s", [(pk,) for pk, _ in rows])
        cursor.executemany(f"INSERT INTO {TABLES[kind]} (rowid, name) VALUES (%s, %s)", rows)


def index_contacts(contacts: Iterable[Contact], *, new: bool = False) -> None:
    _reindex("contact", [(c.pk, c.name_key) for c in contacts], new)


def index_companies(companies: Iterable[Company], *, new: bool = False) -> None:
    _reindex("company", [(c.pk, c.name_key) for c in companies], new)


def _unindex(kind: str, pks: list[int]) -> None:
    if is_sqlite() and pks:
        with connection.cursor() as cursor:
            cursor.executemany(f"DELETE FROM {TABLES[kind]} WHERE rowid = %s", [(pk,) for pk in pks])


def unindex_contacts(pks: list[int]) -> None:
    _unindex("contact", pks)


def unindex_companies(pks: list[int]) -> None:
    _unindex("company", pks)


def rebuild_vocabulary() -> int:
    """Refill the typo vocabulary from every stored name (after a bulk load that bypassed services)."""
    for kind, model in (("contact", Contact), ("company", Company)):
        keys = model.objects.values_list("name_key", flat=True).iterator(chunk_size=20000)
        batch: list[str] = []
        for key in keys:
            batch.append(key)
            if len(batch) == 20000:
                _remember_words(kind, batch)
                batch = []
        _remember_words(kind, batch)
    return SearchWord.objects.count()
