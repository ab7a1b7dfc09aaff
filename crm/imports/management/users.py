"""Who a command-line import or export runs as: a login given, or the first administrator."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db.models import Q

from crm.accounts.models import User


def active_user(login: str) -> User:
    user = User.objects.filter(username=login, is_active=True).first()
    if user is None:
        raise CommandError(f"no active user {login!r}")
    return user


def first_administrator() -> User:
    user = (
        User.objects.filter(Q(is_superuser=True) | Q(role__is_admin=True), is_active=True)
        .order_by("pk")
        .first()
    )
    if user is None:
        raise CommandError("no administrator: give --as LOGIN")
    return user
