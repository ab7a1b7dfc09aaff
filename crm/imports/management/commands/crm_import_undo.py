"""``crm manage crm_import_undo BATCH``: undo a whole import from the command line."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from crm.accounts.models import User
from crm.core.errors import DomainError
from crm.imports.services import import_undo


class Command(BaseCommand):
    help = "Undo an import: its new cards to the trash, its updates given back, its notes removed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("batch", type=uuid.UUID)
        parser.add_argument(
            "--as", dest="actor", help="login of the user who undoes it (default: an administrator)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        users = User.objects.filter(is_active=True)
        actor = (
            users.filter(username=options["actor"]).first()
            if options["actor"]
            else users.filter(Q(is_superuser=True) | Q(role__is_admin=True)).order_by("pk").first()
        )
        if actor is None:
            raise CommandError("no such active user")
        try:
            batch = import_undo(actor=actor, batch_id=options["batch"])
        except DomainError as exc:
            raise CommandError(str(exc) or "not found") from None
        self.stdout.write(f"undone: {batch.file_name} ({batch.created} created, {batch.updated} updated)")
