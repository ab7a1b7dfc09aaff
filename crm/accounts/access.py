"""The primitives of the read rule: a role's rights per kind (``has_perm``) and its scope (``scope_q``).

Each scoped kind turns them into one queryset method, ``Model.objects.visible_to(user)`` (contacts and
companies in ``crm/contacts/visibility.py``, timeline entries and files in ``crm/activities/visibility.py``,
tasks in ``crm/tasks/visibility.py``); every list, every card and every service's guard is that queryset,
a single record being the queryset filtered by its id. Missing and forbidden records both raise
``NotFound`` so that a 404 never tells a user a record exists.
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


def scope_fields(user: Any, owner: str = "owner_id") -> dict[str, int] | None:
    """The user's scope as one equality on a record's own columns: ``{}`` for everything, the department
    for a head (``department_id``), the user as ``owner`` otherwise; None means nothing at all.

    A head's own records need no second condition: a record carries its owner's department (the services
    copy it, and moving a user moves their records in the same transaction), so "the department's or my
    own" is the department, one range of the department-led indexes. A head without a department sees
    their own records."""
    scope = scope_of(user)
    if scope == Scope.ALL:
        return {}
    if scope == Scope.DEPARTMENT and user.department_id:
        return {"department_id": user.department_id}
    if scope in (Scope.OWN, Scope.DEPARTMENT):
        return {owner: user.pk}
    return None


def scope_q(user: Any, owner: str = "owner_id") -> Q | None:
    """The filter for records in the user's scope; None means nothing at all."""
    fields = scope_fields(user, owner)
    return None if fields is None else Q(**fields)


def may_touch(user: Any, record: Any, kind: str, action: str) -> bool:
    """Whether ``user`` may do ``action`` on this record, which is already loaded: the role allows viewing
    and ``action``, and the record is in the user's scope (the same equality ``scope_q`` filters by)."""
    fields = scope_fields(user)
    if fields is None or not (has_perm(user, kind, "view") and has_perm(user, kind, action)):
        return False
    return all(getattr(record, column) == value for column, value in fields.items())
