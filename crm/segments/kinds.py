"""Which kinds of records a user may gather into segments and change in bulk. People, companies and deals
follow the role's rights on them. Tasks are everyone's work: each user sees the tasks their visibility
rule gives them and changes those it lets them change, so every active user has segments of tasks and
their bulk changes (a task they may not change is left as it is)."""

from __future__ import annotations

from typing import Any

from crm.accounts import access

TASK = "task"


def may(user: Any, kind: str, action: str) -> bool:
    """Whether the user may ``action`` ("view", "edit", "export") records of ``kind`` as segments do."""
    if kind == TASK:
        return action in ("view", "edit") and access.is_active_user(user)
    return access.has_perm(user, kind, action)
