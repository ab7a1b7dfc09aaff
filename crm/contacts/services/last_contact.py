"""The cards' "last contact" date (R2.4), kept by the timeline's services in their own transaction.

It is derived data like completeness: not journaled, never edited by hand.
"""

from __future__ import annotations

import datetime

from django.db.models import Q

from crm.contacts.models import Company, Contact, Employment


def last_contact_advance(
    *, contact_ids: list[int], company_ids: list[int], at: datetime.datetime, with_employers: bool = True
) -> None:
    """Move the cards' last contact forward to ``at`` (never back). A person's interaction is also one with
    the companies they work for (``with_employers``)."""
    later = Q(last_contact_at__lt=at) | Q(last_contact_at__isnull=True)
    company_ids = list(company_ids)
    if with_employers and contact_ids:
        company_ids += Employment.objects.filter(contact_id__in=contact_ids).values_list(
            "company_id", flat=True
        )
    if contact_ids:
        Contact.objects.filter(later, pk__in=contact_ids).update(last_contact_at=at)
    if company_ids:
        Company.objects.filter(later, pk__in=set(company_ids)).update(last_contact_at=at)


def last_contact_set(
    *, contacts: dict[int, datetime.datetime | None], companies: dict[int, datetime.datetime | None]
) -> None:
    """Set recounted values (after an entry is removed or moved back in time)."""
    for pk, at in contacts.items():
        Contact.objects.filter(pk=pk).update(last_contact_at=at)
    for pk, at in companies.items():
        Company.objects.filter(pk=pk).update(last_contact_at=at)
