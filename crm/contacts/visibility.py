"""Who sees which card: the one read rule for contacts and companies.

A card is visible when the user's role lets them view its kind and the card is in their scope: theirs
(``owner``), their department's for a head (``department``, which every card copies from its owner), or
any for an "all" scope. Lists, cards, search, the trash and every service's guard start from
``Contact.objects.visible_to(user)`` / ``Company.objects.visible_to(user)``.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any, TypeVar

from django.db import models
from django.db.models import Exists, OuterRef, Q

from crm.accounts import access

C = TypeVar("C", bound=models.Model)


class CardQuerySet(models.QuerySet[C]):
    def visible_to(self, user: Any, *, trash: bool = False, action: str = "view") -> CardQuerySet[C]:
        """Live cards the user sees (``trash=True``: trashed ones only), narrowed to those whose kind the
        role also allows ``action`` on (the trash lists what the user could delete, so may restore)."""
        kind = self.model._meta.model_name or ""
        scope = access.scope_q(user)
        if scope is None or not (access.has_perm(user, kind, "view") and access.has_perm(user, kind, action)):
            return self.none()
        return self.filter(scope, deleted_at__isnull=not trash)

    def seen_at(self, user: Any, column: str) -> Exists:
        """Whether the card ``column`` of the outer row points at is visible to the user: one primary-key
        probe per row (an ``IN`` over every visible card would read them all for a wide scope)."""
        return Exists(self.visible_to(user).filter(pk=OuterRef(column)))


def cards_seen(user: Any, contact: str = "contact_id", company: str = "company_id") -> Q | None:
    """Rows (entries, tasks, files) on a person or a company the user sees, at least one of the two;
    None when the user sees no card of either kind."""
    from crm.contacts.models import Company, Contact

    if access.scope_q(user) is None:
        return None
    conditions = [
        Q(model.objects.seen_at(user, column))
        for model, kind, column in ((Contact, "contact", contact), (Company, "company", company))
        if access.has_perm(user, kind, "view")
    ]
    return reduce(operator.or_, conditions) if conditions else None
