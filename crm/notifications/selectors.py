"""Reads of a person's own notifications (nobody reads another's)."""

from __future__ import annotations

from crm.accounts.models import User
from crm.notifications.models import Notification


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at=None).count()


def recent(*, user: User, limit: int = 20) -> list[Notification]:
    return list(Notification.objects.filter(user=user).order_by("-created_at", "-id")[:limit])


def url_of(*, user: User, pk: int) -> str | None:
    """Where a person's own notification leads ("" when nowhere); None when it is not theirs."""
    found = Notification.objects.filter(pk=pk, user=user).values_list("url", flat=True).first()
    return None if found is None else (found or "")
