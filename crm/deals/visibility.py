"""Who sees which deal: the cards' rule on a deal's own columns.

A deal is seen when the role lets its holder view deals and the deal is in their scope: theirs
(``owner``), their department's for a head (``department``, copied from the owner), any for an "all"
scope. Boards, lists, the card's section, the API and every service's guard start from
``Deal.objects.visible_to(user)``.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

from crm.accounts import access

D = TypeVar("D", bound=models.Model)

KIND = "deal"


class DealQuerySet(models.QuerySet[D]):
    def visible_to(self, user: Any, *, trash: bool = False, action: str = "view") -> DealQuerySet[D]:
        """Live deals the user sees (``trash=True``: trashed ones only), narrowed to those the role also
        allows ``action`` on."""
        scope = access.scope_q(user)
        if scope is None or not (access.has_perm(user, KIND, "view") and access.has_perm(user, KIND, action)):
            return self.none()
        return self.filter(scope, deleted_at__isnull=not trash)


def may(user: Any, deal: Any, action: str) -> bool:
    """Whether the user may do ``action`` on this deal, already loaded."""
    return access.may_touch(user, deal, KIND, action)


class OrderQuerySet(models.QuerySet[D]):
    def visible_to(self, user: Any, *, trash: bool = False) -> OrderQuerySet[D]:
        """Live orders (``trash=True``: trashed ones) of clients the user sees, for a role that views
        deals: an order is part of its client's history, seen with the card."""
        from crm.contacts.visibility import cards_seen

        if not access.has_perm(user, KIND, "view"):
            return self.none()
        seen = cards_seen(user)
        if seen is None:
            return self.none()
        return self.filter(seen, deleted_at__isnull=not trash)
