"""Who sees and who changes a task: the one rule, as a queryset (lists, pages, services) and, for a task
already loaded, as the same equalities checked in Python (``may_change``, the buttons).

A task is seen by its assignee and its author whatever their role (it is their work: my day, the
calendar feed and the reminders show it to them), by a head for their department's tasks (a task
carries its assignee's department), by an "all" scope, and by whoever sees its person or company.
An inactive user sees nothing.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any, TypeVar

from django.db import models
from django.db.models import Q

from crm.accounts import access
from crm.accounts.models import Scope
from crm.contacts.visibility import cards_seen

T = TypeVar("T", bound=models.Model)


def _theirs(user: Any) -> list[dict[str, int]]:
    """The user's own tasks, as equalities on a task's columns."""
    return [{"assignee_id": user.pk}, {"author_id": user.pk}]


def changers(user: Any) -> list[dict[str, int]]:
    """Who changes a task they see, as equalities on its columns (``[{}]``: every task): the assignee,
    the author, the head of the assignee's department, an administrator. Seeing every card, as support
    or a director do, is not a right to change someone's work."""
    if not access.is_active_user(user):
        return []
    if access.can_administer(user):
        return [{}]
    rules = _theirs(user)
    if access.scope_of(user) == Scope.DEPARTMENT and user.department_id:
        rules.append({"department_id": user.department_id})
    return rules


def _any(rules: list[dict[str, int]]) -> Q:
    return reduce(operator.or_, (Q(**rule) for rule in rules))


class TaskQuerySet(models.QuerySet[T]):
    def visible_to(self, user: Any, *, trash: bool = False) -> TaskQuerySet[T]:
        """Live tasks the user sees (``trash=True``: trashed ones only)."""
        if not access.is_active_user(user):
            return self.none()
        qs = self.filter(deleted_at__isnull=not trash)
        scope = access.scope_fields(user, owner="assignee_id")
        if scope == {}:
            return qs
        condition = _any(_theirs(user) + ([scope] if scope else []))
        seen = cards_seen(user)
        return qs.filter(condition | seen if seen is not None else condition)

    def visible_part(self, user: Any, part: dict[str, int]) -> TaskQuerySet[T]:
        """``visible_to(user).filter(**part)``, read by ``part``'s own index when ``part`` is one of the
        rule's own conditions for this user (their tasks as assignee, a head's department, everything for
        an "all" scope): every such task is visible by the rule itself, so the rule's other conditions,
        checked row by row, would change nothing and cost a day page a third of its time."""
        if not access.is_active_user(user):
            return self.none()
        scope = access.scope_fields(user, owner="assignee_id")
        if part == {"assignee_id": user.pk} or (scope is not None and part == scope):
            return self.filter(deleted_at__isnull=True, **part)
        return self.visible_to(user).filter(**part)

    def changeable_by(self, user: Any) -> TaskQuerySet[T]:
        """Of these, the tasks the user may change (see ``changers``)."""
        rules = changers(user)
        return self.filter(_any(rules)) if rules else self.none()


def may_change(user: Any, task: Any) -> bool:
    """Whether the user may change this task, which they see (it came through ``visible_to``)."""
    return any(
        all(getattr(task, column) == value for column, value in rule.items()) for rule in changers(user)
    )
