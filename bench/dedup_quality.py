"""``python -m bench.dedup_quality RECORDS.csv PAIRS.csv``: the duplicate finder's quality on a labelled set.

Reads a file in the layout of the Russian dev set (``record_id,source,last_name,first_name,patronymic,
birth_date,phone,email,company,city``), normalises each record with the product's own normalisers
(``crm.core.normalize``: phones to E.164, e-mails, dates), runs the product's finder
(``crm.duplicates.finder``) with its shipped default threshold, and writes ``id_l,id_r,score`` for every
pair the finder's groups join (a group is one person: the cards a merge would make one). Score it with the
set's ``score.py PAIRS.csv TRUTH.csv``.

Interim: the records are read straight from the file, not imported into a database first; the finder runs
on the same ``Person`` values the product builds from cards. Loading through the import service and running
the finder on stored cards is the next step (issue 14).
"""

from __future__ import annotations

import csv
import itertools
import os
import sys
import time
from pathlib import Path


def _phone(raw: str) -> str:
    from crm.core import normalize as norm

    try:
        e164 = norm.normalize_phone(raw).e164
    except norm.NormalizationError:
        return ""
    return e164[2:] if e164.startswith("+7") else e164


def _email(raw: str) -> str:
    from crm.core import normalize as norm

    try:
        return norm.normalize_email(raw) if raw.strip() else ""
    except norm.NormalizationError:
        return ""


def _birth(raw: str) -> str:
    from crm.core import normalize as norm

    try:
        born = norm.parse_date(raw) if raw.strip() else None
    except norm.NormalizationError:
        return ""
    if born is None:
        return ""
    day = f"{born.month:02d}-{born.day:02d}"
    return f"{born.year:04d}-{day}" if born.year else day


def main(records: Path, out: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    import django

    django.setup()
    from crm.duplicates.finder import THRESHOLD, find_pairs, groups
    from crm.duplicates.scoring import Person

    started = time.perf_counter()
    with records.open(encoding="utf-8") as handle:
        people = []
        for r in csv.DictReader(handle):
            phone, email = _phone(r.get("phone", "")), _email(r.get("email", ""))
            people.append(
                Person(
                    key=r["record_id"],
                    last=r.get("last_name", "").strip(),
                    first=r.get("first_name", "").strip(),
                    middle=r.get("patronymic", "").strip(),
                    birth=_birth(r.get("birth_date", "")),
                    phones=frozenset([phone] if phone else []),
                    emails=frozenset([email] if email else []),
                    company=r.get("company", "").strip(),
                    city=r.get("city", "").strip(),
                )
            )
    pairs = find_pairs(people, THRESHOLD)
    best = {(p.a, p.b): p.score for p in pairs} | {(p.b, p.a): p.score for p in pairs}
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id_l", "id_r", "score"])
        written = 0
        for group in groups(pairs):
            for a, b in itertools.combinations(sorted(group, key=str), 2):
                writer.writerow([a, b, f"{best.get((a, b), THRESHOLD):.3f}"])
                written += 1
    elapsed = time.perf_counter() - started
    print(f"{len(people)} records, {len(pairs)} pairs scored above {THRESHOLD}, {written} pairs written")
    print(f"seconds {elapsed:.1f}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m bench.dedup_quality RECORDS.csv PAIRS.csv")
    main(Path(sys.argv[1]), Path(sys.argv[2]))
