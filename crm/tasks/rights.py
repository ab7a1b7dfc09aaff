"""Who sees and who changes a task: used by the services (to refuse) and the selectors (to list)."""

from __future__ import annotations

from typing import Any

from crm.accounts import access
from crm.accounts.models import Scope, User
from crm.contacts.models import Company, Contact
from crm.tasks.models import Task


def may_see(user: User, task: Task) -> bool:
    """Assigned to them, written by them, in their department (a head), or on a card they may see."""
    if not access.is_active_user(user):
        return False
    scope = access.scope_of(user)
    if scope == Scope.ALL or user.pk in (task.assignee_id, task.author_id):
        return True
    if scope == Scope.DEPARTMENT and user.department_id and task.department_id == user.department_id:
        return True
    if task.contact_id and _visible(user, Contact, "contact", task.contact_id):
        return True
    return bool(task.company_id and _visible(user, Company, "company", task.company_id))


def may_change(user: User, task: Task) -> bool:
    """The assignee, the author, the head of the assignee's department, or an administrator (seeing every
    card, as support or a director do, is not a right to change someone's work)."""
    if not may_see(user, task):
        return False
    if user.pk in (task.assignee_id, task.author_id) or access.can_administer(user):
        return True
    return bool(
        access.scope_of(user) == Scope.DEPARTMENT
        and user.department_id
        and task.department_id == user.department_id
    )


def _visible(user: User, model: Any, kind: str, pk: int) -> bool:
    record = model.objects.filter(pk=pk, deleted_at=None).first()
    return bool(record and access.may_touch(user, record, kind, "view"))
