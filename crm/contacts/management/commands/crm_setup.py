"""Prepare a fresh or existing install: migrate, collect static files, create the admin and demo data.

Idempotent: a second run only applies new migrations and prints the login again.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from crm.contacts.demo import create_demo, ensure_admin
from crm.contacts.models import Contact
from crm.core.demo import run_demo_steps


class Command(BaseCommand):
    help = "Migrate, collect static files, create the administrator and (on an empty base) demo data."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--no-demo", action="store_true", help="Do not create demo data.")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        credentials = settings.DATA_DIR / "admin-password"
        _admin, password = ensure_admin()
        if password:
            credentials.write_text(password)
            credentials.chmod(0o600)
        if not options["no_demo"] and not Contact.objects.exists():
            self.stdout.write("Creating demo data (2,000 contacts, 300 companies, their history and tasks)…")
            create_demo()
            run_demo_steps()
        if password:  # shown once, when it is made; a later start only says where it is kept
            self.stdout.write(self.style.SUCCESS(f"Administrator login: admin / {password}"))
        else:
            kept = f"kept in {credentials}" if credentials.exists() else "set earlier"
            self.stdout.write(
                self.style.SUCCESS(f"Administrator login: admin (password shown at first start, {kept})")
            )
        self.stdout.write(
            "Demo users (password demo-password): ivanova, kuznetsov (heads); petrov, sidorova, smirnov"
        )
