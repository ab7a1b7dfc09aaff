"""Reading the scoring page's forms into the services' inputs (numbers that are not numbers become None,
which the services refuse by name)."""

from __future__ import annotations

from typing import Any

from crm.scoring.services import RuleInput, SettingsInput


def _int(raw: Any) -> int | None:
    text = str(raw or "").strip().replace(" ", "").replace("\u00a0", "")
    sign = -1 if text.startswith(("-", "−")) else 1
    digits = text.lstrip("+-−")
    return sign * int(digits) if digits.isdecimal() and len(digits) < 10 else None


def settings_input(post: Any) -> SettingsInput:
    return SettingsInput(
        half_life_days=_int(post.get("half_life_days")),
        hot_from=_int(post.get("hot_from")),
        warm_from=_int(post.get("warm_from")),
    )


def rule_input(post: Any) -> RuleInput:
    return RuleInput(
        action=post.get("action", ""),
        address_contains=post.get("address_contains", ""),
        points=_int(post.get("points")),
        # A rule's row sends "active_sent" with its box, which sends nothing when cleared; a new rule is on.
        active=bool(post.get("active")) if post.get("active_sent") else True,
    )
