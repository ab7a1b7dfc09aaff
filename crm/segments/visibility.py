"""Who sees and who changes a segment: its owner and an administrator; everyone sees a shared one."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.db.models import Q

from crm.accounts import access

S = TypeVar("S", bound=models.Model)


class SegmentQuerySet(models.QuerySet[S]):
    def visible_to(self, user: Any, *, trash: bool = False) -> SegmentQuerySet[S]:
        if not access.is_active_user(user):
            return self.none()
        live = self.filter(deleted_at__isnull=not trash)
        if access.can_administer(user):
            return live
        return live.filter(Q(owner_id=user.pk) | Q(shared=True, deleted_at__isnull=True))


def may_change(user: Any, segment: Any) -> bool:
    return access.can_administer(user) or segment.owner_id == user.pk
