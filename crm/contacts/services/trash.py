"""Purging the trash: cards older than the retention period go for good, each purge journaled."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from crm.contacts.models import Company, Contact
from crm.contacts.services.company import company_purge
from crm.contacts.services.contact import contact_purge
from crm.core.audit import SYSTEM


def trash_purge_expired(*, now: datetime.datetime | None = None) -> int:
    """Called daily by the worker; returns how many cards were purged."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.CRM_TRASH_RETENTION_DAYS)
    count = 0
    for pk in Contact.objects.filter(deleted_at__lt=cutoff).values_list("pk", flat=True).iterator():
        contact_purge(contact_id=pk, source=SYSTEM)
        count += 1
    for pk in Company.objects.filter(deleted_at__lt=cutoff).values_list("pk", flat=True).iterator():
        company_purge(company_id=pk, source=SYSTEM)
        count += 1
    return count
