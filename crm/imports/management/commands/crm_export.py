"""``crm export``: write a list to a file from the command line, with the same rights, filters and columns
as the list's export button (the role of the ``--as`` user; journaled).

The first line is ``exported N contacts to FILE``. The exit code is 1 when the options are wrong.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from crm.core.errors import DomainError, ValidationFailed
from crm.imports.management.users import active_user, first_administrator
from crm.imports.models import ExportFormat, ImportStatus
from crm.imports.services import export_run, export_start

EXTENSIONS = {"csv": "csv", "csv1251": "csv", "xlsx": "xlsx", "vcf": "vcf"}


class Command(BaseCommand):
    help = "Export the contact or company list (CSV, Windows-1251 CSV, XLSX or vCard) to a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=("contact", "company"), default="contact")
        parser.add_argument("--format", choices=ExportFormat.values, default=ExportFormat.XLSX)
        parser.add_argument(
            "--filter",
            default="",
            help='the list\'s filters as its address has them, e.g. "city=Пермь&tag=3"',
        )
        parser.add_argument("--output", "-o", type=Path, help="the file to write (default: in this folder)")
        parser.add_argument(
            "--as",
            dest="actor",
            help="login of the user whose list it is (default: the first administrator)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = active_user(options["actor"]) if options["actor"] else first_administrator()
        try:
            with transaction.atomic():
                job = export_start(
                    actor=actor, file_format=options["format"], query=options["filter"], kind=options["kind"]
                )
            job = export_run(job_id=job.pk)  # here, not in the worker: the command waits for its file
        except ValidationFailed as exc:
            raise CommandError("; ".join(str(e.message) for e in exc.errors)) from None
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        if job.status != ImportStatus.DONE:
            raise CommandError(job.error or "the export failed")
        name = f"{options['kind']}s.{EXTENSIONS[options['format']]}"
        target: Path = options["output"] or Path(name)
        with job.file.open("rb") as source, target.open("wb") as out:
            shutil.copyfileobj(source, out)
        kind = "companies" if options["kind"] == "company" else "contacts"
        self.stdout.write(f"exported {job.rows_done} {kind} to {target}")
