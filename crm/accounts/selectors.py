"""Reads of users, departments, roles, tokens and the global journal."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

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


@dataclass
class JournalFilters:
    object_type: str = ""  # "contacts.contact"
    action: str = ""
    actor_id: int | None = None
    batch: uuid.UUID | None = None


def journal(
    *, user: User, before_id: int | None = None, filters: JournalFilters | None = None, limit: int = 100
) -> list[AuditEntry]:
    """The whole journal, newest first (administrators only), paged by id, narrowed by kind of record,
    action, who and batch (an import's or a bulk action's rows)."""
    _require_admin(user)
    f = filters or JournalFilters()
    qs = AuditEntry.objects.select_related("actor")
    if f.object_type:
        qs = qs.filter(object_type=f.object_type)
    if f.action:
        qs = qs.filter(action=f.action)
    if f.actor_id is not None:
        qs = qs.filter(actor_id=f.actor_id)
    if f.batch is not None:
        qs = qs.filter(batch=f.batch)
    if before_id:
        qs = qs.filter(id__lt=before_id)
    return list(qs.order_by("-id")[:limit])


def users_for_journal(*, user: User) -> QuerySet[User]:
    """Everyone who may have changed something, for the journal's "who" filter."""
    _require_admin(user)
    return User.objects.order_by("last_name", "first_name", "username")


def colleagues(*, user: User) -> list[User]:
    """Whom work can be given to or filtered by (a task's assignee, a deal's owner): active users, the
    user's department first."""
    users = list(User.objects.filter(is_active=True).order_by("last_name", "first_name", "username"))
    return sorted(users, key=lambda u: (u.department_id != user.department_id, u.last_name, u.first_name))
