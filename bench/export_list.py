"""``python -m bench export [--format csv] [--kind contact]``: the whole list exported end to end through
the lists' own path (``export_start`` then ``export_run``: the administrator's list with no filter, every
column their role may see, related rows a chunk at a time, the file written to storage, journaled), as
the worker runs it. Printed: rows, seconds, the file's size, and as the last line ``rows/s N``."""

from __future__ import annotations

import time

from django.db import transaction

from bench.write import writer
from crm.imports.models import ExportJob
from crm.imports.services import export_run, export_start


def run(*, file_format: str, kind: str) -> None:
    actor = writer()
    with transaction.atomic():
        job = export_start(actor=actor, file_format=file_format, kind=kind)
    started = time.perf_counter()
    job = export_run(job_id=job.pk)
    elapsed = time.perf_counter() - started
    job = ExportJob.objects.get(pk=job.pk)
    print(f"{job.rows_done} {kind} rows to {file_format} in {elapsed:.1f} s, {job.file.size / 1e6:.1f} MB")
    print(f"rows/s {job.rows_done / elapsed:.0f}")
