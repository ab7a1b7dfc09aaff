"""Helpers for tests that touch lead scoring (imported by other apps' tests too)."""

from __future__ import annotations

from typing import Any

from crm.core.audit import SYSTEM
from crm.scoring.models import Score
from crm.scoring.services import Recorded, SignalInput, signals_record


def points(card: Any) -> tuple[int, str]:
    """A person's points and band as stored (cold at zero without a score)."""
    score = Score.objects.filter(contact_id=card.pk).first()
    return (score.points, score.band) if score else (0, "cold")


def signal(actor: Any, card: Any, action: str, **extra: Any) -> Recorded:
    item = SignalInput(action=action, contact_id=card.pk, **extra)
    return signals_record(actor=actor, items=[item], source=SYSTEM)
