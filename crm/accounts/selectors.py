"""Reads of users, departments, roles, tokens and the global journal."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from crm.accounts import access
from crm.accounts.models import ApiToken, Department, Role, User
from crm.core.errors import NotFound
from crm.core.models import AuditEntry


def _require_admin(user: User) -> None:
    if not access.can_administer(user):
        raise NotFound


def user_list(*, user: User) -> QuerySet[User]:
    _require_admin(user)
    return User.objects.select_related("department", "role").order_by("-is_active", "last_name", "username")


def user_get(*, user: User, pk: int) -> User:
    _require_admin(user)
    found = User.objects.select_related("department", "role").filter(pk=pk).first()
    if found is None:
        raise NotFound
    return found


def department_list(*, user: User) -> QuerySet[Department]:
    _require_admin(user)
    return Department.objects.annotate(member_count=Count("members"))


def role_list(*, user: User) -> QuerySet[Role]:
    _require_admin(user)
    return Role.objects.annotate(user_count=Count("users"))


def role_get(*, user: User, pk: int) -> Role:
    _require_admin(user)
    role = Role.objects.filter(pk=pk).first()
    if role is None:
        raise NotFound
    return role


def tokens_of(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def journal(*, user: User, before_id: int | None = None, limit: int = 100) -> list[AuditEntry]:
    """The whole journal, newest first (administrators only), paged by id."""
    _require_admin(user)
    qs = AuditEntry.objects.select_related("actor")
    if before_id:
        qs = qs.filter(id__lt=before_id)
    return list(qs.order_by("-id")[:limit])
