"""``python -m bench import --rows N``: a generated N-row file imported end to end through the wizard's own
code path (``crm.imports.services``: read and detect the encoding and delimiter, map the columns, build and
merge the records, check them within the file and against the base, write through the batch path with the
journal and the batch, the report), into whatever base the settings point at.

The file is what Russian Excel saves: Windows-1251, ``;``, a header row; each row a person with a mobile and
a work phone, an e-mail, a company, a position, a city and tags (the rows of ``bench write``). Printed: the
time to upload it (read, detect, map), the time to run it (plan, check, write); with ``--again`` the time
to import the same file once more (fill: every row found on its card); with ``--changed`` the time to
import the same people with a city their cards do not have (overwrite: every card updated); with
``--undo`` the time to undo the first batch; and as the last line ``rows/s N``.
"""

from __future__ import annotations

import csv
import io
import time

from bench.write import generate, writer
from crm.imports.models import ImportBatch, ImportStatus
from crm.imports.services import importing

HEADER = ["Фамилия", "Имя", "Отчество", "Мобильный телефон", "Рабочий телефон", "E-mail", "Компания"]
HEADER += ["Должность", "Город", "Теги"]


def with_city(data: bytes, city: str) -> bytes:
    """The same file with every row's city replaced (the people, their phones and e-mails unchanged)."""
    out = io.StringIO()
    writer_ = csv.writer(out, delimiter=";")
    for number, row in enumerate(csv.reader(io.StringIO(data.decode("cp1251")), delimiter=";")):
        if number:
            row[HEADER.index("Город")] = city
        writer_.writerow(row)
    return out.getvalue().encode("cp1251")


def build_file(rows: int, seed: int) -> bytes:
    out = io.StringIO()
    writer_ = csv.writer(out, delimiter=";")
    writer_.writerow(HEADER)
    for row in generate(rows, seed):
        writer_.writerow(
            [
                row.last_name,
                row.first_name,
                row.middle_name,
                row.phones[0].value,
                row.phones[1].value,
                row.emails[0].value,
                row.company_name,
                row.position,
                row.city,
                ", ".join(row.tags),
            ]
        )
    return out.getvalue().encode("cp1251")


def run(*, rows: int, seed: int, undo: bool = False, again: bool = False, changed: bool = False) -> None:
    actor = writer()
    data = build_file(rows, seed)
    print(f"file: {rows} rows, {len(data) / 1e6:.1f} MB, windows-1251, ';'")
    started = time.perf_counter()
    batch = importing.import_upload(actor=actor, data=data, file_name=f"bench-{rows}.csv")
    planned = time.perf_counter()
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.QUEUED)
    report = importing.import_run(batch_id=batch.pk)
    done = time.perf_counter()
    print(f"upload (read, detect the encoding and delimiter, map the columns): {planned - started:.1f} s")
    print(f"import run (read, plan, merge, check, write, journal, report): {done - planned:.1f} s")
    print(report.counts_line())
    if again:  # the same file once more, "fill": every row is found on its card and nothing is new
        started_again = time.perf_counter()
        second = importing.import_file(actor=actor, data=data, file_name="again.csv", on_duplicate="fill")
        print(
            f"the same file again (fill): {time.perf_counter() - started_again:.1f} s, {second.counts_line()}"
        )
    if changed:  # the same people, each with a city their card does not have: every row updates its card
        started_changed = time.perf_counter()
        third = importing.import_file(
            actor=actor,
            data=with_city(data, "Нарьян-Мар"),
            file_name="changed.csv",
            on_duplicate="overwrite",
        )
        took = time.perf_counter() - started_changed
        print(f"the same people, another city (overwrite): {took:.1f} s, {third.counts_line()}")
    if undo:  # the whole batch back out: its new cards to the trash, journaled
        started_undo = time.perf_counter()
        importing.import_undo(actor=actor, batch_id=batch.pk)
        print(f"undo of the batch: {time.perf_counter() - started_undo:.1f} s")
    print(f"rows/s {rows / (done - started):.0f}")
