"""The read guard: one place that says which records a user may see and what they may do.

Every selector starts from ``visible(queryset, user, kind)``. Missing and forbidden records both
raise ``NotFound`` so that a 404 never tells a user a record exists.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.db.models import Q

from crm.accounts.models import Scope
from crm.core.errors import PermissionDenied

M = TypeVar("M", bound=models.Model)


def is_active_user(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def has_perm(user: Any, kind: str, action: str) -> bool:
    if not is_active_user(user):
        return False
    if user.is_superuser:
        return True
    return bool(user.role_id and user.role.allows(kind, action))


def require(user: Any, kind: str, action: str) -> None:
    if not has_perm(user, kind, action):
        raise PermissionDenied(f"{action} {kind}")


def can_administer(user: Any) -> bool:
    """Users, departments, roles, the global journal."""
    if not is_active_user(user):
        return False
    return bool(user.is_superuser or (user.role_id and user.role.is_admin))


def scope_of(user: Any) -> str | None:
    if not is_active_user(user):
        return None
    if user.is_superuser:
        return Scope.ALL
    return user.role.scope if user.role_id else None


def scope_q(user: Any) -> Q | None:
    """The filter for records owned in the user's scope; None means nothing at all."""
    scope = scope_of(user)
    if scope == Scope.ALL:
        return Q()
    if scope == Scope.DEPARTMENT and user.department_id:
        return Q(department_id=user.department_id) | Q(owner_id=user.pk)
    if scope in (Scope.OWN, Scope.DEPARTMENT):
        return Q(owner_id=user.pk)
    return None


def visible(queryset: models.QuerySet[M], user: Any, kind: str) -> models.QuerySet[M]:
    """Records of ``kind`` that ``user`` may view; the one primitive every selector starts from."""
    q = scope_q(user)
    if q is None or not has_perm(user, kind, "view"):
        return queryset.none()
    return queryset.filter(q)


def may_touch(user: Any, record: Any, kind: str, action: str) -> bool:
    """Whether ``user`` may do ``action`` on this particular record (rights and scope)."""
    if not has_perm(user, kind, action):
        return False
    scope = scope_of(user)
    if scope == Scope.ALL:
        return True
    if record.owner_id == user.pk:
        return True
    return bool(
        scope == Scope.DEPARTMENT and user.department_id and record.department_id == user.department_id
    )
