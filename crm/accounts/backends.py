"""Password sign-in, with the user's role read in the same query as the user: every page asks the role
for the person's rights, and a separate query for it cost each request one more round trip."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from crm.accounts.models import User


class UserWithRoleBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = User.objects.select_related("role").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
