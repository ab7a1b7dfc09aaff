"""``crm import FILE``: import a file from the command line, with the report the wizard shows.

The first line is the counts (``created N · updated N · attached N · skipped N · rejected N``), then one
line per refused row. The exit code is 2 when the file cannot be read, 1 when the options are wrong.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crm.core.errors import DomainError, ValidationFailed
from crm.imports import selectors
from crm.imports.management.users import active_user, first_administrator
from crm.imports.models import OnDuplicate
from crm.imports.readers import UnreadableFile
from crm.imports.services import import_file


class Command(BaseCommand):
    help = "Import people and companies from a CSV, XLSX, XLS or vCard file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--template",
            help="the name of a template saved in the wizard (or a JSON file: header → field)",
        )
        parser.add_argument("--dry-run", action="store_true", help="report what would happen, store nothing")
        parser.add_argument(
            "--on-duplicate",
            choices=OnDuplicate.values,
            help="what a row does when its phone or e-mail is on a card (default: the template's, or skip)",
        )
        parser.add_argument("--owner", help="login of the cards' owner (default: the --as user)")
        parser.add_argument(
            "--as",
            dest="actor",
            help="login of the user the import runs as (default: the first administrator)",
        )
        parser.add_argument(
            "--notes", action="store_true", help="also list the values left out of imported rows"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = active_user(options["actor"]) if options["actor"] else first_administrator()
        owner = active_user(options["owner"]) if options["owner"] else None
        mapping, on_duplicate = self._template(options["template"]) if options["template"] else (None, None)
        on_duplicate = options["on_duplicate"] or on_duplicate or OnDuplicate.SKIP
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.stderr.write(f"{path}: {exc.strerror}")
            raise SystemExit(2) from None
        try:
            report = import_file(
                actor=actor,
                data=data,
                file_name=path.name,
                mapping=mapping,
                on_duplicate=on_duplicate,
                owner=owner,
                dry_run=options["dry_run"],
            )
        except UnreadableFile as exc:
            self.stderr.write(f"{path}: {exc.message}")
            raise SystemExit(2) from None
        except ValidationFailed as exc:
            raise CommandError("; ".join(str(e.message) for e in exc.errors)) from None
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(report.counts_line())
        for problem in report.problems:
            if problem.rejected or options["notes"]:
                where = f"{problem.row}" + (f" ({problem.column})" if problem.column else "")
                value = f" «{problem.value}»" if problem.value else ""
                self.stdout.write(f"{where}{value}: {problem.message}")
        if report.batch is not None:
            self.stderr.write(
                f"batch {report.batch.pk} (crm manage crm_import_undo {report.batch.pk} undoes it)"
            )

    def _template(self, name: str) -> tuple[dict[str, str], str | None]:
        template = selectors.template_by_name(name)
        if template is not None:
            return template.mapping, template.on_duplicate
        path = Path(name)
        if path.suffix.lower() == ".json" and path.is_file():
            return json.loads(path.read_text(encoding="utf-8")), None
        known = ", ".join(t.name for t in selectors.templates()) or "none saved"
        raise CommandError(f"no template {name!r} (templates: {known})")
