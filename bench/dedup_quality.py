"""``python -m bench.dedup_quality RECORDS.csv PAIRS.csv``: the duplicate finder's quality on a labelled set.

Loads a file in the layout of the Russian dev set (``record_id,source,last_name,first_name,patronymic,
birth_date,phone,email,company,city``) into a fresh database **through the product's import service**
(``crm.imports.services.import_file``: the columns as the wizard suggests them, the rows merged within the
file where they are one person, each row that matches a card attached to it), runs the product's finder
(``crm.duplicates.services.duplicates_find``) with its shipped default threshold on the stored cards, and
writes ``id_l,id_r,score`` for every two records that end up as one person: on one card (score 1), or on
cards the finder's pairs join. Each record is traced to its card by its ``record_id``, which the import
keeps on the card (``SourceKey``). Score it with the set's ``score.py PAIRS.csv TRUTH.csv``.

The database: ``DATABASE_URL`` or ``CRM_DATA_DIR`` if given (it must hold no cards), otherwise a new SQLite
database in a temporary directory.
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
import time
from pathlib import Path


def main(records: Path, out: Path) -> None:
    if not os.environ.get("DATABASE_URL") and not os.environ.get("CRM_DATA_DIR"):
        os.environ["CRM_DATA_DIR"] = tempfile.mkdtemp(prefix="crm-dedup-quality-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from bench.write import writer
    from crm.contacts.models import Contact
    from crm.duplicates.finder import THRESHOLD
    from crm.duplicates.models import DuplicatePair
    from crm.duplicates.services import duplicates_find
    from crm.imports.models import SourceKey
    from crm.imports.services import import_file

    call_command("migrate", verbosity=0)
    if Contact._base_manager.exists():
        sys.exit("the database already holds cards: give an empty one")
    started = time.perf_counter()
    report = import_file(
        actor=writer(), data=records.read_bytes(), file_name=records.name, on_duplicate="attach"
    )
    imported = time.perf_counter()
    duplicates_find()
    found = time.perf_counter()

    people = SourceKey.objects.filter(system="file", contact__isnull=False)
    card_of = dict(people.values_list("value", "contact_id"))
    parent: dict[object, object] = {}

    def root(x: object) -> object:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]  # type: ignore[index]
            x = parent[x]
        return x

    def join(a: object, b: object) -> None:
        parent[root(a)] = root(b)

    scores: dict[tuple[int, int], float] = {}
    for first, second, score in DuplicatePair.objects.values_list("first_id", "second_id", "score"):
        if score >= THRESHOLD:
            join(("card", first), ("card", second))
            scores[(first, second)] = scores[(second, first)] = score
    groups: dict[object, list[str]] = {}
    for record_id, card_id in card_of.items():
        groups.setdefault(root(("card", card_id)), []).append(record_id)
    written = 0
    with out.open("w", encoding="utf-8") as handle:
        handle.write("id_l,id_r,score\n")
        for members in groups.values():
            for a, b in itertools.combinations(sorted(members), 2):
                same = card_of[a] == card_of[b]
                score = 1.0 if same else scores.get((card_of[a], card_of[b]), THRESHOLD)
                handle.write(f"{a},{b},{score:.3f}\n")
                written += 1
    print(report.counts_line())
    print(f"{len(card_of)} records on {len(set(card_of.values()))} cards, {len(scores) // 2} pairs found")
    print(f"{written} pairs written")
    print(f"import {imported - started:.1f} s, finder {found - imported:.1f} s")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m bench.dedup_quality RECORDS.csv PAIRS.csv")
    main(Path(sys.argv[1]), Path(sys.argv[2]))
